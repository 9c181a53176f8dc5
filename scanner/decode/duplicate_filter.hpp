#pragma once
// Drops repeat sightings of a badge: a camera sees the same QR in every frame
// while it is held up, and a handheld scanner may fire twice. A payload seen
// again within the window of its previous sighting is ignored; every sighting,
// ignored or not, restarts its window, so a badge held still is one scan. Pure:
// time is passed in, nothing reads a clock.
// Thread safety: not synchronised; one per kiosk, used from its scan loop.

#include <chrono>
#include <string>
#include <string_view>
#include <unordered_map>

namespace admit::scanner {

class duplicate_filter {
public:
    using clock_time = std::chrono::steady_clock::time_point;

    explicit duplicate_filter(std::chrono::milliseconds window = std::chrono::seconds(3))
        : window_(window) {}

    // True when payload is a new scan at now; false when it repeats one seen
    // less than the window ago. Times must not go backwards.
    bool accept(std::string_view payload, clock_time now);

    // Forgets everything, e.g. after the operator switches hall.
    void clear() { last_seen_.clear(); }

    std::chrono::milliseconds window() const { return window_; }
    std::size_t remembered() const { return last_seen_.size(); }

private:
    void forget_older_than(clock_time cutoff);

    std::chrono::milliseconds window_;
    std::unordered_map<std::string, clock_time> last_seen_;
    clock_time last_sweep_{};
};

}  // namespace admit::scanner
