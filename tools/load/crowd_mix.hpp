#pragma once
// The verdict mix of admit-load: which badge a station scans next, so that
// most scans are admitted entries and exits and a few are refused, as at a
// real door. It keeps its own idea of who is inside which hall (from the
// verdicts it got back) and never has two scans of one person in flight, so
// the server's answers match what was meant:
//   ~45 % entry of someone outside this hall (admitted; "move" from another hall)
//   ~43 % exit of someone inside this hall (admitted)
//    4 % second entry without exit (refused: already_inside)
//    3 % exit of someone outside (flagged: not_inside)
//    3 % forged signature (refused: bad_signature)
//    2 % not a badge at all (refused: malformed_badge)
// Thread safety: none; the load client runs on one thread.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sim/tokens_csv.hpp"

namespace admit::load {

enum class scan_intent : std::uint8_t { entry, exit, second_entry, stray_exit, forged, not_a_badge };

struct planned_scan {
    std::string payload;
    bool entry = true;
    int person = -1;  // index into the crowd, -1 for forged/garbage
    scan_intent intent = scan_intent::entry;
};

class crowd_mix {
public:
    crowd_mix(std::vector<sim::badge_holder> people, std::uint64_t seed);

    // The next scan at a station of hall `hall` (index).
    planned_scan next(int hall);
    // The server's verdict for a planned scan (or nothing: lost, error).
    void settle(const planned_scan& scan, int hall, bool admitted);
    void release(const planned_scan& scan);

    std::size_t size() const { return people_.size(); }

private:
    struct person {
        std::string token;
        int hall = -1;  // -1: outside
        bool busy = false;
    };
    int find(int tries, bool (*fits)(const person&, int), int hall);

    std::vector<person> people_;
    std::mt19937_64 random_;
    std::uint64_t garbage_ = 0;
};

}  // namespace admit::load
