// Offline verdicts: core::decide() over a roster and presence rebuilt from
// what the kiosk knows, then an explanation that says it is an estimate.
#include "kiosk/offline_judge.hpp"

#include <algorithm>

#include "core/decide.hpp"

namespace admit::scanner {

offline_judge::offline_judge(
    std::shared_ptr<const protocol::station_rules> rules, std::string station_id, int margin
)
    : rules_(std::move(rules)), station_id_(std::move(station_id)), margin_(std::max(0, margin)) {
    if (const auto* st = rules_->event.find_station(station_id_)) hall_id_ = st->hall_id;
}

int offline_judge::capacity() const {
    const auto* h = rules_->event.find_hall(hall_id_);
    return h ? h->capacity : 0;
}

offline_decision offline_judge::decide(
    const std::string& scan_id,
    const std::string& payload,
    core::direction dir,
    core::time_point at,
    const offline_memory& memory
) const {
    offline_decision out;
    out.capacity = capacity();

    // The badge's own claims stand in for the roster; a reissue we heard of
    // raises the version it must have.
    core::roster people;
    const auto check = core::verify_badge(payload, rules_->badge_key);
    if (check.claims) {
        core::attendee a;
        a.id = check.claims->attendee_id;
        a.name = a.id;
        a.category = check.claims->category;
        a.badge_version = check.claims->version;
        for (const auto& r : rules_->revoked) {
            if (r.attendee_id == a.id)
                a.badge_version = std::max(a.badge_version, r.current_version);
        }
        people.upsert(std::move(a));
    }

    // Presence: the people we saw, then anonymous stand-ins up to the estimate.
    core::presence where;
    int known_here = 0;
    for (const auto& [attendee, hall] : memory.presence) {
        if (hall.empty()) continue;
        where.apply({attendee, "", hall});
        known_here += hall == hall_id_ ? 1 : 0;
    }
    const int estimate = std::max(0, memory.last_inside + memory.pending_delta);
    for (int i = known_here; i < estimate; ++i) {
        where.apply({"~inside-" + std::to_string(i), "", hall_id_});
    }

    // Refuse `margin` places early: other doors admit people we cannot see.
    core::event_config event = rules_->event;
    for (auto& h : event.halls) {
        if (h.id == hall_id_) h.capacity = std::max(1, h.capacity - margin_);
    }

    core::scan s;
    s.scan_id = scan_id;
    s.station_id = station_id_;
    s.payload = payload;
    s.dir = dir;
    s.device_time = at;
    s.server_time = at;
    s.offline = true;
    out.record = core::decide({event, people, where, rules_->badge_key}, s);

    auto& v = out.record.result;
    if (v.why == core::reason::hall_full) {
        v.explanation = "Hall is nearly full (about " + std::to_string(estimate) + "/" +
                        std::to_string(out.capacity) + "); offline, keeping " +
                        std::to_string(margin_) + " places for other doors.";
    }
    if (out.record.moved) {
        const auto& m = *out.record.moved;
        out.hall_delta = (m.to_hall == hall_id_ ? 1 : 0) - (m.from_hall == hall_id_ ? 1 : 0);
    }
    out.inside = std::max(0, estimate + out.hall_delta);
    out.name = out.record.attendee_id;
    if (const auto* c = rules_->event.find_category(out.record.category)) {
        out.category_name = c->name;
    } else {
        out.category_name = out.record.category;
    }
    return out;
}

}  // namespace admit::scanner
