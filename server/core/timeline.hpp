#pragma once
// Each person's movements in the order their badge was read, so that a scan
// that reaches the server late (queued on an offline kiosk) is decided where
// it belongs in time, and the logged scans read after it are decided again
// with the person where they then were.
//
// The log stays append-only: a changed decision is a new record (kind
// redecision) that carries the new verdict and movement of an earlier scan.
// redecide_later() chooses those records so that replaying the log in seq
// order (the server's rebuild, other servers following the log, the
// reports) leaves each person where a replay in read order does.
// Thread safety: pure functions over plain values.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/scan_record.hpp"

namespace admit::core {

// One logged scan of a person whose verdict or movement depends on where
// they were. Compact: the engine keeps one per such scan in memory.
struct timeline_entry {
    std::int64_t seq = 0;  // of the scan itself (not of a re-decision of it)
    time_point read_at{};
    std::uint16_t hall = 0;  // index into event_config::halls
    scan_kind kind = scan_kind::badge;
    direction dir = direction::entry;
    // The decision in force (after any re-decision).
    bool admitted = false;
    reason why = reason::ok;
    bool warning = false;
    bool moves = false;  // it moved the person to `to`
    std::uint16_t to = 0;  // hall index, or `outside`

    static constexpr std::uint16_t outside = 0xffff;
};

// True when where the person was decides this record (an admission that
// moved them or passback "warn", a refusal for already inside, in another
// hall or not inside, a clear-out), so a late scan before it may change it.
bool belongs_in_timeline(const scan_record& r);
// The entry for such a record; nullopt when its hall is not in the event.
std::optional<timeline_entry> timeline_entry_of(const event_config& event, const scan_record& r);

// Index of the first entry read after `at` (entries in read order; equal
// times keep arrival order, so a late scan goes after them).
std::size_t first_read_after(std::span<const timeline_entry> timeline, time_point at);
// The person's hall (index, or outside) after the entries before `end`.
std::uint16_t place_before(std::span<const timeline_entry> timeline, std::size_t end);
// Inserts an entry in read order; returns its index. Only a scan read by a
// kiosk's trusted clock (offline, not clock_skew: read_by_device()) can go
// before entries already there; any other is decided on arrival, so it goes
// last, its time raised to the last entry's if need be (servers' clocks
// differ by milliseconds: a race between two doors on two servers must not
// reorder what each decided).
std::size_t insert_in_read_order(std::vector<timeline_entry>& timeline, timeline_entry e, bool read_by_device);
// True when the record's read time is the kiosk's (a late scan can be one).
inline bool read_by_device(const scan_record& r) { return r.offline && !r.clock_skew; }

struct redecision {
    std::size_t index = 0;  // into the timeline
    timeline_entry before;  // the decision in force until now
    timeline_entry after;   // the decision in read order
    verdict result;         // `after` as a verdict, with a sentence for staff
    std::optional<movement> moved;
    // The decision is unchanged; it is recorded again only so that a replay
    // of the log in seq order leaves the person where read order does.
    bool reapplied = false;

    // Shown at a door as one thing, now the other: a conflict for staff.
    bool conflict() const { return before.admitted != after.admitted; }
};

// Re-decides the entries from `from` on (read after a late scan) with the
// person at `place` (hall index or outside) before the first of them, by the
// place rules (core::decide_place): an exit whose entry now comes after it is
// refused "not inside" and flagged, never dropped. `replayed` is where a
// replay of the log in seq order leaves the person after the late scan's own
// record. Returns the entries whose decision changed, in read order, plus at
// most one `reapplied` entry when the replay would otherwise end elsewhere.
std::vector<redecision> redecide_later(
    const event_config& event,
    const std::string& attendee_id,
    std::span<const timeline_entry> timeline,
    std::size_t from,
    std::uint16_t place,
    std::uint16_t replayed
);

// The hall id of an index (empty for outside), and the index of a hall id (outside for "").
std::string hall_id_of(const event_config& event, std::uint16_t index);
std::optional<std::uint16_t> hall_index_of(const event_config& event, std::string_view hall_id);

}  // namespace admit::core
