#include "load/crowd_mix.hpp"

#include <stdexcept>

namespace admit::load {

crowd_mix::crowd_mix(std::vector<sim::badge_holder> people, std::uint64_t seed) : random_(seed) {
    if (people.empty()) throw std::runtime_error("the badge list is empty; issue badges for a roster first");
    people_.reserve(people.size());
    for (auto& p : people) people_.push_back(person{std::move(p.token), -1, false});
}

int crowd_mix::find(int tries, bool (*fits)(const person&, int), int hall) {
    std::uniform_int_distribution<std::size_t> any(0, people_.size() - 1);
    for (int i = 0; i < tries; ++i) {
        const auto k = any(random_);
        if (!people_[k].busy && fits(people_[k], hall)) return static_cast<int>(k);
    }
    return -1;
}

planned_scan crowd_mix::next(int hall) {
    const auto roll = std::uniform_int_distribution<int>(0, 99)(random_);
    planned_scan s;
    if (roll < 3) {
        // A forged badge: a real token with one signature character changed.
        const int k = find(4, [](const person&, int) { return true; }, hall);
        s.payload = people_[static_cast<std::size_t>(k < 0 ? 0 : k)].token;
        auto& c = s.payload.back();
        c = c == 'A' ? 'B' : 'A';
        s.intent = scan_intent::forged;
        return s;
    }
    if (roll < 5) {
        s.payload = "https://example.com/menu?table=" + std::to_string(++garbage_);
        s.intent = scan_intent::not_a_badge;
        return s;
    }
    int k = -1;
    if (roll < 9) {
        k = find(16, [](const person& p, int h) { return p.hall == h; }, hall);
        s.intent = scan_intent::second_entry;
    } else if (roll < 12) {
        k = find(16, [](const person& p, int) { return p.hall < 0; }, hall);
        s.entry = false;
        s.intent = scan_intent::stray_exit;
    } else if (roll < 55) {
        k = find(32, [](const person& p, int h) { return p.hall == h; }, hall);
        s.entry = false;
        s.intent = scan_intent::exit;
    }
    if (k < 0) {
        // An ordinary entry (also when no one fitting the rarer cases was found).
        k = find(64, [](const person& p, int h) { return p.hall != h; }, hall);
        s.entry = true;
        s.intent = scan_intent::entry;
    }
    if (k < 0) {
        // Everyone is busy or inside: a stray exit of anyone not busy keeps things moving.
        k = find(256, [](const person&, int) { return true; }, hall);
        s.entry = false;
        s.intent = scan_intent::exit;
    }
    if (k < 0) k = 0;
    auto& p = people_[static_cast<std::size_t>(k)];
    p.busy = true;
    s.person = k;
    s.payload = p.token;
    return s;
}

void crowd_mix::settle(const planned_scan& scan, int hall, bool admitted) {
    if (scan.person < 0) return;
    auto& p = people_[static_cast<std::size_t>(scan.person)];
    p.busy = false;
    if (!admitted) return;
    p.hall = scan.entry ? hall : -1;
}

void crowd_mix::release(const planned_scan& scan) {
    if (scan.person >= 0) people_[static_cast<std::size_t>(scan.person)].busy = false;
}

}  // namespace admit::load
