// The read side: the state the writer publishes after each change, and the
// queries of presence and the roster (engine.hpp says which take which lock).
#include "engine/engine.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace admit::engine {

namespace {
std::string ascii_lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}
}  // namespace

std::vector<core::attendee> engine::search(const std::string& text, std::size_t limit, std::size_t* total) const {
    const auto needle = ascii_lower(text);
    std::vector<core::attendee> found;
    std::lock_guard lock(state_mutex_);
    for (const auto& [id, a] : roster_.all()) {
        for (const auto* field : {&a.name, &a.name_latin, &a.id, &a.organisation, &a.city}) {
            if (ascii_lower(*field).find(needle) != std::string::npos) {
                found.push_back(a);
                break;
            }
        }
    }
    std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) {
        return std::tie(x.name, x.id) < std::tie(y.name, y.id);
    });
    if (total != nullptr) *total = found.size();
    if (found.size() > limit) found.resize(limit);
    return found;
}

core::scan_record engine::judge(const core::scan& s) const {
    std::lock_guard lock(state_mutex_);
    const core::decide_input in{*event_, roster_, presence_, badge_key_};
    return core::decide(in, s);
}

core::roster engine::roster_copy() const {
    std::lock_guard lock(state_mutex_);
    return roster_;
}

void engine::publish_locked() {
    auto next = std::make_shared<published_state>();
    auto& snap = next->occupancy;
    snap.last_seq = last_seq_;
    next->event = event_;
    for (const auto& h : event_->halls) {
        hall_figures f{h.id, h.name, h.site_id, h.capacity, presence_.inside(h.id), 0, 0, 0};
        if (auto it = counters_.find(h.id); it != counters_.end()) {
            f.admitted = it->second.admitted;
            f.refused = it->second.refused;
            f.duplicates = it->second.duplicates;
        }
        snap.halls.push_back(std::move(f));
    }
    next->version = state_version_;
    next->storage = {storage_failing_, storage_problem_, storage_checked_, disk_free_};
    std::lock_guard lock(published_mutex_);
    published_ = std::move(next);
}

std::shared_ptr<const engine::published_state> engine::published() const {
    std::lock_guard lock(published_mutex_);
    return published_;
}

occupancy_snapshot engine::occupancy() const { return published()->occupancy; }

std::vector<core::attendee> engine::people_in(const std::string& hall_id) const {
    std::lock_guard lock(state_mutex_);
    std::vector<core::attendee> people;
    for (const auto& id : presence_.people_in(hall_id)) {
        if (const auto* a = roster_.find(id)) {
            people.push_back(*a);
        } else {
            core::attendee unknown;
            unknown.id = id;
            people.push_back(std::move(unknown));
        }
    }
    std::sort(people.begin(), people.end(), [](const auto& a, const auto& b) {
        return std::tie(a.name, a.id) < std::tie(b.name, b.id);
    });
    return people;
}

std::optional<core::attendee> engine::find_attendee(const std::string& attendee_id) const {
    std::lock_guard lock(state_mutex_);
    if (const auto* a = roster_.find(attendee_id)) return *a;
    return std::nullopt;
}

std::string engine::hall_of(const std::string& attendee_id) const {
    std::lock_guard lock(state_mutex_);
    return std::string(presence_.hall_of(attendee_id));
}

std::vector<std::int64_t> engine::scan_seqs_of(const std::string& attendee_id) const {
    std::lock_guard lock(state_mutex_);
    const auto it = people_.find(attendee_id);
    return it == people_.end() ? std::vector<std::int64_t>{} : it->second.seqs;
}

engine::person_log* engine::remember_seq(const core::scan_record& r) {
    if (r.attendee_id.empty()) return nullptr;
    auto& person = people_[r.attendee_id];
    person.seqs.push_back(r.seq);
    return &person;
}

std::uint64_t engine::state_version() const { return published()->version; }

bool engine::storage_failing() const { return published()->storage.failing; }
storage_health engine::storage() const { return published()->storage; }

}  // namespace admit::engine
