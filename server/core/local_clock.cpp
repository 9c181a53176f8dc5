#include "core/local_clock.hpp"

#include <algorithm>
#include <cassert>

namespace admit::core {

using namespace std::chrono;

local_clock::local_clock() : local_clock(minutes{0}) {}

local_clock::local_clock(minutes fixed) : changes_{{time_point::min(), fixed}} {}

local_clock::local_clock(std::vector<offset_change> changes) : changes_(std::move(changes)) {
    assert(!changes_.empty());
    changes_.front().from = time_point::min();
}

minutes local_clock::offset_at(time_point t) const {
    // The last change at or before t (the first one covers everything before it).
    auto it = std::upper_bound(
        changes_.begin(), changes_.end(), t,
        [](time_point v, const offset_change& c) { return v < c.from; }
    );
    return it == changes_.begin() ? changes_.front().offset : std::prev(it)->offset;
}

time_point local_clock::to_utc(local_time_point local) const {
    const auto as_utc = [&](minutes offset) {
        return time_point{local.time_since_epoch()} - offset;
    };
    for (std::size_t i = 0; i < changes_.size(); ++i) {
        const auto t = as_utc(changes_[i].offset);
        const bool before_next = i + 1 == changes_.size() || t < changes_[i + 1].from;
        if (!before_next) continue;
        // Inside this offset's span: the earliest reading wins for a repeated time.
        if (i == 0 || t >= changes_[i].from) return t;
        // Before this span but after the last one: the clocks skipped it;
        // read it with the offset before the change (moves it forward by the gap).
        return as_utc(changes_[i - 1].offset);
    }
    return as_utc(changes_.back().offset);
}

local_days local_clock::day_of(time_point t) const {
    return floor<days>(to_local(t));
}

time_point next_local_time(time_point after, minutes at, const local_clock& clock) {
    // Today's time if still ahead, else tomorrow's (and so on: a skipped time
    // moved forward may still lie behind `after` on the day of a change).
    auto day = clock.day_of(after);
    for (int i = 0; i < 3; ++i, day += days{1}) {
        const auto candidate = clock.to_utc(local_time_point{day} + at);
        if (candidate > after) return candidate;
    }
    return clock.to_utc(local_time_point{day} + at);
}

}  // namespace admit::core
