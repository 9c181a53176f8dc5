#pragma once
// The simulated crowd: who walks up to which station next, and where each
// person is believed to be. People from the badge list arrive at entrances
// (whether their category may enter is left to the server: refusals are part
// of the show), most stay, some leave through an exit after a while, a few
// walk into another hall without scanning out, and a small share of scans are
// bad: a forged badge (one signature character changed), something that is
// not a badge at all, or a badge scanned twice in a row.
// The belief follows the verdicts, so the crowd never needs the server's state.
// Thread safety: every public function may be called from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "admit/station.pb.h"
#include "core/event.hpp"
#include "sim/tokens_csv.hpp"

namespace admit::sim {

enum class scan_kind : std::uint8_t {
    genuine,  // a person's own badge
    forged,   // a badge with one signature character changed
    garbage,  // a QR code that is not a badge (a menu, a Wi-Fi code, ...)
    twice,    // the previous badge at this station, scanned again at once
};
const char* kind_name(scan_kind kind);

// What happens at a station next.
struct planned_scan {
    scan_kind kind = scan_kind::genuine;
    std::string payload;
    core::direction direction = core::direction::entry;
    std::optional<std::size_t> person;  // whose badge, for genuine and twice
};

class crowd {
public:
    using clock = std::chrono::steady_clock;

    // bad_share: the share of scans that are forged, garbage or twice (0..1).
    crowd(
        std::vector<badge_holder> people,
        std::vector<core::hall> halls,
        double bad_share,
        std::uint64_t seed
    );

    // Who walks up to station now. previous is this station's last scan (for
    // "twice"). nullopt: nobody has a reason to (an exit of a hall nobody is
    // ready to leave); try again a little later.
    std::optional<planned_scan> next(
        const core::station& station, const planned_scan* previous, std::mt19937_64& rng
    );

    // Records the verdict (nullptr: none came) and frees the person for another scan.
    void settle(const planned_scan& scan, const std::string& hall_id, const wire::Verdict* verdict);

    const badge_holder& person(std::size_t index) const { return people_[index]; }
    // How many people the crowd believes are inside each hall, in config order.
    std::vector<int> believed_inside() const;

private:
    struct whereabouts {
        int hall = -1;      // index into halls_, -1 outside
        bool busy = false;  // walking up to some station right now
        clock::time_point leave_at = clock::time_point::max();
    };

    int hall_index(const std::string& hall_id) const;
    std::optional<std::size_t> pick(
        std::mt19937_64& rng, bool (*fits)(const whereabouts&, int), int hall
    );
    std::optional<planned_scan> bad_scan(const planned_scan* previous, std::mt19937_64& rng);
    clock::time_point draw_leave_time(std::mt19937_64& rng);

    const std::vector<badge_holder> people_;
    const std::vector<core::hall> halls_;
    const double bad_share_;
    mutable std::mutex mutex_;
    std::vector<whereabouts> where_;  // by person index
    std::mt19937_64 settle_rng_;      // for how long people stay
};

}  // namespace admit::sim
