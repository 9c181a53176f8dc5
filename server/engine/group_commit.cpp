// Group commit on the writer thread: decide a group of scans with the core,
// append them, commit with no lock held, and undo the group when the commit
// fails; the scheduled clear-out commits its records the same way.
#include "engine/engine.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace admit::engine {

namespace {
void count_verdict(bool admitted, core::direction dir, std::int64_t& admissions, std::int64_t& refusals, int sign) {
    if (!admitted) {
        refusals += sign;
    } else if (dir == core::direction::entry) {
        admissions += sign;
    }
}
}  // namespace

void engine::count(const core::scan_record& r, int sign) {
    if (r.hall_id.empty() || r.kind == core::scan_kind::clear) return;
    auto& c = counters_[r.hall_id];
    if (r.duplicate) {
        c.duplicates += sign;
        return;
    }
    if (r.kind == core::scan_kind::redecision) {
        // The scan it re-decides counts as decided now, not as decided then.
        if (r.shown) count_verdict(r.shown->admitted, r.dir, c.admitted, c.refused, -sign);
        count_verdict(r.result.admitted, r.dir, c.admitted, c.refused, sign);
        return;
    }
    count_verdict(r.result.admitted, r.dir, c.admitted, c.refused, sign);
}

scan_outcome engine::outcome_for(core::scan_record r, bool replayed) const {
    scan_outcome o;
    o.record = std::move(r);
    o.stored = true;
    o.replayed = replayed;
    if (const auto* person = roster_.find(o.record.attendee_id)) o.attendee_name = person->name;
    if (const auto* h = event_->find_hall(o.record.hall_id)) {
        o.capacity = h->capacity;
        o.inside = presence_.inside(h->id);
    }
    return o;
}

namespace {
// What differs between a scan and the logged scan of the same id; empty when it is a true repeat.
std::string scan_id_mismatch(const core::scan& s, const core::scan_record& earlier) {
    if (s.kind != earlier.kind) return "kind";
    if (s.station_id != earlier.station_id) return fmt::format("station (logged from \"{}\")", earlier.station_id);
    if (s.payload != earlier.payload) return "badge";
    if (s.has_device_time && s.device_time != earlier.device_time) return "device time";
    return {};
}
}  // namespace

scan_outcome engine::id_conflict_outcome(const core::scan& s, const core::scan_record& earlier) {
    scan_outcome o;
    o.record.scan_id = s.scan_id;
    o.record.kind = s.kind;
    o.record.station_id = s.station_id;
    o.record.payload = s.payload;
    o.record.dir = s.dir;
    o.record.device_time = s.device_time;
    o.record.server_time = s.server_time;
    o.record.offline = s.offline;
    o.id_conflict = true;
    o.store_error = fmt::format(
        "scan id \"{}\" was already used for another scan (its {} differs, log seq {}); this scan was "
        "not recorded: the kiosk keeps it for staff",
        s.scan_id, scan_id_mismatch(s, earlier), earlier.seq);
    return o;
}

void engine::apply_decided(core::scan_record& record, group_undo& undo) {
    record.seq = store_->append(record);
    if (record.moved) {
        const auto before = std::string(presence_.hall_of(record.moved->attendee_id));
        undo.moves.push_back(core::movement{record.moved->attendee_id, "", before});
        presence_.apply(*record.moved);
    }
    count(record, +1);
}

namespace {
// "09:39:12" in UTC, for notes in the log.
std::string utc_text(core::time_point t) {
    return fmt::format("{:%FT%T}Z", std::chrono::floor<std::chrono::seconds>(t));
}
}  // namespace

core::scan_record engine::decide_in_read_order(
    core::decide_input in, const core::scan& s, core::scan_record first, group_undo& undo,
    std::vector<core::scan_record>& redecided
) {
    // Only a kiosk's clock can say a scan was read before what the server has;
    // any other scan is decided on arrival.
    if (first.attendee_id.empty() || first.duplicate || !core::read_by_device(first)) return first;
    const auto found = people_.find(first.attendee_id);
    if (found == people_.end()) return first;
    auto& timeline = found->second.timeline;
    const auto read_at = first.read_time();
    const auto from = core::first_read_after(timeline, read_at);
    if (from == timeline.size()) return first;  // read after everything logged: in order

    // Late: decided with the person where they were when the badge was read.
    const auto place = core::place_before(timeline, from);
    const std::string place_id = core::hall_id_of(*event_, place);
    in.place_then = place_id;
    auto record = core::decide(in, s);
    auto entry = core::belongs_in_timeline(record) ? core::timeline_entry_of(*event_, record) : std::nullopt;
    if (!entry) return record;  // judged on no place (a window, a category): changes no one's timeline
    entry->seq = -1;  // not known before append: decide_one() sets it

    record.seq = -1;  // tells decide_one() the entry is in place
    timeline.insert(timeline.begin() + static_cast<std::ptrdiff_t>(from), *entry);
    undo.timelines.push_back({record.attendee_id, from, std::nullopt});
    const auto now_at = std::string(presence_.hall_of(record.attendee_id));
    const auto here_after = entry->moves ? entry->to : place;
    const auto replayed = entry->moves ? entry->to : *core::hall_index_of(*event_, now_at);
    const auto changes = core::redecide_later(*event_, record.attendee_id, timeline, from + 1, here_after, replayed);
    if (changes.empty()) return record;

    std::vector<std::int64_t> seqs;
    for (const auto& c : changes) seqs.push_back(c.before.seq);
    const auto originals = store_->scans_with_seqs(seqs);
    redecided.reserve(changes.size());
    for (const auto& c : changes) {
        const auto original = std::find_if(originals.begin(), originals.end(), [&](const auto& o) {
            return o.seq == c.before.seq;
        });
        if (original == originals.end()) continue;
        core::scan_record re;
        re.kind = core::scan_kind::redecision;
        re.scan_id = fmt::format("redecision:{}:{}", original->scan_id, s.scan_id);
        re.station_id = original->station_id;
        re.hall_id = original->hall_id;
        re.attendee_id = original->attendee_id;
        re.category = original->category;
        re.dir = original->dir;
        re.device_time = c.before.read_at;  // the moment it is about, as the timeline has it (matched on rebuild)
        re.server_time = s.server_time;
        const bool as_logged = c.before.admitted == original->result.admitted && c.before.why == original->result.why;
        re.shown = as_logged ? original->result
                             : core::verdict{c.before.admitted, c.before.why, c.before.warning,
                                             std::string(core::reason_code(c.before.why))};
        re.result = c.result;
        re.moved = c.moved;
        re.redecides = original->scan_id;
        re.note = fmt::format(
            "{} in read order: scan {} read at {} reached the server late", c.reapplied ? "applied again" : "re-decided",
            s.scan_id, utc_text(read_at)
        );
        undo.timelines.push_back({record.attendee_id, c.index, timeline[c.index]});
        timeline[c.index] = c.after;
        redecided.push_back(std::move(re));
    }
    return record;
}

scan_outcome engine::decide_one(const core::scan& s, group_undo& undo, const known_scans& known) {
    if (auto earlier = known.by_id.find(s.scan_id); earlier != known.by_id.end()) {
        // Another scan under a logged id (a replacement kiosk that restarted
        // its counter): never answer it with the logged scan's verdict.
        if (!scan_id_mismatch(s, *earlier->second).empty()) return id_conflict_outcome(s, *earlier->second);
        // The same scan id again (a kiosk replaying its outbox): same verdict, no change.
        return outcome_for(*earlier->second, true);
    }
    const core::decide_input in{*event_, roster_, presence_, badge_key_, &recent_};
    std::vector<core::scan_record> redecided;
    auto record = decide_in_read_order(in, s, core::decide(in, s), undo, redecided);
    const bool inserted = record.seq == -1;
    apply_decided(record, undo);
    if (auto key = core::recent_reads::key_of(record); !key.empty())
        undo.reads.emplace_back(std::move(key), recent_.remember(record));
    if (inserted) {
        // decide_in_read_order() put the late scan's entry in place; now its seq
        // is known (undoing the insert removes the entry, so this needs no undo).
        for (auto& e : people_[record.attendee_id].timeline)
            if (e.seq == -1) e.seq = record.seq;
    } else if (core::belongs_in_timeline(record)) {
        if (const auto entry = core::timeline_entry_of(*event_, record)) {
            auto& timeline = people_[record.attendee_id].timeline;
            const auto at = core::insert_in_read_order(timeline, *entry, core::read_by_device(record));
            undo.timelines.push_back({record.attendee_id, at, std::nullopt});
        }
    }
    for (auto& re : redecided) apply_decided(re, undo);
    auto outcome = outcome_for(std::move(record), false);
    outcome.redecided = std::move(redecided);
    return outcome;
}

void engine::forget_old_reads() {
    // Kept a while beyond the window: a kiosk's offline double read may arrive minutes late.
    using namespace std::chrono_literals;
    const auto now = now_();
    if (now - recent_pruned_ < 10s) return;
    recent_pruned_ = now;
    recent_.forget_before(now - event_->rules.duplicate_window - 10min);
}

void engine::find_earlier_scans(const std::vector<request>& group, known_scans& known) {
    std::vector<std::string> ids;
    for (const auto& r : group)
        for (const auto& s : r.scans) ids.push_back(s.scan_id);
    known.stored = store_->find_scans(ids);
    for (const auto& record : known.stored) known.by_id.emplace(record.scan_id, &record);
}

// A group whose batch failed: the store rolls back, everyone is put back
// where they were, and every scan is answered "not stored". State lock held.
void engine::undo_group(
    const std::vector<request>& group,
    std::vector<std::vector<scan_outcome>>& results,
    group_undo& undo,
    const std::string& failure
) {
    try {
        store_->rollback_batch();
    } catch (const store::store_error&) {
        // commit_batch already rolled back; nothing more to undo in the file.
    }
    if (!storage_failing_) spdlog::error("scans not acknowledged: {}", failure);
    storage_failing_ = true;
    storage_problem_ = failure;
    storage_checked_ = std::chrono::system_clock::now();
    // Undo in reverse: each entry puts one person back where they were.
    for (auto it = undo.moves.rbegin(); it != undo.moves.rend(); ++it) presence_.apply(*it);
    for (auto it = undo.reads.rbegin(); it != undo.reads.rend(); ++it) recent_.restore(it->first, std::move(it->second));
    for (auto it = undo.timelines.rbegin(); it != undo.timelines.rend(); ++it) {
        auto& timeline = people_[it->attendee_id].timeline;
        const auto at = timeline.begin() + static_cast<std::ptrdiff_t>(it->index);
        if (it->replaced) {
            *at = *it->replaced;
        } else {
            timeline.erase(at);
        }
    }
    // As before the group's first decision, even one whose append failed half-way.
    if (undo.counters) counters_ = std::move(*undo.counters);
    for (auto& list : results) {
        for (auto& o : list) {
            if (o.id_conflict) continue;  // nothing was to be stored
            o.redecided.clear();
            o.stored = false;
            o.store_error = failure;
        }
    }
    // Scans not reached before the failure get an outcome too.
    for (std::size_t i = 0; i < group.size(); ++i) {
        for (std::size_t k = results[i].size(); k < group[i].scans.size(); ++k) {
            scan_outcome o;
            o.record.scan_id = group[i].scans[k].scan_id;
            o.store_error = failure;
            results[i].push_back(std::move(o));
        }
    }
}

void engine::process(std::vector<request>& group) {
    last_store_contact_ = std::chrono::steady_clock::now();
    std::vector<std::vector<scan_outcome>> results(group.size());
    std::vector<scan_outcome> foreign;
    observer watch;
    std::optional<group_commit> committed;
    group_undo undo;  // to put people back if the commit fails
    std::string failure;
    known_scans known;
    // Store work that needs no state, with no lock held: opening the batch
    // may wait for the disk or for other servers (the PostgreSQL lock). The
    // batch is exclusive: what others committed is all there now.
    try {
        store_->begin_batch();
        find_earlier_scans(group, known);
    } catch (const store::store_error& e) {
        failure = e.what();
    }
    if (failure.empty()) {
        // Decide under the state lock: readers of presence and the roster
        // may see this group's decisions while its commit runs; the
        // published occupancy shows only what is committed.
        std::lock_guard lock(state_mutex_);
        try {
            foreign = catch_up_locked();
            // A roster imported a moment ago is known before anyone is refused as unknown.
            reload_roster_if_changed_locked();
            forget_old_reads();
            undo.counters = counters_;
            for (std::size_t i = 0; i < group.size(); ++i) {
                results[i].reserve(group[i].scans.size());  // no reallocation: `known` points into it
                for (const auto& s : group[i].scans) {
                    const auto& o = results[i].emplace_back(decide_one(s, undo, known));
                    if (!o.replayed && !o.id_conflict) known.by_id.emplace(o.record.scan_id, &o.record);
                }
            }
        } catch (const store::store_error& e) {
            failure = e.what();
        }
    }
    if (failure.empty()) {
        // The commit (fsync, or the database round trip) holds no lock:
        // health, hello and the dashboards read the published state meanwhile.
        try {
            const auto commit_started = std::chrono::steady_clock::now();
            store_->commit_batch();
            committed = group_commit{0, std::chrono::steady_clock::now() - commit_started};
            for (const auto& r : group) committed->scans += r.scans.size();
        } catch (const store::store_error& e) {
            failure = e.what();
        }
    }
    {
        std::lock_guard lock(state_mutex_);
        watch = observer_;
        if (!failure.empty()) {
            undo_group(group, results, undo, failure);
        } else {
            if (storage_failing_) spdlog::info("scans are acknowledged again: the store took a commit");
            storage_failing_ = false;
            storage_problem_.clear();
            storage_checked_ = std::chrono::system_clock::now();
            for (const auto& list : results) {
                for (const auto& o : list) {
                    if (o.id_conflict) continue;
                    last_seq_ = std::max(last_seq_, o.record.seq);
                    if (!o.replayed) remember_seq(o.record);
                    for (const auto& re : o.redecided) {
                        last_seq_ = std::max(last_seq_, re.seq);
                        remember_seq(re);
                    }
                }
            }
        }
        ++state_version_;
        publish_locked();
    }
    if (committed && commit_watcher_) commit_watcher_(*committed);
    if (watch) {
        // The observer sees the group in one list; the outcomes move there and back, not copied.
        std::vector<scan_outcome> all = std::move(foreign);
        const auto ours = all.size();
        for (auto& list : results) std::move(list.begin(), list.end(), std::back_inserter(all));
        watch(all);
        auto next = all.begin() + static_cast<std::ptrdiff_t>(ours);
        for (auto& list : results) {
            const auto end = next + static_cast<std::ptrdiff_t>(list.size());
            std::move(next, end, list.begin());
            next = end;
        }
    }
    for (std::size_t i = 0; i < group.size(); ++i) {
        if (group[i].done) group[i].done(std::move(results[i]));
    }
}

void engine::clear_halls_due(core::time_point now) {
    for (auto& [hall_id, due] : next_clear_) {
        if (now < due) continue;
        const auto* h = event_->find_hall(hall_id);
        std::size_t cleared = 0;
        const bool stored = commit_generated("clear-out", [&, hall = hall_id, at = due] {
            // Decided after catching up, so of servers sharing a store only
            // the first clears anyone; the others find the hall empty.
            auto records = core::clear_hall(presence_, hall, at);
            cleared = records.size();
            return records;
        });
        if (!stored) continue;  // retried at the next tick
        spdlog::info("scheduled clear-out of {}: {} people still inside", h ? h->name : hall_id, cleared);
        due = core::next_local_time(now, *h->clear_at, event_->zone);
    }
}

template <class Generate>
bool engine::commit_generated(const char* what, Generate&& generate) {
    std::vector<scan_outcome> foreign;
    std::vector<core::scan_record> records;
    observer watch;
    std::string failure;
    try {
        store_->begin_batch();  // no lock held: it may wait for the disk or other servers
        std::lock_guard lock(state_mutex_);
        foreign = catch_up_locked();
        records = generate();
        for (auto& r : records) r.seq = store_->append(r);
    } catch (const store::store_error& e) {
        failure = e.what();
    }
    if (failure.empty()) {
        try {
            store_->commit_batch();  // no lock held, as for scans
        } catch (const store::store_error& e) {
            failure = e.what();
        }
    }
    {
        std::lock_guard lock(state_mutex_);
        watch = observer_;
        if (failure.empty()) {
            // Applied after the commit: the records moved nobody until now.
            for (const auto& r : records) {
                follow_logged(r);
                last_seq_ = std::max(last_seq_, r.seq);
            }
            ++state_version_;
        } else {
            try {
                store_->rollback_batch();
            } catch (const store::store_error&) {
            }
            spdlog::error("{} not stored, will retry at the next tick: {}", what, failure);
        }
        publish_locked();  // what other servers committed counts either way
    }
    if (watch && !foreign.empty()) watch(foreign);
    return failure.empty();
}

}  // namespace admit::engine
