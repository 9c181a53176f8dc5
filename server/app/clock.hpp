#pragma once
// The server's clock: the real one, or a rehearsal clock that starts at a
// chosen moment (e.g. the morning of the event) and runs at a chosen speed.
// Thread safety: immutable after construction; now() is safe from any thread.

#include <optional>
#include <string>
#include <string_view>

#include "core/event.hpp"

namespace admit::app {

class server_clock {
public:
    server_clock() = default;
    // Rehearsal: now() starts at `start` and runs `speed` times real time.
    server_clock(core::time_point start, double speed);
    // Rehearsal that began at the real moment `real_origin` (another server's start):
    // now() reads what that server's clock reads.
    server_clock(core::time_point start, double speed, core::time_point real_origin);

    core::time_point now() const;
    bool simulated() const { return simulated_; }

private:
    bool simulated_ = false;
    core::time_point start_{};
    std::chrono::steady_clock::time_point real_start_{};
    double speed_ = 1.0;
};

// "2023-09-25T17:00:00+09:00", "2023-09-25T08:00Z": nullopt when not of that form.
std::optional<core::time_point> parse_iso_time(std::string_view text);
// "2023-09-25T08:00:00Z": for logs.
std::string iso_utc(core::time_point t);

}  // namespace admit::app
