#pragma once
// The kiosk: turns one badge payload into one verdict on the screen. The
// scan goes into the outbox first; online, the link sends it and the kiosk
// shows the server's verdict (waiting at most verdict_budget, 300 ms); offline,
// when the link goes down meanwhile (STORAGE_UNAVAILABLE), or when the server
// does not answer within the budget, the kiosk decides at once with the cached
// rules (offline_judge) and shows that, marked OFFLINE. Verdicts that arrive
// later for earlier scans (outbox replay) are reported, with a conflict when
// the server decided otherwise than the kiosk showed.
// Thread safety: scan() is called by one thread (the input loop); link
// events arrive on the link thread and are synchronised here.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kiosk/display.hpp"
#include "kiosk/outbox.hpp"
#include "kiosk/station_link.hpp"

namespace admit::scanner {

struct kiosk_options {
    link_options link;
    std::optional<core::direction> dir;  // empty: from the station's role
    int margin = 5;                      // offline: refuse this many places before capacity
};

class kiosk {
public:
    kiosk(kiosk_options options, display& screen);
    ~kiosk();
    kiosk(const kiosk&) = delete;
    kiosk& operator=(const kiosk&) = delete;

    // Rules given by the operator (provisioning without a network).
    void seed_rules(const std::string& rules_json);
    void start();
    void stop();

    // One badge read at the door; returns what was shown.
    shown_scan scan(const std::string& payload);

    // The direction scans take now: --direction, else the station's role
    // (hello or cached rules). Empty when unknown or the station is "both".
    std::optional<core::direction> direction() const;
    // The station's role when known ("entrance", "exit", "both").
    std::optional<std::string> role() const;

    // Waits until the link is up (a kiosk just started); false at the deadline.
    bool wait_online(std::chrono::milliseconds timeout) const;
    // Waits until the outbox is empty; false at the deadline.
    bool drain(std::chrono::milliseconds timeout);
    std::size_t backlog() const { return outbox_.backlog(); }
    bool online() const { return link_.online(); }
    // What the server said at hello (empty before the first hello).
    std::optional<hello_facts> hello() const { return link_.hello(); }
    // The rules the kiosk decides offline with; may be null.
    std::shared_ptr<const protocol::station_rules> rules() const { return link_.rules(); }

private:
    void on_link(const link_event& ev);
    shown_scan decide_offline(
        const std::string& scan_id,
        const std::string& payload,
        core::direction dir,
        std::int64_t at_ms,
        bool already_stored
    );

    kiosk_options options_;
    display& screen_;
    outbox outbox_;
    station_link link_;

    std::mutex mutex_;  // guards waiting_ / answer_
    std::condition_variable answered_;
    std::string waiting_;  // scan id the scan loop waits for
    std::optional<server_verdict> answer_;
    bool link_lost_ = false;  // the link went down while the scan loop waited
};

}  // namespace admit::scanner
