#pragma once
// The verdict: a pure function over the event, the roster, who is where, and
// one scan. No I/O, no clock: times come in the scan. The caller (the
// server's engine, or an offline kiosk) stores the record and then applies
// its movement to presence.
// Thread safety: pure; the caller guards the state it passes in.

#include <optional>
#include <string>
#include <vector>

#include "core/badge.hpp"
#include "core/event.hpp"
#include "core/presence.hpp"
#include "core/recent_reads.hpp"
#include "core/roster.hpp"
#include "core/scan_record.hpp"

namespace admit::core {

// A scan as it reaches the core, before any verdict.
struct scan {
    std::string scan_id;
    scan_kind kind = scan_kind::badge;
    std::string station_id;   // badge scans
    std::string payload;      // badge scans: the QR text
    std::string hall_id;      // manual scans: the hall; badge scans take the station's
    std::string attendee_id;  // manual scans: who
    direction dir = direction::entry;
    time_point device_time{};
    time_point server_time{};
    bool has_device_time = true;  // false: the kiosk sent none, device_time is the server's
    // The device time is too far from the server's (device_clock_skewed()):
    // kept for the record, never used for windows or reports.
    bool clock_skewed = false;
    bool offline = false;
    std::optional<verdict> shown;
    std::string actor;
    std::string note;
    // Manual scans: judge the entry by the doors' rules (session window,
    // category, passback, capacity), as if this person's valid badge were
    // scanned at the hall: the help desk's preview of what a check-in by
    // hand would override. Never set on a scan that is stored.
    bool door_rules = false;
    // verify_badge(payload, key) done ahead (on a network thread, in
    // parallel); decide() verifies itself when empty. Must be for this payload
    // and the event's key.
    std::optional<badge_check> checked;

    // The time rules are judged at: device time for offline scans (the
    // moment the person stood at the door), server time otherwise, and
    // always when the device's clock is not to be trusted.
    time_point decided_at() const { return offline && !clock_skewed ? device_time : server_time; }
};

// How far a kiosk's clock may be from the server's before its times are not
// trusted. Offline scans legitimately arrive late (a kiosk offline for a day),
// so the past bound is wide; nothing is read in the future.
struct clock_bounds {
    std::chrono::milliseconds max_ahead{std::chrono::minutes(5)};
    std::chrono::milliseconds max_behind{std::chrono::hours(72)};
};

// True when the scan's device time is further ahead of, or behind, its
// server time than the bounds allow (a wrong kiosk clock, or a hostile one).
bool device_clock_skewed(const scan& s, const clock_bounds& bounds);

struct decide_input {
    const event_config& event;
    const roster& people;
    const presence& where;
    const public_key& badge_key;
    // The last counted reads, for the duplicate window (event.rules); null: no window.
    const recent_reads* recent = nullptr;
    // The person's hall at the scan's read time when it differs from `where`
    // (a late offline scan placed in their timeline: timeline.hpp); nullopt:
    // where they are now. Capacity is still judged on `where`.
    std::optional<std::string_view> place_then = std::nullopt;
};

// Decides one scan. The record has seq 0 (the store assigns it).
// Order of checks: station, badge (format, signature, event), roster
// (known, not revoked), direction, duplicate window (a badge read at the
// hall and in the direction of the person's last counted read, within
// event.rules.duplicate_window of it, gets that read's verdict, is flagged
// duplicate and moves nobody), then for entries: session window, category, passback / other
// hall, capacity; for exits: inside?
scan_record decide(const decide_input& in, const scan& s);

// The place rules alone (passback, other hall, exit without entry) for a
// scan already judged on everything else, with the person at `current`
// (empty: outside): the verdict and movement it gets. Used to re-decide a
// logged scan when a late scan changes where the person was before it
// (timeline.hpp). Capacity is not judged again.
verdict decide_place(
    const event_config& event,
    scan_kind kind,
    direction dir,
    const std::string& attendee_id,
    const std::string& hall_id,
    std::string_view current,
    std::optional<movement>& moved
);

// The scheduled clear-out: one exit record per person still inside the hall.
std::vector<scan_record> clear_hall(const presence& where, const std::string& hall_id, time_point at);

// Is the hall open for entries at `t`, and for which categories? Used by the
// kiosk's display and the dashboard's "current session".
const session* current_session(const event_config& event, std::string_view hall_id, time_point t);

}  // namespace admit::core
