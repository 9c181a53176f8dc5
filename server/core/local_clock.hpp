#pragma once
// The event's local time as plain data: the UTC offset in force from each
// instant on, over the event's span. The config adapter fills it from the
// tz database (an IANA zone) or from a fixed utc_offset; the core, the
// engine, reports and kiosks only look it up, so nothing past the config
// reads the tz database.
//
// A local time that the clocks skip (spring) or show twice (autumn) is read
// with the offset in force just before the change: a skipped 02:30 becomes
// 03:30 (moved forward by the gap), a repeated 02:30 is the first of the two.
// Thread safety: immutable after construction; share freely by const reference.

#include <chrono>
#include <vector>

namespace admit::core {

using time_point = std::chrono::sys_time<std::chrono::milliseconds>;
using local_time_point = std::chrono::local_time<std::chrono::milliseconds>;

struct offset_change {
    time_point from;              // UTC instant the offset takes effect
    std::chrono::minutes offset;  // local time minus UTC from then on
    bool operator==(const offset_change&) const = default;
};

class local_clock {
public:
    // UTC.
    local_clock();
    // One offset at all times (an old config's utc_offset).
    explicit local_clock(std::chrono::minutes fixed);
    // Changes in time order; the first offset also holds before its `from`,
    // the last one after. Must not be empty.
    explicit local_clock(std::vector<offset_change> changes);

    std::chrono::minutes offset_at(time_point t) const;
    local_time_point to_local(time_point t) const {
        return local_time_point{(t + offset_at(t)).time_since_epoch()};
    }
    // The UTC instant of a local time, with the rule above for skipped and
    // repeated local times.
    time_point to_utc(local_time_point local) const;
    // Local midnight that starts the local day of `t`, and of the next day.
    std::chrono::local_days day_of(time_point t) const;
    time_point day_start(std::chrono::local_days day) const {
        return to_utc(local_time_point{day});
    }
    // True when the offset never changes.
    bool fixed() const { return changes_.size() == 1; }
    const std::vector<offset_change>& changes() const { return changes_; }

    bool operator==(const local_clock&) const = default;

private:
    std::vector<offset_change> changes_;
};

// The first instant after `after` whose local time of day is `at` (minutes
// after local midnight), e.g. the next daily clear-out.
time_point next_local_time(time_point after, std::chrono::minutes at, const local_clock& clock);

}  // namespace admit::core
