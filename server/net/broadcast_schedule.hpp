#pragma once
// When the dashboards get the live state, and which of them (internal to
// server/net; no I/O, no clock of its own, so the tests drive it).
//
// A broadcast costs one send per open dashboard: with 1,000 of them about
// 8 ms here. Sent to all in one go, a scan committed just after a broadcast
// began waited for the next one (up to the spacing) and then for its place
// among the 1,000 sends (up to 8 ms more). So with many viewers they are
// split into groups, and the groups take turns: each group still gets the
// state once per spacing, but the turns are spread over it, and each turn
// renders the state afresh. A scan then waits up to the spacing for its
// group's turn and only for the sends of one group after that. With up to
// viewers_per_group viewers there is one group: every broadcast goes to all.
//
// Thread safety: none; the broadcaster uses it on the dashboards' thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace admit::net {

// The least time between two broadcasts to one group: min_interval
// (--live-interval), or 5/4 of what a broadcast to every viewer takes
// lately when that is longer, so sending takes at most 4/5 of the
// dashboards' thread. With thousands of viewers, or when scans keep the CPU
// busy (the thread runs at a lower priority, so its sends take longer),
// dashboards are updated less often instead of falling behind.
std::chrono::steady_clock::duration broadcast_spacing(std::chrono::steady_clock::duration min_interval,
                                                      std::chrono::steady_clock::duration all_viewers_broadcast);

// Viewers per group: a group's sends take about 2 ms here (~8 us per loopback send).
inline constexpr std::size_t viewers_per_group = 250;
inline constexpr std::size_t max_groups = 8;
// How many groups for this many viewers (at least 1).
std::size_t dashboard_groups(std::size_t viewers);
// The group of one viewer (by a key that stays the same while it is connected).
std::size_t dashboard_group(const void* viewer, std::size_t groups);

class broadcast_schedule {
public:
    using time_point = std::chrono::steady_clock::time_point;
    using duration = std::chrono::steady_clock::duration;

    // The groups to broadcast to now, given the live state's version: under
    // steady change, the group behind that version that has waited longest,
    // once its last broadcast is a spacing old and the last turn
    // spacing/groups old; for the first change after a quiet spell (no
    // broadcast for a spacing), every group at once. They are marked as sent.
    // A change in the number of groups starts them all afresh.
    std::vector<std::size_t> take_due(time_point now, std::uint64_t version, std::size_t groups, duration spacing);
    // When a group behind `version` is next due; time_point::max() when none is.
    time_point next_due(std::uint64_t version, duration spacing) const;

private:
    struct group {
        std::uint64_t sent_version = 0;
        time_point last{};
    };
    std::vector<group> groups_;
    time_point last_turn_{};                  // the last broadcast to any group
    std::optional<time_point> behind_since_;  // since when some group has been behind (none: all current)
};

}  // namespace admit::net
