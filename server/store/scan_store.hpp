#pragma once
// The durable side of admit: the scan log and the roster, behind a narrow
// interface with two backends: SQLite (one server) and PostgreSQL (several
// servers sharing one database, see pg_store.hpp).
//
// Thread safety: one scan_store object is used by one thread at a time (the
// server's engine thread owns the writer; HTTP readers open their own
// read-only store). Several processes may open the same data directory: the
// admin tool imports a roster while the server runs (SQLite WAL + busy
// timeout). Every method throws store_error, never a SQLite exception.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/roster.hpp"
#include "core/scan_record.hpp"

namespace admit::store {

class store_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A staff action that is not a scan (annul, reissue, roster import), for the audit sheet.
struct audit_entry {
    std::int64_t id = 0;
    core::time_point at{};
    std::string actor;
    std::string action;  // "annul", "reissue", "import_roster", ...
    std::string subject; // scan id or attendee id
    std::string note;
};

// Which clock a server's times come from. A server writes one audit entry
// when it starts (server_start_entry), naming its clock (the real one, or a
// rehearsal clock: admit-server --clock-start) and the first seq it may
// write; reports tell, for each scan and audit row, which clock its times are
// from (clock_runs_of). The admin tool (actor "admit-cli:...") always uses the real clock.
struct clock_run {
    std::int64_t audit_id = 0;   // the server_start entry
    std::int64_t first_seq = 0;  // scans with seq >= this were stored by that server
    bool rehearsal = false;
};
audit_entry server_start_entry(core::time_point at, bool rehearsal, std::string_view detail, std::int64_t first_seq);
// The server starts in an audit log, in its order.
std::vector<clock_run> clock_runs_of(const std::vector<audit_entry>& audit);

// One help-desk person's credential (`admit staff add NAME`). Only a hash of
// the credential is stored (config::hash_token); the credential itself is
// printed once. A revoked credential stays listed, with when.
struct staff_credential {
    std::string name;
    std::string token_hash;
    core::time_point added{};
    std::optional<core::time_point> revoked;
};

// How much of each record for_each_scan() fills in.
enum class record_detail {
    full,
    // What occupancy, the halls' counters and each person's history and
    // timeline are rebuilt from at start-up: seq, kind, hall_id, attendee_id,
    // dir, server_time, device_time, offline, clock_skew, result.admitted,
    // result.why, result.warning, moved, annulled and duplicate. Every other field is left empty. A
    // store may fill in more; reading fewer columns is what makes a
    // million-record start-up fast.
    movement,
};

class scan_store {
public:
    virtual ~scan_store() = default;

    // --- The scan log (writer) ---
    // Group commit: begin_batch(), any number of append(), commit_batch().
    // append() assigns and returns the record's seq. find_scan() sees records
    // appended in the open batch too. After a failed commit_batch() (it
    // throws), the batch is rolled back and nothing of it is stored.
    // A batch is exclusive: from begin_batch() to its end no other writer
    // (another server on the same PostgreSQL database, another process on the
    // SQLite file) appends, and everything they committed before is readable,
    // with seqs below this batch's. So a writer that reads the records after
    // the last seq it knows, just after begin_batch(), decides on the whole log.
    virtual void begin_batch() = 0;
    virtual std::int64_t append(const core::scan_record& record) = 0;
    virtual void commit_batch() = 0;
    virtual void rollback_batch() = 0;

    virtual std::optional<core::scan_record> find_scan(std::string_view scan_id) = 0;
    // find_scan() for many ids at once: the records found, in no particular
    // order. One round trip on a networked store; the default asks one by one.
    virtual std::vector<core::scan_record> find_scans(const std::vector<std::string>& scan_ids);

    // --- Reading the log ---
    // Every record with seq > after_seq, in seq order, streamed (not loaded at once).
    virtual void for_each_scan(
        const std::function<void(const core::scan_record&)>& visit,
        std::int64_t after_seq = 0,
        record_detail detail = record_detail::full
    ) = 0;
    // The records with these seqs, in seq order; a seq not in the log is
    // skipped. (A person's history: the engine knows their seqs, so the log
    // needs no index by attendee, whose random inserts cost a third of the
    // write throughput.)
    virtual std::vector<core::scan_record> scans_with_seqs(const std::vector<std::int64_t>& seqs) = 0;
    virtual std::int64_t scan_count() = 0;
    virtual std::int64_t last_seq() = 0;

    // Marks a scan annulled (kept in the log, skipped by rebuilds) and audits it.
    // False when no such scan. Bumps log_generation().
    virtual bool annul(std::string_view scan_id, const audit_entry& why) = 0;
    // Bumped by every change to records already in the log (annulments), so
    // that servers sharing the store know to rebuild occupancy from it.
    virtual std::int64_t log_generation() = 0;

    // --- The roster ---
    virtual std::vector<core::attendee> load_roster() = 0;
    // Inserts or updates all of them in one transaction: all or nothing.
    virtual void upsert_attendees(const std::vector<core::attendee>& people) = 0;
    // Bumped by every roster change, so a running server notices an import
    // made by the admin tool in another process.
    virtual std::int64_t roster_generation() = 0;

    // --- Audit ---
    virtual void add_audit(const audit_entry& entry) = 0;
    virtual std::vector<audit_entry> audit_log() = 0;

    // --- Staff credentials ---
    // Adds one; throws store_error when `name` already has a credential that
    // is not revoked, or the hash is already used.
    virtual void add_staff(const staff_credential& credential) = 0;
    // Revokes the name's current credential; false when it has none.
    virtual bool revoke_staff(std::string_view name, core::time_point at) = 0;
    // Every credential ever added, revoked ones too, by name then age.
    virtual std::vector<staff_credential> staff_list() = 0;

    // --- Backup ---
    // Writes a consistent copy of the whole store (scan log, roster, audit) to
    // `file`, as of the moment the call began, while other connections go on
    // writing: the copy reads one snapshot in small steps and never blocks a
    // writer (WAL). Works on a read-only store too, which is how the admin
    // tool calls it. The file appears only when complete (written beside it,
    // then renamed); an existing file is replaced. Throws store_error; returns
    // the number of scans in the copy.
    virtual std::int64_t backup_to(const std::filesystem::path& file) = 0;

    // --- Facts of the event, kept with its log ---
    // Numbers every server and the admin tool of one event must agree on (the
    // badge key's fingerprint, the rehearsal clock's origin: event_facts.hpp).
    // The value stored under `key`, if any.
    virtual std::optional<std::int64_t> event_fact(std::string_view key) = 0;
    // Stores `value` under `key` unless a value is there already (the first
    // writer wins, also between servers starting together), or always when
    // `replace`; returns the value stored now. Refused on a read-only store.
    virtual std::int64_t claim_event_fact(std::string_view key, std::int64_t value, bool replace) = 0;

    // --- Health ---
    // A cheap check that the store can be written now (PostgreSQL: a round
    // trip, reconnecting if the connection was lost; SQLite: the write lock
    // taken and released). Throws store_error saying why not. Never inside a batch.
    virtual void probe() = 0;
};

enum class open_mode { read_write, read_only };

// Opens (creating and migrating if needed) <data_dir>/admit.db.
// Throws store_error naming the file and what went wrong.
std::unique_ptr<scan_store> open_sqlite_store(
    const std::filesystem::path& data_dir,
    open_mode mode = open_mode::read_write,
    std::uintmax_t disk_reserve_bytes = 0
);

// Where an event's store lives: a SQLite file in the data directory (one
// server, the default), or a PostgreSQL database shared by several servers.
struct store_location {
    std::filesystem::path data_dir;  // SQLite: <data_dir>/admit.db
    std::string postgres_url;        // non-empty: this libpq connection string instead
    // SQLite, read-write: keep a file of this many bytes, <data_dir>/reserve.bin,
    // to delete when the disk is full (sqlite_store.hpp); 0: none. The server sets it.
    std::uintmax_t disk_reserve_bytes = 0;

    bool is_postgres() const { return !postgres_url.empty(); }
};

// Opens the store at `location`; PostgreSQL: connects and migrates (read-write).
std::unique_ptr<scan_store> open_store(
    const store_location& location,
    open_mode mode = open_mode::read_write
);

// The location for logs and messages, without any password.
std::string describe(const store_location& location);

// Wakes a server when another server sharing the store has committed scans
// or annulled one (PostgreSQL LISTEN/NOTIFY). A SQLite store has one writer,
// so it has no listener (open_change_listener returns nullptr).
// Thread safety: one thread (the listener's own).
class change_listener {
public:
    virtual ~change_listener() = default;
    // Waits up to `timeout`; true when the log may have changed meanwhile
    // (a notification, or a lost connection after which one may have been missed).
    virtual bool wait(std::chrono::milliseconds timeout) = 0;
};

std::unique_ptr<change_listener> open_change_listener(const store_location& location);

}  // namespace admit::store
