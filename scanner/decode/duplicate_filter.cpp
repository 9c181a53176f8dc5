#include "decode/duplicate_filter.hpp"

#include <iterator>

namespace admit::scanner {

bool duplicate_filter::accept(std::string_view payload, clock_time now) {
    // Sweep at most once per window, so memory stays bounded by the badges
    // seen in the last two windows without scanning the map on every frame.
    if (now - last_sweep_ >= window_) {
        forget_older_than(now - window_);
        last_sweep_ = now;
    }
    const auto [it, inserted] = last_seen_.try_emplace(std::string(payload), now);
    if (inserted) {
        return true;
    }
    const bool fresh = now - it->second >= window_;
    it->second = now;
    return fresh;
}

void duplicate_filter::forget_older_than(clock_time cutoff) {
    for (auto it = last_seen_.begin(); it != last_seen_.end();) {
        it = it->second <= cutoff ? last_seen_.erase(it) : std::next(it);
    }
}

}  // namespace admit::scanner
