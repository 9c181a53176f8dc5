#pragma once
// One stored scan: what came in, what was decided, what it moved. The scan
// log is a list of these; occupancy is rebuilt by replaying their movements.
// Thread safety: plain value.

#include <cstdint>
#include <optional>
#include <string>

#include "core/event.hpp"
#include "core/presence.hpp"
#include "core/verdict.hpp"

namespace admit::core {

enum class scan_kind : std::uint8_t {
    badge,   // a badge scanned at a station
    manual,  // a help-desk check-in or check-out, forced by staff
    clear,   // the scheduled clear-out of a hall
    // A new decision of an earlier logged scan (`redecides`), made when a scan
    // read before it reached the server late (core/timeline.hpp). `shown`
    // holds the decision in force until then, `result` and `moved` the new one.
    redecision,
};

struct scan_record {
    std::int64_t seq = 0;  // position in the log, assigned by the store
    std::string scan_id;   // unique; replays of it change nothing
    scan_kind kind = scan_kind::badge;
    std::string station_id;   // empty for manual and clear
    std::string hall_id;
    std::string attendee_id;  // empty when the badge could not be read
    std::string category;
    std::string payload;      // the raw badge text (kept for audit)
    direction dir = direction::entry;
    time_point device_time{};
    time_point server_time{};
    bool offline = false;               // decided by the kiosk while its link was down
    bool clock_skew = false;            // device_time is not trusted (too far from the server's)
    std::optional<verdict> shown;       // what the kiosk showed, when offline
    std::string actor;                  // who forced it (manual), else empty
    std::string note;                   // the staff's reason (manual)
    verdict result;
    std::optional<movement> moved;      // empty when occupancy did not change
    bool annulled = false;              // set later by staff; skipped on rebuild
    // A second read of the same badge at the same hall and direction within
    // the duplicate window: it carries the verdict of the read it copies,
    // moved nobody and counts neither as an admission nor as a refusal.
    bool duplicate = false;
    std::string redecides;  // kind redecision: the scan id of the scan decided again

    // The moment at the door: the device's time for an offline scan whose
    // clock is trusted, the server's otherwise (scan::decided_at).
    time_point read_time() const { return offline && !clock_skew ? device_time : server_time; }

    // True when the kiosk showed one thing offline and the server decided another.
    bool conflicts() const { return shown && shown->admitted != result.admitted; }
};

}  // namespace admit::core
