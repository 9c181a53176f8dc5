#pragma once
// The engine: the single place that decides scans, appends them to the scan
// log and keeps who is where. Sessions submit scans from any thread; one
// writer thread takes everything queued, decides each scan with the pure
// core, appends it, commits the whole group in one transaction, and only
// then hands the verdicts back. A failed commit undoes the group's effects
// on occupancy and returns the scans unacknowledged, so a kiosk keeps them.
//
// Several servers may share one store (PostgreSQL): each batch then starts by
// applying what the others committed since (the store makes batches take
// turns), so every decision is made on the whole log; a change listener
// wakes the writer to apply others' scans between batches too.
//
// Locks: state_mutex_ guards who is where, the roster and the counters; it
// is never held across a store commit or begin (readers may see a group's
// decisions while its commit runs, and they are undone if it fails).
// occupancy(), state_version() and storage_failing() read a snapshot the
// writer publishes after each change and never take state_mutex_.
// Lock order: state_mutex_, then published_mutex_; queue_mutex_ alone.
//
// Thread safety: submit() and every query are safe from any thread. The
// completion callbacks run on the writer thread: post them elsewhere.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/decide.hpp"
#include "core/recent_reads.hpp"
#include "core/timeline.hpp"
#include "core/string_map.hpp"
#include "store/scan_store.hpp"

namespace admit::engine {

// What became of one submitted scan.
struct scan_outcome {
    core::scan_record record;  // as stored (for a replay: as first stored)
    bool stored = false;       // false: not committed, do not acknowledge
    bool replayed = false;     // this scan id was already in the log
    bool foreign = false;      // decided and stored by another server sharing the store
    // The scan id is already in the log for a different scan (station, badge
    // or device time differ): nothing was stored or changed, and the scan
    // must not be answered with the other scan's verdict. `record` holds the
    // scan as received; `store_error` says what differs.
    bool id_conflict = false;
    std::string store_error;   // why not stored
    std::string attendee_name;
    int inside = 0;    // the hall's occupancy after this scan
    int capacity = 0;
    // A late scan read before logged scans of the same person: the
    // re-decisions of those scans stored with it (kind redecision), in read
    // order. One whose verdict differs from the one in force is a conflict.
    std::vector<core::scan_record> redecided;
};

struct hall_figures {
    std::string hall_id;
    std::string name;
    std::string site_id;
    int capacity = 0;
    int inside = 0;
    std::int64_t admitted = 0;  // admitted entries since the log began
    std::int64_t refused = 0;   // refused scans of any direction
    std::int64_t duplicates = 0;  // second reads within the duplicate window (neither of the above)
};

struct occupancy_snapshot {
    std::vector<hall_figures> halls;  // in config order
    std::int64_t last_seq = 0;
};

struct engine_options {
    std::size_t max_group = 4096;  // scans per commit at most (a larger kiosk batch commits in parts)
    std::chrono::milliseconds tick{250};  // roster reload and clear-out checks
    // While no scan has reached the store for this long, the writer probes it
    // (scan_store::probe), so health says what is true now: a store that came
    // back is noticed without a scan, one that went away without a failed commit.
    std::chrono::milliseconds probe_every{1000};
    // The folder whose free space health reports (the data directory); empty: none.
    std::filesystem::path disk_watch{};
};

// The store's and the disk's state as the writer last saw them (health, /metrics).
struct storage_health {
    bool failing = false;        // the last commit or probe failed: scans are not acknowledged
    std::string problem;         // why, when failing
    std::chrono::system_clock::time_point checked{};  // when the store was last written or probed
    std::optional<std::uintmax_t> disk_free_bytes;    // free space where disk_watch is
};

class engine {
public:
    using clock_fn = std::function<core::time_point()>;
    using completion = std::function<void(std::vector<scan_outcome>)>;
    using observer = std::function<void(const std::vector<scan_outcome>&)>;

    engine(
        const core::event_config& event,
        std::unique_ptr<store::scan_store> store,
        core::public_key badge_key,
        clock_fn now,
        engine_options options = {}
    );
    ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    // Loads the roster, rebuilds occupancy from the log and starts the writer.
    // Throws store::store_error when the log cannot be read.
    void start();
    // Servers sharing the store: wake on the others' commits (call before start()).
    void follow_changes(std::unique_ptr<store::change_listener> listener);
    // Decides and commits everything already submitted, then stops the writer.
    void stop();

    // Blocks until everything submitted before this call is committed and answered.
    void drain();

    // Queues scans; `done` gets one outcome per scan, in order, after commit.
    void submit(std::vector<core::scan> scans, completion done);

    // Runs `task` on the writer thread, in order with submitted scans, and
    // waits for it: staff actions that touch the log go through here so the
    // log has one writer. Exceptions from the task are rethrown here.
    void run_on_writer(const std::function<void(store::scan_store&)>& task);

    // Marks a scan annulled and recomputes occupancy without it. False when no such scan.
    bool annul(const std::string& scan_id, const store::audit_entry& why);
    // Reloads the roster now (after a reissue), instead of at the next tick.
    void reload_roster();

    // Attendees whose name, id, organisation or city contains `text`
    // (ASCII case-insensitive; Hangul as typed), at most `limit`, by name.
    // `total`, when given, gets how many match in all.
    std::vector<core::attendee> search(const std::string& text, std::size_t limit, std::size_t* total = nullptr) const;
    // The verdict core::decide() gives `s` now, on the current state, with
    // nothing stored or changed (the help desk's preview of a manual scan).
    core::scan_record judge(const core::scan& s) const;
    core::roster roster_copy() const;

    // Called on the writer thread after each committed group (metrics, live
    // view), and with foreign outcomes for scans other servers committed.
    void set_observer(observer watch);
    // Called by start() for each record replayed from the log, after its movement is
    // applied (the live view rebuilds the day's chart from it). Set before start().
    // The record holds only what store::record_detail::movement reads (seq, kind,
    // hall, attendee, direction, server time, admitted, movement, annulled).
    using replay_watcher = std::function<void(const core::scan_record&, const core::presence&)>;
    void set_replay_watcher(replay_watcher watch) { replay_watcher_ = std::move(watch); }
    // Called on the writer thread after each committed group of scans: how
    // many scans it held and how long the commit itself took (on SQLite, the
    // WAL write and its fdatasync), so an operator sees what the disk costs.
    // Set before start().
    struct group_commit {
        std::size_t scans = 0;
        std::chrono::steady_clock::duration commit{};
    };
    using commit_watcher = std::function<void(const group_commit&)>;
    void set_commit_watcher(commit_watcher watch) { commit_watcher_ = std::move(watch); }

    const core::public_key& badge_key() const { return badge_key_; }

    // The event model in force now (halls, stations, sessions, ...). It may
    // be replaced while the server runs (replace_event); hold the pointer for
    // the length of one request and ask again for the next.
    std::shared_ptr<const core::event_config> event() const;
    // Puts a new event model in force, on the writer thread between two
    // groups of scans, so every scan is decided wholly under the old model or
    // wholly under the new one, and records `audit` in the same step. Nobody
    // is moved: a hall whose capacity drops below its occupancy refuses
    // entries until people leave. Throws std::invalid_argument, changing
    // nothing, when the new model cannot replace the old one (another event
    // id, a hall removed) and store::store_error when the audit entry cannot
    // be written. Waits for the writer: never call it on the writer thread.
    void replace_event(core::event_config fresh, const store::audit_entry& audit);

    // The engine's clock (real, or the rehearsal clock): what server times are.
    core::time_point now() const { return now_(); }

    occupancy_snapshot occupancy() const;
    // Attendees inside a hall now, sorted by name.
    std::vector<core::attendee> people_in(const std::string& hall_id) const;
    std::optional<core::attendee> find_attendee(const std::string& attendee_id) const;
    // Hall the person is in now, empty when outside.
    std::string hall_of(const std::string& attendee_id) const;
    // The seqs of every logged scan of this person (annulled ones too), oldest
    // first: their history, read with scan_store::scans_with_seqs(). Kept here
    // because an index by attendee in the log costs every insert a random page.
    std::vector<std::int64_t> scan_seqs_of(const std::string& attendee_id) const;
    // Grows whenever occupancy or the roster may have changed (scans, clear-outs,
    // annulments, roster reloads): watchers compare it to know when to redraw.
    std::uint64_t state_version() const;
    // True while the last commit or probe failed (disk full, read-only, the
    // database away): scans are not acknowledged.
    bool storage_failing() const;
    storage_health storage() const;

    // Rebuild statistics of the last start(), for logs and benchmarks.
    struct rebuild_stats {
        std::int64_t scans = 0;
        std::chrono::milliseconds took{0};
    };
    rebuild_stats last_rebuild() const { return rebuild_; }

private:
    struct request {
        std::vector<core::scan> scans;
        completion done;
        std::function<void()> task;  // a writer-thread task instead of scans
    };
    // One request, or several of at most max_group scans each that answer together.
    std::vector<request> in_parts(std::vector<core::scan> scans, completion done) const;
    struct hall_counters {
        std::int64_t admitted = 0;
        std::int64_t refused = 0;
        std::int64_t duplicates = 0;
    };
    // What the engine keeps of each person from the log, in one entry so that
    // following a logged scan looks the person up once (start-up follows a
    // million of them).
    struct person_log {
        std::vector<std::int64_t> seqs;  // every logged record naming them (the desk's history)
        std::vector<core::timeline_entry> timeline;  // place-deciding scans in read order (core/timeline.hpp)
    };
    // One entry of a person's timeline inserted (`replaced` empty: undone by
    // erasing it) or overwritten (undone by putting `replaced` back).
    struct timeline_change {
        std::string attendee_id;
        std::size_t index = 0;
        std::optional<core::timeline_entry> replaced;
    };
    // What a group changed before its commit, to put back if the commit fails.
    struct group_undo {
        std::vector<core::movement> moves;  // in order; each puts one person back
        std::vector<std::pair<std::string, std::optional<core::counted_read>>> reads;
        // Each change to a person's timeline, in order; undone in reverse.
        // Logged per entry, not as copies of whole timelines: a group of
        // thousands of scans would copy every person's timeline it touched.
        std::vector<timeline_change> timelines;
        // The halls' counters before the group's first decision; empty when none was made.
        std::optional<std::map<std::string, hall_counters, std::less<>>> counters;
    };

    // The scans of one group already in the log or decided earlier in the
    // group, by scan id: a repeat gets the same verdict. Points into `stored`
    // and into the group's outcomes, which do not move while it is used.
    struct known_scans {
        std::vector<core::scan_record> stored;  // found in the log
        std::unordered_map<std::string_view, const core::scan_record*> by_id;
    };

    // What readers get without the state lock: republished by the writer
    // after every change (a commit or its undo, a rebuild, a roster reload,
    // others' scans), so health, hello and the dashboards never wait for a
    // commit in progress.
    struct published_state {
        std::shared_ptr<const core::event_config> event;
        occupancy_snapshot occupancy;
        std::uint64_t version = 0;
        storage_health storage;
    };
    void publish_locked();  // state_mutex_ held
    std::shared_ptr<const published_state> published() const;

    void run_writer();
    // The writer's health checks between groups: disk space every probe_every,
    // the store itself when no scan reached it for probe_every. No lock held
    // across the I/O.
    void check_health(bool idle);
    void set_storage_state(bool failing, const std::string& problem);
    void process(std::vector<request>& group);
    void undo_group(const std::vector<request>& group,
                    std::vector<std::vector<scan_outcome>>& results,
                    group_undo& undo,
                    const std::string& failure);
    void install_roster(core::roster fresh, std::int64_t generation);  // state_mutex_ held
    scan_outcome decide_one(const core::scan& s, group_undo& undo, const known_scans& known);
    // Appends and applies a record decided now (a scan or a re-decision), noting how to undo it.
    void apply_decided(core::scan_record& record, group_undo& undo);
    // A late scan: decides it with the person where they were at its read
    // time and re-decides the logged scans read after it (core/timeline.hpp).
    core::scan_record decide_in_read_order(
        core::decide_input in, const core::scan& s, core::scan_record first, group_undo& undo,
        std::vector<core::scan_record>& redecided
    );
    void count(const core::scan_record& r, int sign);
    // A logged record (rebuild, or another server's): remembered under its
    // person and, unless annulled, followed (follow_record).
    void follow_logged(const core::scan_record& r);
    // Its movement, counts and timeline; `person` is r's entry in people_ (null: no attendee).
    void follow_record(const core::scan_record& r, person_log* person);
    void follow_timeline(const core::scan_record& r, person_log& person);
    void forget_old_reads();  // state_mutex_ held
    // Recomputes occupancy from the whole log. The replay watcher is fed only at
    // start(): later rebuilds run while the live view may be asking the engine.
    void rebuild_from_log(bool feed_replay_watcher);
    std::vector<scan_outcome> catch_up_locked();
    void catch_up();
    void run_listener();
    // Commits records made by `generate` (run after catching up, in the batch). False when not stored.
    template <class Generate>
    bool commit_generated(const char* what, Generate&& generate);
    void find_earlier_scans(const std::vector<request>& group, known_scans& known);
    void reload_roster_if_changed();
    void reload_roster_if_changed_locked();  // state_mutex_ held
    void clear_halls_due(core::time_point now);
    void schedule_clear_outs(core::time_point now);  // writer thread (or before start)
    scan_outcome outcome_for(core::scan_record r, bool replayed) const;
    // The outcome of a scan whose id names a different logged scan.
    static scan_outcome id_conflict_outcome(const core::scan& s, const core::scan_record& earlier);
    // Adds a logged record's seq to its person's history; their entry, or null
    // when the record names no one. state_mutex_ held; records in the log only.
    person_log* remember_seq(const core::scan_record& r);

    std::unique_ptr<store::scan_store> store_;
    core::public_key badge_key_;
    clock_fn now_;
    engine_options options_;

    mutable std::mutex state_mutex_;  // guards everything below it to the blank line
    // Replaced only by the writer (replace_event), so the writer reads it without the lock.
    std::shared_ptr<const core::event_config> event_;
    core::roster roster_;
    core::presence presence_;
    std::map<std::string, hall_counters, std::less<>> counters_;
    std::int64_t last_seq_ = 0;
    core::flat_string_map<person_log> people_;
    core::recent_reads recent_;  // the duplicate window
    core::time_point recent_pruned_{};
    std::uint64_t state_version_ = 0;
    bool storage_failing_ = false;
    std::string storage_problem_;
    std::chrono::system_clock::time_point storage_checked_{};
    std::optional<std::uintmax_t> disk_free_;

    // Taken after state_mutex_ (never before it), and only to swap or copy the pointer.
    mutable std::mutex published_mutex_;
    std::shared_ptr<const published_state> published_;

    std::mutex queue_mutex_;  // guards queue_ and stopping_
    std::condition_variable queue_cv_;
    std::deque<request> queue_;
    bool stopping_ = false;
    bool catch_up_queued_ = false;

    std::int64_t roster_generation_ = -1;         // writer thread only
    std::int64_t log_generation_ = -1;            // writer thread only
    bool catch_up_failing_ = false;               // writer thread only
    bool periodic_failing_ = false;               // writer thread only
    std::chrono::steady_clock::time_point last_store_contact_{};  // writer thread only
    std::chrono::steady_clock::time_point last_disk_check_{};     // writer thread only
    std::map<std::string, core::time_point> next_clear_;  // writer thread only
    observer observer_;
    replay_watcher replay_watcher_;
    commit_watcher commit_watcher_;
    rebuild_stats rebuild_;
    std::thread writer_;
    std::unique_ptr<store::change_listener> listener_;
    std::thread listener_thread_;
};

}  // namespace admit::engine
