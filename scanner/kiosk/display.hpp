#pragma once
// What the kiosk shows: a scan's verdict, the link going up or down, the
// outbox catching up, problems. Two implementations: terminal_display (the
// big coloured door screen) and json_display (one JSON line per event, for
// tests and for driving another UI).
// Thread safety: implementations must accept calls from the scan loop and
// the link thread at once.

#include <cstddef>
#include <string>

#include "core/verdict.hpp"

namespace admit::scanner {

// A verdict as shown at the door.
struct shown_scan {
    std::string scan_id;
    core::verdict result;
    std::string attendee_id;
    std::string name;
    std::string category;  // the category's display name
    std::string hall_name;
    int inside = 0;
    int capacity = 0;
    bool offline = false;   // decided by the kiosk, not the server
    bool duplicate = false;  // the server took it for a second read of the same badge
    double latency_ms = 0;  // from reading the badge to this verdict
    std::size_t backlog = 0;
    std::string server;  // HOST:PORT of the server that decided; empty when offline
};

// A verdict for an earlier scan that arrived later (outbox replay).
struct synced_scan {
    std::string scan_id;
    bool server_admitted = false;
    std::string reason;  // server's reason code
    bool was_offline = false;
    bool conflict = false;  // the kiosk showed the opposite offline
    bool shown_admitted = false;
    std::size_t backlog = 0;
    std::string server;  // HOST:PORT of the server that decided
};

// A scan of this kiosk the server decided again (a scan read before it
// arrived late); what the door showed stands.
struct redecided_scan {
    std::string scan_id;
    bool shown_admitted = false;
    bool now_admitted = false;
    std::string reason;  // the new verdict's reason code
    std::string explanation;
    std::string because_scan_id;
    bool conflict = false;
};

class display {
public:
    display() = default;
    display(const display&) = delete;
    display& operator=(const display&) = delete;
    virtual ~display() = default;

    virtual void ready(const std::string& station, const std::string& direction) = 0;
    virtual void scan(const shown_scan& s) = 0;
    virtual void repeat(const std::string& payload) = 0;
    // The link went up or down; `server` is HOST:PORT of the server it is on
    // (online) or the one it lost or could not reach (offline).
    virtual void link(
        bool online, const std::string& server, const std::string& detail, std::size_t backlog
    ) = 0;
    virtual void synced(const synced_scan& s) = 0;
    virtual void redecided(const redecided_scan& s) = 0;
    virtual void note(const std::string& kind, const std::string& message) = 0;
};

}  // namespace admit::scanner
