// The roster keyed by attendee id.
#include <algorithm>
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
    const auto it = by_id_.find(attendee_id);
    return it == by_id_.end() ? nullptr : &it->second;
}

void roster::upsert(attendee person) {
    // A later row for the same id replaces the earlier one (re-imports, reissued badges).
    auto id = person.id;
    by_id_.insert_or_assign(std::move(id), std::move(person));
}

roster_import_counts prepare_import(const std::vector<attendee>& existing, std::vector<attendee>& incoming) {
    std::unordered_map<std::string, const attendee*> before;
    for (const auto& a : existing) before.emplace(a.id, &a);
    roster_import_counts counts;
    for (auto& person : incoming) {
        const auto it = before.find(person.id);
        if (it == before.end()) {
            ++counts.added;
            continue;
        }
        person.badge_version = std::max(person.badge_version, it->second->badge_version);
        ++(person == *it->second ? counts.unchanged : counts.updated);
        before.erase(it);
    }
    counts.kept = before.size();
    return counts;
}

}  // namespace admit::core
