#pragma once
// A token bucket for a WebSocket connection's control frames (ping, pong,
// close). Beast answers every ping with a pong from inside the read, so a
// peer flooding pings makes the server write as fast as it can send, and
// slows every connection on the same threads; data frames are bounded by
// their own limits, control frames by this. A burst of `burst` frames is
// allowed at once, then `per_second` frames a second on average.
// Pure: the time is an argument. Thread safety: none (one per connection, on its strand).

#include <algorithm>
#include <chrono>

namespace admit::net {

class control_frame_limit {
public:
    using clock = std::chrono::steady_clock;

    control_frame_limit(double burst, double per_second)
        : burst_(burst), per_second_(per_second), tokens_(burst) {}

    // Takes one frame's token; false when the connection is over its limit.
    bool allow(clock::time_point now) {
        if (last_ != clock::time_point{} && now > last_) {
            const std::chrono::duration<double> elapsed = now - last_;
            tokens_ = std::min(burst_, tokens_ + elapsed.count() * per_second_);
        }
        last_ = now;
        if (tokens_ < 1.0) return false;
        tokens_ -= 1.0;
        return true;
    }

private:
    double burst_;
    double per_second_;
    double tokens_;
    clock::time_point last_{};
};

}  // namespace admit::net
