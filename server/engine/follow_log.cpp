// Following the log: rebuilding occupancy from it, applying what other
// servers sharing the store committed (woken by the change listener), and
// reloading the roster when someone imported a new one.
#include "engine/engine.hpp"

#include <thread>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace admit::engine {

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

void engine::rebuild_from_log(bool feed_replay_watcher) {
    const auto started = std::chrono::steady_clock::now();
    ++state_version_;
    presence_.clear();
    counters_.clear();
    people_.clear();
    last_seq_ = 0;  // the log may have gone back (a promoted asynchronous standby)
    std::int64_t scans = 0;
    // Only the fields these steps use (record_detail::movement).
    store_->for_each_scan(
        [&](const core::scan_record& r) {
            ++scans;
            last_seq_ = r.seq;
            follow_logged(r);
            if (r.annulled) return;
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
            follow_logged(r);
            if (r.annulled) return;
            recent_.remember(r);  // two doors of one hall may be on two servers
            auto o = outcome_for(r, false);
            o.foreign = true;
            foreign.push_back(std::move(o));
        },
        last_seq_
    );
    if (!foreign.empty()) ++state_version_;
    return foreign;
}

void engine::follow_logged(const core::scan_record& r) {
    person_log* person = remember_seq(r);
    if (!r.annulled) follow_record(r, person);
}

void engine::follow_record(const core::scan_record& r, person_log* person) {
    if (r.moved) presence_.apply(*r.moved);
    if (r.kind != core::scan_kind::redecision) {
        count(r, +1);
        if (person != nullptr) follow_timeline(r, *person);
        return;
    }
    // A re-decision replaces the decision in force of the scan it names (the
    // entry read at its device time, in its hall and direction), which is
    // what its count takes back (`shown` is not read at start-up).
    core::scan_record counted = r;
    const auto hall = core::hall_index_of(*event_, r.hall_id);
    core::timeline_entry* entry = nullptr;
    if (hall && person != nullptr) {
        for (auto& e : person->timeline) {
            if (e.read_at == r.device_time && e.hall == *hall && e.dir == r.dir) entry = &e;
        }
    }
    if (entry != nullptr) {
        counted.shown = core::verdict{entry->admitted, entry->why, entry->warning, {}};
        entry->admitted = r.result.admitted;
        entry->why = r.result.why;
        entry->warning = r.result.warning;
        entry->moves = r.moved.has_value();
        const auto to = r.moved ? core::hall_index_of(*event_, r.moved->to_hall) : std::nullopt;
        entry->to = to ? *to : core::timeline_entry::outside;
    }
    count(counted, +1);
}

void engine::follow_timeline(const core::scan_record& r, person_log& person) {
    if (!core::belongs_in_timeline(r)) return;
    if (const auto entry = core::timeline_entry_of(*event_, r))
        core::insert_in_read_order(person.timeline, *entry, core::read_by_device(r));
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

}  // namespace admit::engine
