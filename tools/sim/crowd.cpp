#include "sim/crowd.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace admit::sim {

namespace {

// The crowd's habits. The run is short compared with a real event, so people
// stay minutes, not hours.
constexpr double share_staying = 0.55;  // never leave during the run
constexpr std::chrono::seconds stay_min{20};
constexpr std::chrono::seconds stay_max{240};
constexpr double share_from_other_hall = 0.10;  // entries by people still inside another hall
constexpr double share_exit_at_both = 0.40;     // exits at a "both" station when someone may leave
constexpr double stray_exit_chance = 0.03;      // an exit of someone never seen entering

// QR codes people hold up by mistake.
constexpr std::array<std::string_view, 8> not_badges{
    "https://www.ddp.or.kr/",
    "WIFI:S:DDP_Guest;T:WPA;P:welcome2023;;",
    "BEGIN:VCARD\nVERSION:3.0\nN:Kim;Minjun\nEND:VCARD",
    "A1.seoul-smart-city-2023",
    "1234567890128",
    "https://pay.example/kr/coffee?table=12",
    "A1..x.y.1.",
    "smartcity://prize/2023/vote",
};

bool is_outside(const auto& w, int) {
    return !w.busy && w.hall < 0;
}
bool in_other_hall(const auto& w, int hall) {
    return !w.busy && w.hall >= 0 && w.hall != hall;
}
bool may_leave(const auto& w, int hall) {
    return !w.busy && w.hall == hall && w.leave_at <= std::chrono::steady_clock::now();
}

bool chance(std::mt19937_64& rng, double p) {
    return std::bernoulli_distribution(p)(rng);
}

// Changes one character of the signature (the part after the last '.'), away
// from its end, whose last character may carry only padding bits.
std::string forge(std::string token, std::mt19937_64& rng) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const auto dot = token.rfind('.');
    const std::size_t first = dot == std::string::npos ? 0 : dot + 1;
    if (token.size() < first + 3) return token + "x";
    std::uniform_int_distribution<std::size_t> at(first, token.size() - 3);
    const std::size_t i = at(rng);
    std::uniform_int_distribution<std::size_t> letter(0, alphabet.size() - 1);
    char c = token[i];
    while (c == token[i]) c = alphabet[letter(rng)];
    token[i] = c;
    return token;
}

}  // namespace

const char* kind_name(scan_kind kind) {
    switch (kind) {
        case scan_kind::genuine:
            return "genuine";
        case scan_kind::forged:
            return "forged";
        case scan_kind::garbage:
            return "garbage";
        case scan_kind::twice:
            return "twice";
    }
    return "?";
}

crowd::crowd(
    std::vector<badge_holder> people,
    std::vector<core::hall> halls,
    double bad_share,
    std::uint64_t seed
)
    : people_(std::move(people)),
      halls_(std::move(halls)),
      bad_share_(bad_share),
      where_(people_.size()),
      settle_rng_(seed) {}

int crowd::hall_index(const std::string& hall_id) const {
    for (std::size_t i = 0; i < halls_.size(); ++i) {
        if (halls_[i].id == hall_id) return static_cast<int>(i);
    }
    return -1;
}

std::optional<std::size_t> crowd::pick(
    std::mt19937_64& rng, bool (*fits)(const whereabouts&, int), int hall
) {
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < where_.size(); ++i) {
        if (fits(where_[i], hall)) candidates.push_back(i);
    }
    if (candidates.empty()) return std::nullopt;
    return candidates[std::uniform_int_distribution<std::size_t>(0, candidates.size() - 1)(rng)];
}

std::optional<planned_scan> crowd::bad_scan(const planned_scan* previous, std::mt19937_64& rng) {
    switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
        case 0: {
            const auto& victim =
                people_[std::uniform_int_distribution<std::size_t>(0, people_.size() - 1)(rng)];
            return planned_scan{scan_kind::forged, forge(victim.token, rng), {}, std::nullopt};
        }
        case 1:
            if (previous != nullptr && previous->kind == scan_kind::genuine) {
                return planned_scan{
                    scan_kind::twice, previous->payload, previous->direction, previous->person};
            }
            [[fallthrough]];  // nothing scanned here yet: someone shows their ticket app instead
        default:
            return planned_scan{
                scan_kind::garbage,
                std::string(not_badges[std::uniform_int_distribution<std::size_t>(
                    0, not_badges.size() - 1
                )(rng)]),
                {},
                std::nullopt};
    }
}

std::optional<planned_scan> crowd::next(
    const core::station& station, const planned_scan* previous, std::mt19937_64& rng
) {
    const std::scoped_lock lock(mutex_);
    const int hall = hall_index(station.hall_id);
    const auto default_direction =
        station.role == core::station_role::exit ? core::direction::exit : core::direction::entry;

    if (chance(rng, bad_share_)) {
        auto bad = bad_scan(previous, rng);
        if (bad->kind != scan_kind::twice) bad->direction = default_direction;
        return bad;
    }

    bool exit = station.role == core::station_role::exit;
    std::optional<std::size_t> who;
    if (station.role != core::station_role::entrance) {
        who = pick(rng, may_leave, hall);
        if (station.role == core::station_role::both) exit = who && chance(rng, share_exit_at_both);
        if (exit && !who && chance(rng, stray_exit_chance)) who = pick(rng, is_outside, hall);
        if (exit && !who) return std::nullopt;
    }
    if (!exit) {
        who = std::nullopt;
        if (chance(rng, share_from_other_hall)) who = pick(rng, in_other_hall, hall);
        if (!who) who = pick(rng, is_outside, hall);
        if (!who) return std::nullopt;
    }
    where_[*who].busy = true;
    return planned_scan{
        scan_kind::genuine, people_[*who].token,
        exit ? core::direction::exit : core::direction::entry, who};
}

crowd::clock::time_point crowd::draw_leave_time(std::mt19937_64& rng) {
    if (chance(rng, share_staying)) return clock::time_point::max();
    const auto stay = std::uniform_int_distribution<std::chrono::seconds::rep>(
        stay_min.count(), stay_max.count()
    )(rng);
    return clock::now() + std::chrono::seconds(stay);
}

void crowd::settle(
    const planned_scan& scan, const std::string& hall_id, const wire::Verdict* verdict
) {
    if (!scan.person) return;
    const std::scoped_lock lock(mutex_);
    auto& w = where_[*scan.person];
    // A repeat scan did not mark anyone busy; the person may be at another station by now.
    if (scan.kind == scan_kind::genuine) w.busy = false;
    if (verdict == nullptr) return;
    const int hall = hall_index(hall_id);
    const bool entered = (verdict->admitted() && scan.direction == core::direction::entry) ||
                         verdict->reason() == wire::ALREADY_INSIDE;
    const bool left = (verdict->admitted() && scan.direction == core::direction::exit) ||
                      verdict->reason() == wire::NOT_INSIDE;
    if (entered && w.hall != hall) {
        w.hall = hall;
        w.leave_at = draw_leave_time(settle_rng_);
    } else if (left) {
        w.hall = -1;
        w.leave_at = clock::time_point::max();
    }
}

std::vector<int> crowd::believed_inside() const {
    const std::scoped_lock lock(mutex_);
    std::vector<int> inside(halls_.size(), 0);
    for (const auto& w : where_) {
        if (w.hall >= 0) ++inside[static_cast<std::size_t>(w.hall)];
    }
    return inside;
}

}  // namespace admit::sim
