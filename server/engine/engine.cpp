#include "engine/engine.hpp"

#include <algorithm>
#include <future>
#include <iterator>
#include <utility>

#include <pthread.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace admit::engine {

using namespace std::chrono_literals;

core::time_point next_local_time(
    core::time_point after,
    std::chrono::minutes at,
    std::chrono::minutes utc_offset
) {
    // Work in "local" time as if it were UTC, then shift back.
    const auto local = after + utc_offset;
    const auto midnight = std::chrono::floor<std::chrono::days>(local);
    auto candidate = midnight + at;
    if (candidate <= local) candidate += std::chrono::days{1};
    return std::chrono::time_point_cast<std::chrono::milliseconds>(candidate - utc_offset);
}

engine::engine(
    const core::event_config& event,
    std::unique_ptr<store::scan_store> store,
    core::public_key badge_key,
    clock_fn now,
    engine_options options
)
    : event_(event),
      store_(std::move(store)),
      badge_key_(badge_key),
      now_(std::move(now)),
      options_(options) {
    std::lock_guard lock(state_mutex_);
    publish_locked();  // readers before start() see every hall empty
}

engine::~engine() { stop(); }

void engine::start() {
    {
        std::lock_guard lock(state_mutex_);
        roster_ = core::roster(store_->load_roster());
        roster_generation_ = store_->roster_generation();
        log_generation_ = store_->log_generation();
        rebuild_from_log(true);
        publish_locked();
    }
    const auto now = now_();
    for (const auto& h : event_.halls) {
        if (h.clear_at) next_clear_[h.id] = next_local_time(now, *h.clear_at, event_.utc_offset);
    }
    stopping_ = false;
    // Named as top -H and perf show them.
    writer_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "writer");
        run_writer();
    });
    if (listener_) {
        listener_thread_ = std::thread([this] {
            pthread_setname_np(pthread_self(), "store-listener");
            run_listener();
        });
    }
}

void engine::follow_changes(std::unique_ptr<store::change_listener> listener) {
    listener_ = std::move(listener);
}

void engine::stop() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (listener_thread_.joinable()) listener_thread_.join();
}

void engine::run_listener() {
    for (;;) {
        {
            std::lock_guard lock(queue_mutex_);
            if (stopping_) return;
        }
        bool changed = false;
        try {
            changed = listener_->wait(options_.tick);
        } catch (const store::store_error& e) {
            spdlog::warn("not following other servers' scans for now: {}", e.what());
            std::this_thread::sleep_for(options_.tick);
        }
        if (!changed) continue;
        // Applied on the writer thread, in order with everything else; one
        // queued catch-up covers any number of notifications.
        std::lock_guard lock(queue_mutex_);
        if (stopping_ || catch_up_queued_) continue;
        catch_up_queued_ = true;
        request r;
        r.task = [this] {
            {
                std::lock_guard queued(queue_mutex_);
                catch_up_queued_ = false;
            }
            catch_up();
        };
        queue_.push_back(std::move(r));
        queue_cv_.notify_one();
    }
}

void engine::submit(std::vector<core::scan> scans, completion done) {
    auto parts = in_parts(std::move(scans), std::move(done));
    {
        std::lock_guard lock(queue_mutex_);
        for (auto& part : parts) queue_.push_back(std::move(part));
    }
    queue_cv_.notify_one();
}

std::vector<engine::request> engine::in_parts(std::vector<core::scan> scans, completion done) const {
    std::vector<request> parts;
    const std::size_t part_size = std::max<std::size_t>(options_.max_group, 1);
    if (scans.size() <= part_size) {
        parts.push_back(request{std::move(scans), std::move(done), {}});
        return parts;
    }
    // More than one commit may hold (a kiosk's batch under --max-group 1): each
    // part commits on its own, and `done` hears once, after the last part, with
    // every outcome in order. The parts finish on the writer thread, in order.
    struct gathering {
        std::vector<scan_outcome> outcomes;
        std::size_t parts_left = 0;
        completion done;
    };
    auto gathered = std::make_shared<gathering>();
    gathered->outcomes.reserve(scans.size());
    gathered->done = std::move(done);
    for (std::size_t first = 0; first < scans.size(); first += part_size) {
        const auto last = std::min(scans.size(), first + part_size);
        std::vector<core::scan> part(std::make_move_iterator(scans.begin() + static_cast<std::ptrdiff_t>(first)),
                                     std::make_move_iterator(scans.begin() + static_cast<std::ptrdiff_t>(last)));
        parts.push_back(request{std::move(part), [gathered](std::vector<scan_outcome> outcomes) {
                                    for (auto& o : outcomes) gathered->outcomes.push_back(std::move(o));
                                    if (--gathered->parts_left == 0 && gathered->done)
                                        gathered->done(std::move(gathered->outcomes));
                                },
                                {}});
    }
    gathered->parts_left = parts.size();
    return parts;
}

void engine::drain() {
    if (!writer_.joinable()) return;
    std::promise<void> done;
    auto finished = done.get_future();
    submit({}, [&done](std::vector<scan_outcome>) { done.set_value(); });
    finished.wait();
}

void engine::run_on_writer(const std::function<void(store::scan_store&)>& task) {
    if (!writer_.joinable()) {
        task(*store_);  // not started (admin tools, tests): this thread is the only user
        return;
    }
    // The writer waiting for itself would never wake: fail loudly instead.
    if (std::this_thread::get_id() == writer_.get_id())
        throw std::logic_error("engine::run_on_writer called on the writer thread (it would deadlock)");
    std::promise<void> done;
    auto finished = done.get_future();
    {
        std::lock_guard lock(queue_mutex_);
        request r;
        r.task = [&] {
            try {
                task(*store_);
                done.set_value();
            } catch (...) {
                done.set_exception(std::current_exception());
            }
        };
        queue_.push_back(std::move(r));
    }
    queue_cv_.notify_one();
    finished.get();
}

bool engine::annul(const std::string& scan_id, const store::audit_entry& why) {
    bool found = false;
    run_on_writer([&](store::scan_store& log) {
        found = log.annul(scan_id, why);
        if (!found) return;
        std::lock_guard lock(state_mutex_);
        log_generation_ = log.log_generation();
        rebuild_from_log(false);
        publish_locked();
    });
    return found;
}

void engine::reload_roster() {
    run_on_writer([this](store::scan_store&) { reload_roster_if_changed(); });
}

namespace {
std::string ascii_lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}
}  // namespace

std::vector<core::attendee> engine::search(const std::string& text, std::size_t limit) const {
    const auto needle = ascii_lower(text);
    std::vector<core::attendee> found;
    std::lock_guard lock(state_mutex_);
    for (const auto& [id, a] : roster_.all()) {
        for (const auto* field : {&a.name, &a.id, &a.organisation, &a.city}) {
            if (ascii_lower(*field).find(needle) != std::string::npos) {
                found.push_back(a);
                break;
            }
        }
    }
    std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) {
        return std::tie(x.name, x.id) < std::tie(y.name, y.id);
    });
    if (found.size() > limit) found.resize(limit);
    return found;
}

core::roster engine::roster_copy() const {
    std::lock_guard lock(state_mutex_);
    return roster_;
}

void engine::set_observer(observer watch) {
    std::lock_guard lock(state_mutex_);
    observer_ = std::move(watch);
}

void engine::rebuild_from_log(bool feed_replay_watcher) {
    const auto started = std::chrono::steady_clock::now();
    ++state_version_;
    presence_.clear();
    counters_.clear();
    seqs_by_attendee_.clear();
    std::int64_t scans = 0;
    // Only the fields these steps use (record_detail::movement).
    store_->for_each_scan(
        [&](const core::scan_record& r) {
            ++scans;
            last_seq_ = r.seq;
            remember_seq(r);
            if (r.annulled) return;
            if (r.moved) presence_.apply(*r.moved);
            count(r, +1);
            if (feed_replay_watcher && replay_watcher_) replay_watcher_(r, presence_);
        },
        0, store::record_detail::movement
    );
    rebuild_.scans = scans;
    rebuild_.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started
    );
    spdlog::info(
        "occupancy rebuilt from {} logged scans in {} ms ({} people inside)",
        scans, rebuild_.took.count(), presence_.total_inside()
    );
}

std::vector<scan_outcome> engine::catch_up_locked() {
    std::vector<scan_outcome> foreign;
    if (const auto generation = store_->log_generation(); generation != log_generation_) {
        // A scan was annulled (here or by another server): recompute from the whole log.
        log_generation_ = generation;
        rebuild_from_log(false);
        return foreign;
    }
    store_->for_each_scan(
        [&](const core::scan_record& r) {
            last_seq_ = std::max(last_seq_, r.seq);
            remember_seq(r);
            if (r.annulled) return;
            if (r.moved) presence_.apply(*r.moved);
            count(r, +1);
            auto o = outcome_for(r, false);
            o.foreign = true;
            foreign.push_back(std::move(o));
        },
        last_seq_
    );
    if (!foreign.empty()) ++state_version_;
    return foreign;
}

void engine::catch_up() {
    std::vector<scan_outcome> foreign;
    observer watch;
    {
        std::lock_guard lock(state_mutex_);
        watch = observer_;
        try {
            foreign = catch_up_locked();
            publish_locked();
            if (catch_up_failing_) spdlog::info("reading the shared log again");
            catch_up_failing_ = false;
        } catch (const store::store_error& e) {
            // Said once: this runs at every idle tick while the store is away.
            if (!catch_up_failing_) spdlog::warn("cannot read the log for other servers' scans: {}", e.what());
            catch_up_failing_ = true;
        }
    }
    if (watch && !foreign.empty()) watch(foreign);
}

void engine::count(const core::scan_record& r, int sign) {
    if (r.hall_id.empty() || r.kind == core::scan_kind::clear) return;
    auto& c = counters_[r.hall_id];
    if (!r.result.admitted) {
        c.refused += sign;
    } else if (r.dir == core::direction::entry) {
        c.admitted += sign;
    }
}

void engine::run_writer() {
    for (;;) {
        std::vector<request> group;
        std::function<void()> task;
        bool stop_now = false;
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait_for(lock, options_.tick, [this] { return stopping_ || !queue_.empty(); });
            std::size_t scans = 0;
            // Take whole requests (none is over max_group: submit() splits them)
            // until the group is big enough. A task runs alone, in its place in the queue.
            if (!queue_.empty() && queue_.front().task) {
                task = std::move(queue_.front().task);
                queue_.pop_front();
            }
            while (!task && !queue_.empty() && !queue_.front().task &&
                   (group.empty() || scans + queue_.front().scans.size() <= options_.max_group)) {
                scans += queue_.front().scans.size();
                group.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            stop_now = stopping_ && queue_.empty();
        }
        if (task) task();
        if (!group.empty()) process(group);
        try {
            reload_roster_if_changed();
            clear_halls_due(now_());
            // Idle, with servers sharing the store: follow them even if a notification was missed.
            if (listener_ && !task && group.empty()) catch_up();
            periodic_failing_ = false;
        } catch (const store::store_error& e) {
            // Said once: it is retried at every tick while the store is away.
            if (!periodic_failing_) spdlog::error("periodic task failed (retried every tick): {}", e.what());
            periodic_failing_ = true;
        }
        if (stop_now && group.empty() && !task) return;
    }
}

scan_outcome engine::outcome_for(core::scan_record r, bool replayed) const {
    scan_outcome o;
    o.record = std::move(r);
    o.stored = true;
    o.replayed = replayed;
    if (const auto* person = roster_.find(o.record.attendee_id)) o.attendee_name = person->name;
    if (const auto* h = event_.find_hall(o.record.hall_id)) {
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

scan_outcome engine::decide_one(const core::scan& s, std::vector<core::movement>& undo, const known_scans& known) {
    if (auto earlier = known.by_id.find(s.scan_id); earlier != known.by_id.end()) {
        // Another scan under a logged id (a replacement kiosk that restarted
        // its counter): never answer it with the logged scan's verdict.
        if (!scan_id_mismatch(s, *earlier->second).empty()) return id_conflict_outcome(s, *earlier->second);
        // The same scan id again (a kiosk replaying its outbox): same verdict, no change.
        return outcome_for(*earlier->second, true);
    }
    const core::decide_input in{event_, roster_, presence_, badge_key_};
    auto record = core::decide(in, s);
    record.seq = store_->append(record);
    if (record.moved) {
        const auto before = std::string(presence_.hall_of(record.moved->attendee_id));
        undo.push_back(core::movement{record.moved->attendee_id, "", before});
        presence_.apply(*record.moved);
    }
    count(record, +1);
    return outcome_for(std::move(record), false);
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
    const std::vector<core::movement>& undo,
    const std::string& failure
) {
    try {
        store_->rollback_batch();
    } catch (const store::store_error&) {
        // commit_batch already rolled back; nothing more to undo in the file.
    }
    if (!storage_failing_) spdlog::error("scans not acknowledged: {}", failure);
    storage_failing_ = true;
    // Undo in reverse: each entry puts one person back where they were.
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) presence_.apply(*it);
    for (auto& list : results) {
        for (auto& o : list) {
            if (o.id_conflict) continue;  // nothing was to be stored
            if (!o.replayed) count(o.record, -1);
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
    std::vector<std::vector<scan_outcome>> results(group.size());
    std::vector<scan_outcome> foreign;
    observer watch;
    std::optional<group_commit> committed;
    std::vector<core::movement> undo;  // to put people back if the commit fails
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
            storage_failing_ = false;
            for (const auto& list : results) {
                for (const auto& o : list) {
                    if (o.id_conflict) continue;
                    last_seq_ = std::max(last_seq_, o.record.seq);
                    if (!o.replayed) remember_seq(o.record);
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

// The store is read with no lock held (roster_generation_ is the writer's
// own); only the swap of the new roster is under the state lock.
void engine::reload_roster_if_changed() {
    const auto generation = store_->roster_generation();
    if (generation == roster_generation_) return;
    core::roster fresh(store_->load_roster());
    std::lock_guard lock(state_mutex_);
    install_roster(std::move(fresh), generation);
}

void engine::reload_roster_if_changed_locked() {
    const auto generation = store_->roster_generation();
    if (generation == roster_generation_) return;
    install_roster(core::roster(store_->load_roster()), generation);
}

void engine::install_roster(core::roster fresh, std::int64_t generation) {
    roster_ = std::move(fresh);
    roster_generation_ = generation;
    ++state_version_;
    publish_locked();
    spdlog::info("roster reloaded: {} attendees (generation {})", roster_.size(), generation);
}

void engine::clear_halls_due(core::time_point now) {
    for (auto& [hall_id, due] : next_clear_) {
        if (now < due) continue;
        const auto* h = event_.find_hall(hall_id);
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
        due = next_local_time(now, *h->clear_at, event_.utc_offset);
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
                if (r.moved) presence_.apply(*r.moved);
                last_seq_ = std::max(last_seq_, r.seq);
                remember_seq(r);
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

void engine::publish_locked() {
    auto next = std::make_shared<published_state>();
    auto& snap = next->occupancy;
    snap.last_seq = last_seq_;
    for (const auto& h : event_.halls) {
        hall_figures f{h.id, h.name, h.site_id, h.capacity, presence_.inside(h.id), 0, 0};
        if (auto it = counters_.find(h.id); it != counters_.end()) {
            f.admitted = it->second.admitted;
            f.refused = it->second.refused;
        }
        snap.halls.push_back(std::move(f));
    }
    next->version = state_version_;
    next->storage_failing = storage_failing_;
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
    const auto it = seqs_by_attendee_.find(attendee_id);
    return it == seqs_by_attendee_.end() ? std::vector<std::int64_t>{} : it->second;
}

void engine::remember_seq(const core::scan_record& r) {
    if (r.attendee_id.empty()) return;
    auto it = seqs_by_attendee_.find(r.attendee_id);
    if (it == seqs_by_attendee_.end()) {
        it = seqs_by_attendee_.emplace(r.attendee_id, std::vector<std::int64_t>{}).first;
    }
    it->second.push_back(r.seq);
}

std::uint64_t engine::state_version() const { return published()->version; }

bool engine::storage_failing() const { return published()->storage_failing; }

}  // namespace admit::engine
