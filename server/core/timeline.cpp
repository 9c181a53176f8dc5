#include "core/timeline.hpp"

#include <algorithm>

#include "core/decide.hpp"

namespace admit::core {

std::string hall_id_of(const event_config& event, std::uint16_t index) {
    return index < event.halls.size() ? event.halls[index].id : std::string{};
}

std::optional<std::uint16_t> hall_index_of(const event_config& event, std::string_view hall_id) {
    if (hall_id.empty()) return timeline_entry::outside;
    for (std::size_t i = 0; i < event.halls.size(); ++i) {
        if (event.halls[i].id == hall_id) return static_cast<std::uint16_t>(i);
    }
    return std::nullopt;
}

bool belongs_in_timeline(const scan_record& r) {
    if (r.annulled || r.duplicate || r.attendee_id.empty() || r.kind == scan_kind::redecision) return false;
    if (r.moved || r.kind == scan_kind::clear) return true;
    if (r.result.admitted) return r.result.warning;  // passback "warn": admitted without a move
    return r.result.why == reason::already_inside || r.result.why == reason::in_other_hall ||
           r.result.why == reason::not_inside;
}

std::optional<timeline_entry> timeline_entry_of(const event_config& event, const scan_record& r) {
    const auto hall = hall_index_of(event, r.hall_id);
    if (!hall || *hall == timeline_entry::outside) return std::nullopt;
    timeline_entry e;
    e.seq = r.seq;
    e.read_at = r.read_time();
    e.hall = *hall;
    e.kind = r.kind;
    e.dir = r.dir;
    e.admitted = r.result.admitted;
    e.why = r.result.why;
    e.warning = r.result.warning;
    if (r.moved) {
        const auto to = hall_index_of(event, r.moved->to_hall);
        if (!to) return std::nullopt;
        e.moves = true;
        e.to = *to;
    }
    return e;
}

std::size_t first_read_after(std::span<const timeline_entry> timeline, time_point at) {
    const auto it = std::upper_bound(
        timeline.begin(), timeline.end(), at,
        [](time_point t, const timeline_entry& e) { return t < e.read_at; }
    );
    return static_cast<std::size_t>(it - timeline.begin());
}

std::uint16_t place_before(std::span<const timeline_entry> timeline, std::size_t end) {
    for (std::size_t i = std::min(end, timeline.size()); i > 0; --i) {
        if (timeline[i - 1].moves) return timeline[i - 1].to;
    }
    return timeline_entry::outside;
}

std::size_t insert_in_read_order(std::vector<timeline_entry>& timeline, timeline_entry e, bool read_by_device) {
    if (timeline.empty() || e.read_at >= timeline.back().read_at || !read_by_device) {
        // Read after everything there (almost every scan): no search.
        if (!timeline.empty()) e.read_at = std::max(e.read_at, timeline.back().read_at);
        timeline.push_back(e);
        return timeline.size() - 1;
    }
    const auto at = first_read_after(timeline, e.read_at);
    timeline.insert(timeline.begin() + static_cast<std::ptrdiff_t>(at), e);
    return at;
}

namespace {

// One entry judged again with the person at `place`.
redecision judge_again(
    const event_config& event,
    const std::string& attendee_id,
    const timeline_entry& e,
    std::uint16_t place
) {
    redecision r;
    r.before = e;
    r.after = e;
    const std::string hall = hall_id_of(event, e.hall);
    const std::string current = hall_id_of(event, place);
    if (e.kind == scan_kind::clear) {
        // The clear-out empties the hall of whoever is in it at that moment.
        r.result = verdict{true, reason::ok, false, "Scheduled clear-out"};
        if (place == e.hall) r.moved = movement{attendee_id, hall, ""};
    } else {
        r.result = decide_place(event, e.kind, e.dir, attendee_id, hall, current, r.moved);
    }
    r.after.admitted = r.result.admitted;
    r.after.why = r.result.why;
    r.after.warning = r.result.warning;
    r.after.moves = r.moved.has_value();
    r.after.to = r.moved ? *hall_index_of(event, r.moved->to_hall) : timeline_entry::outside;
    return r;
}

bool same_decision(const timeline_entry& a, const timeline_entry& b) {
    return a.admitted == b.admitted && a.why == b.why && a.warning == b.warning && a.moves == b.moves &&
           (!a.moves || a.to == b.to);
}

}  // namespace

std::vector<redecision> redecide_later(
    const event_config& event,
    const std::string& attendee_id,
    std::span<const timeline_entry> timeline,
    std::size_t from,
    std::uint16_t place,
    std::uint16_t replayed
) {
    std::vector<redecision> changed;
    std::optional<redecision> last_mover;
    for (std::size_t i = from; i < timeline.size(); ++i) {
        auto r = judge_again(event, attendee_id, timeline[i], place);
        r.index = i;
        if (r.after.moves) place = r.after.to;
        if (same_decision(r.before, r.after)) {
            if (r.after.moves) last_mover = r;
            continue;
        }
        if (r.after.moves) {
            replayed = r.after.to;
            last_mover.reset();  // the replay applies this one after everything before it
        }
        changed.push_back(std::move(r));
    }
    // An unchanged movement read after the last changed one was applied
    // before the late scan's record in seq order: apply it again last.
    if (replayed != place && last_mover) {
        last_mover->reapplied = true;
        changed.push_back(std::move(*last_mover));
    }
    return changed;
}

}  // namespace admit::core
