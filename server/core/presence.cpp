// Who is where. Counts are kept alongside the map so inside() is O(1) for
// the dashboard, and both are changed only in apply() so they cannot drift.
#include "core/presence.hpp"

#include <algorithm>

namespace admit::core {

std::string_view presence::hall_of(std::string_view attendee_id) const {
    const auto it = where_.find(attendee_id);
    return it == where_.end() ? std::string_view{} : std::string_view(it->second);
}

int presence::inside(std::string_view hall_id) const {
    const auto it = count_.find(hall_id);
    return it == count_.end() ? 0 : std::max(it->second, 0);
}

std::vector<std::string> presence::people_in(std::string_view hall_id) const {
    std::vector<std::string> ids;
    for (const auto& [attendee_id, hall] : where_) {
        if (hall == hall_id) {
            ids.push_back(attendee_id);
        }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

void presence::apply(const movement& m) {
    // Trust where we last saw the person, not the movement's from_hall: a
    // replayed or out-of-order record must not leave them in two halls or
    // push a count below zero.
    const auto it = where_.find(m.attendee_id);
    if (it != where_.end()) {
        const auto count = count_.find(it->second);
        if (count != count_.end() && --count->second <= 0) {
            count_.erase(count);
        }
        if (m.to_hall.empty()) {
            where_.erase(it);
        } else {
            it->second = m.to_hall;  // moved between halls: one lookup, no re-insert
        }
    } else if (!m.to_hall.empty()) {
        where_.emplace(m.attendee_id, m.to_hall);
    }
    if (!m.to_hall.empty()) {
        ++count_[m.to_hall];
    }
}

void presence::clear() {
    where_.clear();
    count_.clear();
}

}  // namespace admit::core
