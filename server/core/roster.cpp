// The roster keyed by attendee id.
#include "core/roster.hpp"

#include <utility>

namespace admit::core {

roster::roster(std::vector<attendee> people) {
    by_id_.reserve(people.size());
    for (auto& person : people) {
        upsert(std::move(person));
    }
}

const attendee* roster::find(std::string_view attendee_id) const {
    // The map (declared in the header) has no transparent hash, so build the
    // key; ids are at most 64 characters.
    const auto it = by_id_.find(std::string(attendee_id));
    return it == by_id_.end() ? nullptr : &it->second;
}

void roster::upsert(attendee person) {
    // A later row for the same id replaces the earlier one (re-imports, reissued badges).
    auto id = person.id;
    by_id_.insert_or_assign(std::move(id), std::move(person));
}

}  // namespace admit::core
