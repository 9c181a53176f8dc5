// The engine's life and its queue: start and stop, submitting scans, the
// writer thread's loop, and tasks run on the writer (engine.hpp says what
// the engine is; group_commit.cpp, follow_log.cpp and read_model.cpp hold
// the rest of its jobs).
#include "engine/engine.hpp"

#include <algorithm>
#include <future>
#include <stdexcept>
#include <iterator>
#include <utility>

#include <pthread.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace admit::engine {

using namespace std::chrono_literals;

engine::engine(
    const core::event_config& event,
    std::unique_ptr<store::scan_store> store,
    core::public_key badge_key,
    clock_fn now,
    engine_options options
)
    : store_(std::move(store)),
      badge_key_(badge_key),
      now_(std::move(now)),
      options_(options),
      event_(std::make_shared<const core::event_config>(event)) {
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
    schedule_clear_outs(now_());
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

void engine::schedule_clear_outs(core::time_point now) {
    next_clear_.clear();
    for (const auto& h : event_->halls) {
        if (h.clear_at) next_clear_[h.id] = core::next_local_time(now, *h.clear_at, event_->zone);
    }
}

std::shared_ptr<const core::event_config> engine::event() const { return published()->event; }

void engine::replace_event(core::event_config fresh, const store::audit_entry& audit) {
    auto next = std::make_shared<const core::event_config>(std::move(fresh));
    run_on_writer([&](store::scan_store& log) {
        // Only the writer replaces event_, so reading it here needs no lock.
        if (next->id != event_->id) {
            throw std::invalid_argument(fmt::format(
                "the event id changed from \"{}\" to \"{}\"; every badge is signed for the old id, "
                "so it cannot change while the server runs", event_->id, next->id));
        }
        for (const auto& h : event_->halls) {
            if (next->find_hall(h.id) == nullptr) {
                throw std::invalid_argument(fmt::format(
                    "hall \"{}\" is gone from the new config; a hall cannot be removed while the server "
                    "runs (its scans and occupancy would have no hall): keep it, or restart", h.id));
            }
        }
        log.add_audit(audit);  // first: when it fails, nothing has changed
        std::lock_guard lock(state_mutex_);
        event_ = std::move(next);
        schedule_clear_outs(now_());
        ++state_version_;
        publish_locked();
    });
}

void engine::reload_roster() {
    run_on_writer([this](store::scan_store&) { reload_roster_if_changed(); });
}

void engine::set_observer(observer watch) {
    std::lock_guard lock(state_mutex_);
    observer_ = std::move(watch);
}

void engine::set_storage_state(bool failing, const std::string& problem) {
    std::lock_guard lock(state_mutex_);
    if (failing && !storage_failing_) spdlog::error("the store cannot take scans now: {}", problem);
    if (!failing && storage_failing_) spdlog::info("the store answers again: scans are acknowledged again");
    storage_failing_ = failing;
    storage_problem_ = problem;
    storage_checked_ = std::chrono::system_clock::now();
    publish_locked();
}

void engine::check_health(bool idle) {
    const auto now = std::chrono::steady_clock::now();
    if (!options_.disk_watch.empty() && now - last_disk_check_ >= options_.probe_every) {
        last_disk_check_ = now;
        std::error_code ec;
        const auto space = std::filesystem::space(options_.disk_watch, ec);
        std::lock_guard lock(state_mutex_);
        disk_free_ = ec ? std::nullopt : std::optional<std::uintmax_t>(space.available);
        publish_locked();
    }
    // Scans flowing are the probe; a store only probed while idle costs nothing under load.
    if (!idle || options_.probe_every.count() <= 0 || now - last_store_contact_ < options_.probe_every) return;
    last_store_contact_ = now;
    try {
        store_->probe();  // no lock held: it may wait for the database
        set_storage_state(false, {});
    } catch (const store::store_error& e) {
        set_storage_state(true, e.what());
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
        check_health(!task && group.empty());
        if (stop_now && group.empty() && !task) return;
    }
}

}  // namespace admit::engine
