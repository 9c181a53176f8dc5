#include "net/broadcast_schedule.hpp"

#include <algorithm>

namespace admit::net {

std::chrono::steady_clock::duration broadcast_spacing(std::chrono::steady_clock::duration min_interval,
                                                      std::chrono::steady_clock::duration all_viewers_broadcast) {
    return std::max(min_interval, all_viewers_broadcast * 5 / 4);
}

std::size_t dashboard_groups(std::size_t viewers) {
    return std::clamp<std::size_t>((viewers + viewers_per_group - 1) / viewers_per_group, 1, max_groups);
}

std::size_t dashboard_group(const void* viewer, std::size_t groups) {
    // Fibonacci hashing: sessions sit at regular strides in memory, so the
    // address alone would put them unevenly.
    const auto key = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(viewer));
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 32) % groups;
}

std::vector<std::size_t> broadcast_schedule::take_due(time_point now, std::uint64_t version, std::size_t groups,
                                                      duration spacing) {
    if (groups_.size() != groups) groups_.assign(groups, group{});
    const auto behind = [&](const group& g) { return g.sent_version != version; };
    if (std::none_of(groups_.begin(), groups_.end(), behind)) {
        behind_since_.reset();
        return {};
    }
    // A change after a quiet spell goes to every group at once, as without
    // groups. Under steady change the groups take turns, one per step.
    const bool first_change = !behind_since_;
    if (first_change) behind_since_ = now;
    std::vector<std::size_t> due;
    if (first_change && now - last_turn_ >= spacing) {
        for (std::size_t i = 0; i < groups_.size(); ++i)
            if (behind(groups_[i])) due.push_back(i);
    } else if (now - last_turn_ >= spacing / static_cast<duration::rep>(groups)) {
        // The group behind that has waited longest, once it is a spacing from its last broadcast.
        std::size_t oldest = groups_.size();
        for (std::size_t i = 0; i < groups_.size(); ++i) {
            const auto& g = groups_[i];
            if (behind(g) && now - g.last >= spacing && (oldest == groups_.size() || g.last < groups_[oldest].last))
                oldest = i;
        }
        if (oldest < groups_.size()) due.push_back(oldest);
    }
    for (const auto i : due) groups_[i] = group{version, now};
    if (!due.empty()) last_turn_ = now;
    if (std::none_of(groups_.begin(), groups_.end(), behind)) behind_since_.reset();
    return due;
}

broadcast_schedule::time_point broadcast_schedule::next_due(std::uint64_t version, duration spacing) const {
    auto next = time_point::max();
    if (groups_.empty()) return next;
    const auto step = spacing / static_cast<duration::rep>(groups_.size());
    for (const auto& g : groups_)
        if (g.sent_version != version) next = std::min(next, std::max(g.last + spacing, last_turn_ + step));
    return next;
}

}  // namespace admit::net
