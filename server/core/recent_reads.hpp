#pragma once
// The duplicate window: the last counted read of each badge, so that a
// second read of the same badge at the same hall and in the same direction
// within the window (two cameras at one door, a camera that reads twice, a
// kiosk restarted between reads) is a copy of the first, not a new scan: it
// gets the first read's verdict and changes nothing. Only the badge's last
// counted read can be copied: after an exit, an entry at once is a new entry;
// a reissued badge shown after the old one is not a copy of it.
// Thread safety: not synchronised; the engine owns it under its state lock.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/event.hpp"
#include "core/scan_record.hpp"
#include "core/string_map.hpp"

namespace admit::core {

// A read that counted (was not itself a duplicate): when it was read and what it got.
struct counted_read {
    std::string scan_id;
    std::string hall_id;
    direction dir = direction::entry;
    std::string payload;  // the badge text read
    time_point read_at{};
    verdict result;
};

class recent_reads {
public:
    // The counted read this read would duplicate: the attendee's last counted
    // read, when it was of the same badge text at the same hall in the same
    // direction and within `window` of this one (before or after: an offline
    // read may arrive late). Null when none, or when the window is zero.
    const counted_read* duplicated(
        std::string_view attendee_id,
        std::string_view payload,
        std::string_view hall_id,
        direction dir,
        time_point read_at,
        std::chrono::milliseconds window
    ) const;

    // The key a record is remembered under, its attendee ("" for a record that
    // never counts: not a badge read, no attendee, or a duplicate itself).
    static std::string key_of(const scan_record& r);

    // Remembers a counted read (a badge scan, not a duplicate) and returns what
    // was remembered under its key before, to put back if its commit fails.
    std::optional<counted_read> remember(const scan_record& r);
    // Puts back what remember() returned (nullopt: nothing was there).
    void restore(const std::string& key, std::optional<counted_read> previous);
    // Forgets reads older than `before` (they can no longer be duplicated by new reads).
    void forget_before(time_point before);
    void clear() { reads_.clear(); }
    std::size_t size() const { return reads_.size(); }

private:
    flat_string_map<counted_read> reads_;  // attendee id -> their last counted read
};

}  // namespace admit::core
