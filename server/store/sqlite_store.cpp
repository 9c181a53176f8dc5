#include "store/sqlite_store.hpp"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <system_error>
#include <utility>

#include "store/record_codes.hpp"
#include "store/schema.hpp"

namespace admit::store {
namespace {

constexpr int busy_timeout_ms = 5000;

bool is_disk_full(const SQLite::Exception& e) { return (e.getErrorCode() & 0xff) == SQLITE_FULL; }

constexpr const char* insert_scan_sql =
    "INSERT INTO scans (scan_id, kind, station_id, hall_id, attendee_id, category, payload, "
    "direction, device_time_ms, server_time_ms, offline, shown_admitted, shown_reason, "
    "shown_warning, shown_explanation, actor, note, admitted, reason, warning, explanation, "
    "moved_from, moved_to, moved, annulled, clock_skew, duplicate, redecides) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)";

// Resets a kept statement on every way out, so that it does not hold a read
// transaction open (which would pin an old snapshot and block checkpoints).
class statement_reset {
public:
    explicit statement_reset(SQLite::Statement& s) : statement_(s) {}
    statement_reset(const statement_reset&) = delete;
    statement_reset& operator=(const statement_reset&) = delete;
    ~statement_reset() { statement_.tryReset(); }

private:
    SQLite::Statement& statement_;
};

// One write transaction: BEGIN IMMEDIATE on its own, or a savepoint inside an
// open batch (so that it commits with the batch). Rolls back unless committed.
class write_scope {
public:
    write_scope(SQLite::Database& db, bool nested) : db_(db), nested_(nested) {
        db_.exec(nested_ ? "SAVEPOINT admit_write" : "BEGIN IMMEDIATE");
    }
    write_scope(const write_scope&) = delete;
    write_scope& operator=(const write_scope&) = delete;
    ~write_scope() {
        if (!done_) {
            db_.tryExec(nested_ ? "ROLLBACK TO admit_write; RELEASE admit_write" : "ROLLBACK");
        }
    }
    void commit() {
        db_.exec(nested_ ? "RELEASE admit_write" : "COMMIT");
        done_ = true;
    }

private:
    SQLite::Database& db_;
    bool nested_;
    bool done_ = false;
};

// The same for a raw statement; also drops the bindings, which point into
// strings that die with the call.
class raw_reset {
public:
    explicit raw_reset(sqlite3_stmt* s) : statement_(s) {}
    raw_reset(const raw_reset&) = delete;
    raw_reset& operator=(const raw_reset&) = delete;
    ~raw_reset() {
        sqlite3_reset(statement_);
        sqlite3_clear_bindings(statement_);
    }

private:
    sqlite3_stmt* statement_;
};

// Binds text that outlives the statement's execution (SQLITE_STATIC).
void bind_text(sqlite3_stmt* s, int index, std::string_view text) {
    const int rc = sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), nullptr);
    if (rc != SQLITE_OK) {
        throw SQLite::Exception(sqlite3_db_handle(s), rc);
    }
}

// Steps once: true with a row, false when done.
bool step(sqlite3_stmt* s) {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    throw SQLite::Exception(sqlite3_db_handle(s), rc);
}

// Assigns into `out`, reusing its capacity: replaying the log decodes into
// one record over and over instead of allocating every string of every row.
void read_text(sqlite3_stmt* s, int column, std::string& out) {
    const auto* text = sqlite3_column_text(s, column);
    if (text == nullptr) {
        out.clear();
        return;
    }
    out.assign(reinterpret_cast<const char*>(text),
               static_cast<std::size_t>(sqlite3_column_bytes(s, column)));
}

std::string_view view_of(sqlite3_stmt* s, int column) {
    const auto* text = sqlite3_column_text(s, column);
    if (text == nullptr) {
        return {};
    }
    return {reinterpret_cast<const char*>(text),
            static_cast<std::size_t>(sqlite3_column_bytes(s, column))};
}

bool flag_of(sqlite3_stmt* s, int column) { return sqlite3_column_int(s, column) != 0; }

// r.moved from the moved flag and the from/to hall columns, after r.attendee_id:
// a record only ever moves its own attendee (clear_hall writes one record per person).
void read_movement(
    sqlite3_stmt* row, int flag_column, int from_column, int to_column, core::scan_record& r
) {
    if (!flag_of(row, flag_column)) {
        r.moved.reset();
        return;
    }
    auto& moved = r.moved ? *r.moved : r.moved.emplace();
    moved.attendee_id = r.attendee_id;
    read_text(row, from_column, moved.from_hall);
    read_text(row, to_column, moved.to_hall);
}

// Lean on purpose: for_each_scan decodes a million of these at start-up,
// into the same record (see read_text).
void decode_scan(sqlite3_stmt* row, core::scan_record& r) {
    r.seq = sqlite3_column_int64(row, 0);
    read_text(row, 1, r.scan_id);
    r.kind = decode_kind(view_of(row, 2), r.scan_id);
    read_text(row, 3, r.station_id);
    read_text(row, 4, r.hall_id);
    read_text(row, 5, r.attendee_id);
    read_text(row, 6, r.category);
    read_text(row, 7, r.payload);
    r.dir = view_of(row, 8) == "exit" ? core::direction::exit : core::direction::entry;
    r.device_time = from_ms(sqlite3_column_int64(row, 9));
    r.server_time = from_ms(sqlite3_column_int64(row, 10));
    r.offline = flag_of(row, 11);
    if (sqlite3_column_type(row, 12) == SQLITE_NULL) {
        r.shown.reset();
    } else {
        auto& shown = r.shown ? *r.shown : r.shown.emplace();
        shown.admitted = flag_of(row, 12);
        shown.why = decode_reason(view_of(row, 13), r.scan_id);
        shown.warning = flag_of(row, 14);
        read_text(row, 15, shown.explanation);
    }
    read_text(row, 16, r.actor);
    read_text(row, 17, r.note);
    r.result.admitted = flag_of(row, 18);
    r.result.why = decode_reason(view_of(row, 19), r.scan_id);
    r.result.warning = flag_of(row, 20);
    read_text(row, 21, r.result.explanation);
    read_movement(row, 24, 22, 23, r);
    r.annulled = flag_of(row, 25);
    r.clock_skew = flag_of(row, 26);
    r.duplicate = flag_of(row, 27);
    read_text(row, 28, r.redecides);
}

// The record_detail::movement subset (movement_columns), into the same
// record. The fields it does not read are never written: they keep the
// defaults of the record the replay starts with.
void decode_movement(sqlite3_stmt* row, core::scan_record& r) {
    r.seq = sqlite3_column_int64(row, 0);
    const auto kind = view_of(row, 1);
    if (const auto k = kind_from_code(kind)) {
        r.kind = *k;
    } else {
        throw store_error(
            fmt::format("the scan at seq {} has an unknown kind \"{}\"", r.seq, kind)
        );
    }
    read_text(row, 2, r.hall_id);
    read_text(row, 3, r.attendee_id);
    r.dir = view_of(row, 4) == "exit" ? core::direction::exit : core::direction::entry;
    r.server_time = from_ms(sqlite3_column_int64(row, 5));
    r.result.admitted = flag_of(row, 6);
    read_movement(row, 9, 7, 8, r);
    r.annulled = flag_of(row, 10);
    r.duplicate = flag_of(row, 11);
    // The read time and the verdict's reason: each person's timeline (core/timeline.hpp).
    r.device_time = from_ms(sqlite3_column_int64(row, 12));
    r.offline = flag_of(row, 13);
    r.clock_skew = flag_of(row, 14);
    if (const auto why = core::reason_from_code(view_of(row, 15))) {
        r.result.why = *why;
    } else {
        throw store_error(fmt::format("the scan at seq {} has an unknown reason \"{}\"", r.seq, view_of(row, 15)));
    }
    r.result.warning = flag_of(row, 16);
}

core::scan_record decode_scan(sqlite3_stmt* row) {
    core::scan_record r;
    decode_scan(row, r);
    return r;
}

audit_entry decode_audit(const SQLite::Statement& row) {
    return audit_entry{
        .id = row.getColumn(0).getInt64(),
        .at = from_ms(row.getColumn(1).getInt64()),
        .actor = row.getColumn(2).getString(),
        .action = row.getColumn(3).getString(),
        .subject = row.getColumn(4).getString(),
        .note = row.getColumn(5).getString(),
    };
}

std::string db_file(const std::filesystem::path& data_dir, open_mode mode) {
    const auto file = data_dir / "admit.db";
    std::error_code ec;
    if (mode == open_mode::read_only) {
        // Read-only never creates anything, so a missing file is an error here.
        if (!std::filesystem::exists(file, ec)) {
            throw store_error(fmt::format(
                "cannot open {} read-only: no such file; start the server (or the admin tool) "
                "once with this data directory to create it",
                file.string()
            ));
        }
        return file.string();
    }
    std::filesystem::create_directories(data_dir, ec);
    if (ec) {
        throw store_error(fmt::format(
            "cannot create data directory {}: {}", data_dir.string(), ec.message()
        ));
    }
    return file.string();
}

SQLite::Database open_database(const std::string& file, open_mode mode) {
    try {
        const int flags = mode == open_mode::read_only
                              ? SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX
                              : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX;
        SQLite::Database db(file, flags, busy_timeout_ms);
        db.exec("PRAGMA foreign_keys = ON");
        if (mode == open_mode::read_only) {
            check_schema(db, file);
            return db;
        }
        // WAL lets readers (dashboards, the admin tool) run beside the writer.
        const std::string journal = db.execAndGet("PRAGMA journal_mode = WAL").getString();
        if (journal != "wal") {
            throw store_error(fmt::format(
                "cannot open {}: it refused WAL journaling (journal mode is {})", file, journal
            ));
        }
        // A verdict is acknowledged only after its commit; group commit keeps FULL cheap.
        db.exec("PRAGMA synchronous = FULL");
        // The writer looks up every scan id it is sent: keep the index in memory
        // (64 MiB of page cache, and reads through mmap instead of pread copies).
        db.exec("PRAGMA cache_size = -65536");
        db.exec("PRAGMA mmap_size = 268435456");
        // Checkpoint (copy the WAL into the database file) every 10,000 WAL pages
        // (40 MiB), not SQLite's 1,000: the index pages every group commit
        // touches are then copied once per checkpoint rather than ten times.
        // 8 % more scans/s a scan per frame (BENCHMARKS.md section 1).
        db.exec("PRAGMA wal_autocheckpoint = 10000");
        migrate(db, file);
        return db;
    } catch (const SQLite::Exception& e) {
        throw store_error(fmt::format("cannot open {}: {}", file, e.what()));
    }
}

}  // namespace

void statement_finalizer::operator()(sqlite3_stmt* statement) const noexcept {
    sqlite3_finalize(statement);
}

template <class Work>
auto sqlite_store::guarded(const char* operation, Work&& work) {
    try {
        return std::forward<Work>(work)();
    } catch (const SQLite::Exception& e) {
        disk_full_ = disk_full_ || is_disk_full(e);
        throw store_error(fmt::format("cannot {} {}: {}", operation, file_, e.what()));
    }
}

sqlite_store::sqlite_store(const std::filesystem::path& data_dir, open_mode mode, std::uintmax_t disk_reserve_bytes)
    : file_(db_file(data_dir, mode)),
      mode_(mode),
      db_(open_database(file_, mode)),
      reserve_(data_dir / "reserve.bin", mode == open_mode::read_write ? disk_reserve_bytes : 0) {
    guarded("prepare statements for", [&] {
        if (mode_ == open_mode::read_write) {
            insert_scan_.emplace(db_, insert_scan_sql);
        }
        find_scan_ =
            prepare_raw(fmt::format("SELECT {} FROM scans WHERE scan_id = ?", scan_columns));
    });
    if (disk_reserve_bytes > 0 && mode_ == open_mode::read_write && !reserve_.ensure()) {
        spdlog::warn("{}: no room for the {} MiB reserve file {}; a full disk will stop scans until space is "
                     "freed by hand; free space in {}",
                     file_, disk_reserve_bytes >> 20, reserve_.file().string(), data_dir.string());
    }
}

raw_statement sqlite_store::prepare_raw(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    const int rc = sqlite3_prepare_v2(db_.getHandle(), sql.c_str(), -1, &statement, nullptr);
    raw_statement owned(statement);
    if (rc != SQLITE_OK) {
        throw SQLite::Exception(db_.getHandle(), rc);
    }
    return owned;
}

void sqlite_store::refuse_if_read_only(const char* operation) const {
    if (mode_ == open_mode::read_only) {
        throw store_error(fmt::format(
            "cannot {} {}: this store was opened read-only", operation, file_
        ));
    }
}

void sqlite_store::begin_batch() {
    refuse_if_read_only("begin a batch in");
    if (in_batch_) {
        throw store_error(fmt::format("cannot begin a batch in {}: one is already open", file_));
    }
    // A write outside a batch (an annulment, a roster import) found the disk full.
    if (disk_full_) recover_from_full_disk();
    // IMMEDIATE takes the write lock now, waiting up to the busy timeout,
    // rather than failing half-way through the batch.
    guarded("begin a batch in", [&] { db_.exec("BEGIN IMMEDIATE"); });
    in_batch_ = true;
}

std::int64_t sqlite_store::append(const core::scan_record& r) {
    refuse_if_read_only("append a scan to");
    return guarded("append a scan to", [&] {
        auto& s = *insert_scan_;
        statement_reset reset(s);
        // The record outlives the statement's execution, so bind without copying.
        s.bindNoCopy(1, r.scan_id);
        s.bindNoCopy(2, kind_code(r.kind));
        s.bindNoCopy(3, r.station_id);
        s.bindNoCopy(4, r.hall_id);
        s.bindNoCopy(5, r.attendee_id);
        s.bindNoCopy(6, r.category);
        s.bindNoCopy(7, r.payload);
        s.bindNoCopy(8, direction_code(r.dir));
        s.bind(9, to_ms(r.device_time));
        s.bind(10, to_ms(r.server_time));
        s.bind(11, r.offline ? 1 : 0);
        if (r.shown) {
            s.bind(12, r.shown->admitted ? 1 : 0);
            s.bindNoCopy(13, reason_text(r.shown->why));
            s.bind(14, r.shown->warning ? 1 : 0);
            s.bindNoCopy(15, r.shown->explanation);
        } else {
            s.bind(12);
            s.bind(13);
            s.bind(14);
            s.bind(15);
        }
        s.bindNoCopy(16, r.actor);
        s.bindNoCopy(17, r.note);
        s.bind(18, r.result.admitted ? 1 : 0);
        s.bindNoCopy(19, reason_text(r.result.why));
        s.bind(20, r.result.warning ? 1 : 0);
        s.bindNoCopy(21, r.result.explanation);
        static const std::string none;
        s.bindNoCopy(22, r.moved ? r.moved->from_hall : none);
        s.bindNoCopy(23, r.moved ? r.moved->to_hall : none);
        s.bind(24, r.moved ? 1 : 0);
        s.bind(25, r.annulled ? 1 : 0);
        s.bind(26, r.clock_skew ? 1 : 0);
        s.bind(27, r.duplicate ? 1 : 0);
        s.bindNoCopy(28, r.redecides);
        s.exec();
        return db_.getLastInsertRowid();
    });
}

void sqlite_store::commit_batch() {
    refuse_if_read_only("commit scans to");
    if (!in_batch_) {
        throw store_error(fmt::format("cannot commit scans to {}: no batch is open", file_));
    }
    in_batch_ = false;
    try {
        db_.exec("COMMIT");
    } catch (const SQLite::Exception& e) {
        // SQLite may already have rolled back (disk full, I/O error); make
        // sure, so that the next batch starts clean.
        db_.tryExec("ROLLBACK");
        std::string why = e.what();
        if (disk_full_ || is_disk_full(e)) why += "; " + recover_from_full_disk();
        throw store_error(fmt::format("cannot commit scans to {}: {}", file_, why));
    }
    // Disk space came back after a full disk: hold some back again (a statvfs
    // per commit only while the reserve is missing).
    if (!reserve_.held()) reserve_.ensure();
}

// The WAL only grows until a checkpoint copies it into the database file and
// starts it over, so space freed on a full disk used to last a few commits.
// The reserve's space lets the checkpoint itself write; TRUNCATE then gives
// the WAL's space back. Outside any transaction (a checkpoint needs that).
std::string sqlite_store::recover_from_full_disk() {
    disk_full_ = false;
    const auto freed = reserve_.release();
    int wal_pages = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db_.getHandle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &wal_pages, &copied);
    std::string done = freed > 0 ? fmt::format("deleted the reserve file {} ({} MiB)", reserve_.file().string(), freed >> 20)
                                 : std::string("no reserve file left to delete");
    done += rc == SQLITE_OK ? fmt::format(" and emptied the WAL ({} pages copied into the database)", copied)
                            : fmt::format("; could not empty the WAL: {}", sqlite3_errstr(rc));
    spdlog::error("{}: THE DISK IS FULL: {}; free space on this disk now (df -h {})", file_, done,
                  reserve_.file().parent_path().string());
    return "the disk is full: " + done;
}

void sqlite_store::rollback_batch() {
    if (!in_batch_) {
        return;
    }
    in_batch_ = false;
    guarded("roll back a batch in", [&] { db_.exec("ROLLBACK"); });
    if (disk_full_) recover_from_full_disk();  // an append found the disk full
}

std::optional<core::scan_record> sqlite_store::find_scan(std::string_view scan_id) {
    return guarded("find a scan in", [&]() -> std::optional<core::scan_record> {
        sqlite3_stmt* s = find_scan_.get();
        raw_reset reset(s);
        bind_text(s, 1, scan_id);
        if (!step(s)) {
            return std::nullopt;
        }
        return decode_scan(s);
    });
}

void sqlite_store::for_each_scan(
    const std::function<void(const core::scan_record&)>& visit,
    std::int64_t after_seq,
    record_detail detail
) {
    guarded("read scans from", [&] {
        const bool full = detail == record_detail::full;
        // Prepared per call: a visitor may itself read the store.
        const auto* columns = full ? scan_columns : movement_columns;
        const auto s =
            prepare_raw(fmt::format("SELECT {} FROM scans WHERE seq > ? ORDER BY seq", columns));
        sqlite3_bind_int64(s.get(), 1, after_seq);
        core::scan_record record;
        while (step(s.get())) {
            if (full) {
                decode_scan(s.get(), record);
            } else {
                decode_movement(s.get(), record);
            }
            visit(record);
        }
    });
}

std::vector<core::scan_record> sqlite_store::scans_with_seqs(const std::vector<std::int64_t>& seqs) {
    return guarded("read scans from", [&] {
        const auto s = prepare_raw(fmt::format("SELECT {} FROM scans WHERE seq = ?", scan_columns));
        auto ordered = seqs;
        std::sort(ordered.begin(), ordered.end());
        ordered.erase(std::unique(ordered.begin(), ordered.end()), ordered.end());
        std::vector<core::scan_record> out;
        out.reserve(ordered.size());
        for (const auto seq : ordered) {
            sqlite3_reset(s.get());
            sqlite3_bind_int64(s.get(), 1, seq);
            if (step(s.get())) out.push_back(decode_scan(s.get()));
        }
        return out;
    });
}

std::int64_t sqlite_store::scan_count() {
    return guarded("count scans in", [&] {
        return db_.execAndGet("SELECT count(*) FROM scans").getInt64();
    });
}

std::int64_t sqlite_store::last_seq() {
    return guarded("read the last seq of", [&] {
        return db_.execAndGet("SELECT coalesce(max(seq), 0) FROM scans").getInt64();
    });
}

bool sqlite_store::annul(std::string_view scan_id, const audit_entry& why) {
    refuse_if_read_only("annul a scan in");
    return guarded("annul a scan in", [&] {
        write_scope tx(db_, in_batch_);
        SQLite::Statement s(db_, "UPDATE scans SET annulled = 1 WHERE scan_id = ?");
        s.bind(1, std::string(scan_id));
        if (s.exec() == 0) {
            return false;
        }
        audit_entry entry = why;
        entry.action = entry.action.empty() ? "annul" : entry.action;
        entry.subject = std::string(scan_id);
        insert_audit(entry);
        bump_meta_counter("log_generation");
        tx.commit();
        return true;
    });
}

std::vector<core::attendee> sqlite_store::load_roster() {
    return guarded("read the roster from", [&] {
        SQLite::Statement s(
            db_,
            "SELECT id, name, category, organisation, city, country, email, badge_version, name_latin "
            "FROM attendees ORDER BY id"
        );
        std::vector<core::attendee> out;
        while (s.executeStep()) {
            out.push_back(core::attendee{
                .id = s.getColumn(0).getString(),
                .name = s.getColumn(1).getString(),
                .category = s.getColumn(2).getString(),
                .organisation = s.getColumn(3).getString(),
                .city = s.getColumn(4).getString(),
                .country = s.getColumn(5).getString(),
                .email = s.getColumn(6).getString(),
                .badge_version = s.getColumn(7).getUInt(),
                .name_latin = s.getColumn(8).getString(),
            });
        }
        return out;
    });
}

void sqlite_store::upsert_attendees(const std::vector<core::attendee>& people) {
    refuse_if_read_only("import attendees into");
    guarded("import attendees into", [&] {
        const auto now_ms = to_ms(std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now()
        ));
        write_scope tx(db_, in_batch_);
        // badge_version only grows: re-importing an old roster never un-revokes a badge.
        SQLite::Statement s(
            db_,
            "INSERT INTO attendees (id, name, category, organisation, city, country, email, "
            "badge_version, updated_ms, name_latin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_latin = excluded.name_latin, "
            "category = excluded.category, "
            "organisation = excluded.organisation, city = excluded.city, "
            "country = excluded.country, email = excluded.email, "
            "badge_version = max(badge_version, excluded.badge_version), "
            "updated_ms = excluded.updated_ms"
        );
        for (const auto& p : people) {
            statement_reset reset(s);
            s.bindNoCopy(1, p.id);
            s.bindNoCopy(2, p.name);
            s.bindNoCopy(3, p.category);
            s.bindNoCopy(4, p.organisation);
            s.bindNoCopy(5, p.city);
            s.bindNoCopy(6, p.country);
            s.bindNoCopy(7, p.email);
            s.bind(8, p.badge_version);
            s.bind(9, now_ms);
            s.bindNoCopy(10, p.name_latin);
            s.exec();
        }
        bump_meta_counter("roster_generation");
        tx.commit();
    });
}

void sqlite_store::bump_meta_counter(const char* key) {
    SQLite::Statement s(
        db_,
        "INSERT INTO meta (key, value) VALUES (?, 1) "
        "ON CONFLICT (key) DO UPDATE SET value = value + 1"
    );
    s.bind(1, key);
    s.exec();
}

std::int64_t sqlite_store::meta_counter(const char* key) {
    SQLite::Statement s(db_, "SELECT value FROM meta WHERE key = ?");
    s.bind(1, key);
    return s.executeStep() ? s.getColumn(0).getInt64() : std::int64_t{0};
}

std::int64_t sqlite_store::roster_generation() {
    return guarded("read the roster generation of", [&] { return meta_counter("roster_generation"); });
}

std::int64_t sqlite_store::log_generation() {
    return guarded("read the log generation of", [&] { return meta_counter("log_generation"); });
}

void sqlite_store::insert_audit(const audit_entry& e) {
    SQLite::Statement s(
        db_, "INSERT INTO audit (at_ms, actor, action, subject, note) VALUES (?, ?, ?, ?, ?)"
    );
    s.bind(1, to_ms(e.at));
    s.bindNoCopy(2, e.actor);
    s.bindNoCopy(3, e.action);
    s.bindNoCopy(4, e.subject);
    s.bindNoCopy(5, e.note);
    s.exec();
}

void sqlite_store::add_audit(const audit_entry& entry) {
    refuse_if_read_only("write the audit sheet of");
    guarded("write the audit sheet of", [&] { insert_audit(entry); });
}

std::vector<audit_entry> sqlite_store::audit_log() {
    return guarded("read the audit sheet of", [&] {
        SQLite::Statement s(
            db_, "SELECT id, at_ms, actor, action, subject, note FROM audit ORDER BY id"
        );
        std::vector<audit_entry> out;
        while (s.executeStep()) {
            out.push_back(decode_audit(s));
        }
        return out;
    });
}

void sqlite_store::add_staff(const staff_credential& credential) {
    refuse_if_read_only("add a staff credential to");
    guarded("add a staff credential to", [&] {
        write_scope tx(db_, in_batch_);
        SQLite::Statement active(db_, "SELECT count(*) FROM staff WHERE name = ? AND revoked_ms IS NULL");
        active.bindNoCopy(1, credential.name);
        if (active.executeStep() && active.getColumn(0).getInt64() > 0) {
            throw store_error(fmt::format(
                "staff \"{}\" already has a credential; revoke it first (admit staff revoke)", credential.name
            ));
        }
        SQLite::Statement s(db_, "INSERT INTO staff (name, token_hash, added_ms) VALUES (?, ?, ?)");
        s.bindNoCopy(1, credential.name);
        s.bindNoCopy(2, credential.token_hash);
        s.bind(3, to_ms(credential.added));
        s.exec();
        tx.commit();
    });
}

bool sqlite_store::revoke_staff(std::string_view name, core::time_point at) {
    refuse_if_read_only("revoke a staff credential in");
    return guarded("revoke a staff credential in", [&] {
        SQLite::Statement s(db_, "UPDATE staff SET revoked_ms = ? WHERE name = ? AND revoked_ms IS NULL");
        s.bind(1, to_ms(at));
        s.bind(2, std::string(name));
        return s.exec() > 0;
    });
}

std::vector<staff_credential> sqlite_store::staff_list() {
    return guarded("read the staff credentials of", [&] {
        SQLite::Statement s(db_, "SELECT name, token_hash, added_ms, revoked_ms FROM staff ORDER BY name, id");
        std::vector<staff_credential> out;
        while (s.executeStep()) {
            staff_credential c{s.getColumn(0).getString(), s.getColumn(1).getString(),
                               from_ms(s.getColumn(2).getInt64()), std::nullopt};
            if (!s.getColumn(3).isNull()) c.revoked = from_ms(s.getColumn(3).getInt64());
            out.push_back(std::move(c));
        }
        return out;
    });
}

namespace {

// A plain SQLite connection for the destination of a backup.
struct connection_closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using raw_connection = std::unique_ptr<sqlite3, connection_closer>;

}  // namespace

std::int64_t sqlite_store::backup_to(const std::filesystem::path& file) {
    if (in_batch_) {
        throw store_error(fmt::format(
            "cannot back up {}: a batch is open on this connection; commit it first", file_
        ));
    }
    // Pages per step: small, so each step is short and the copy yields often.
    constexpr int pages_per_step = 64;
    const auto partial = std::filesystem::path(file.string() + ".partial");
    std::error_code ec;
    std::filesystem::remove(partial, ec);
    return guarded("back up", [&]() -> std::int64_t {
        // A read transaction held across every step pins one WAL snapshot:
        // the copy is consistent as of now, commits made meanwhile by the
        // server do not restart it, and a reader never blocks a WAL writer.
        db_.exec("BEGIN");
        struct end_read {
            SQLite::Database& db;
            ~end_read() { db.tryExec("ROLLBACK"); }
        } ending{db_};
        const std::int64_t scans = db_.execAndGet("SELECT count(*) FROM scans").getInt64();

        sqlite3* opened = nullptr;
        int rc = sqlite3_open_v2(
            partial.c_str(), &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr
        );
        raw_connection dest(opened);
        if (rc != SQLITE_OK) {
            throw store_error(fmt::format(
                "cannot back up {}: cannot create {}: {}", file_, partial.string(),
                opened ? sqlite3_errmsg(opened) : sqlite3_errstr(rc)
            ));
        }
        sqlite3_backup* backup = sqlite3_backup_init(dest.get(), "main", db_.getHandle(), "main");
        if (backup == nullptr) {
            throw store_error(fmt::format(
                "cannot back up {} to {}: {}", file_, partial.string(), sqlite3_errmsg(dest.get())
            ));
        }
        int busy_rounds = 0;
        do {
            rc = sqlite3_backup_step(backup, pages_per_step);
            if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
                // Only the destination can be busy (nobody else has it); bounded anyway.
                if (++busy_rounds > 1000) break;
                sqlite3_sleep(5);
            }
        } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
        sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE) {
            const std::string why = sqlite3_errstr(rc);
            dest.reset();
            std::filesystem::remove(partial, ec);
            throw store_error(fmt::format(
                "cannot back up {} to {}: {}", file_, partial.string(), why
            ));
        }
        // The copy is a self-contained file: fold its journal into it and
        // make it durable before it takes its name.
        sqlite3_exec(dest.get(), "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr);
        dest.reset();
        std::filesystem::rename(partial, file, ec);
        if (ec) {
            throw store_error(fmt::format(
                "cannot back up {}: cannot rename {} to {}: {}", file_, partial.string(),
                file.string(), ec.message()
            ));
        }
        return scans;
    });
}

std::unique_ptr<scan_store> open_sqlite_store(
    const std::filesystem::path& data_dir,
    open_mode mode,
    std::uintmax_t disk_reserve_bytes
) {
    return std::make_unique<sqlite_store>(data_dir, mode, disk_reserve_bytes);
}

}  // namespace admit::store

namespace admit::store {

std::optional<std::int64_t> sqlite_store::event_fact(std::string_view key) {
    return guarded("read an event fact from", [&]() -> std::optional<std::int64_t> {
        SQLite::Statement s(db_, "SELECT value FROM meta WHERE key = ?");
        s.bind(1, std::string(key));
        if (!s.executeStep()) return std::nullopt;
        return s.getColumn(0).getInt64();
    });
}

std::int64_t sqlite_store::claim_event_fact(std::string_view key, std::int64_t value, bool replace) {
    refuse_if_read_only("store an event fact in");
    return guarded("store an event fact in", [&] {
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement s(
            db_, replace ? "INSERT INTO meta (key, value) VALUES (?, ?) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                         : "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"
        );
        s.bind(1, std::string(key));
        s.bind(2, value);
        s.exec();
        SQLite::Statement read(db_, "SELECT value FROM meta WHERE key = ?");
        read.bind(1, std::string(key));
        read.executeStep();
        const auto stored = read.getColumn(0).getInt64();
        tx.commit();
        return stored;
    });
}

void sqlite_store::probe() {
    if (in_batch_) throw std::logic_error("sqlite_store::probe inside a batch");
    if (mode_ == open_mode::read_only) {
        guarded("read", [&] { meta_counter("log_generation"); });
        return;
    }
    if (disk_full_) recover_from_full_disk();
    // A real write (one row, fsynced): what fails a commit (a full disk, a
    // read-only file system, a file size limit) fails this too. Only run
    // while no scan reaches the store, so it costs nothing under load.
    guarded("write a health probe to", [&] {
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement s(
            db_, "INSERT INTO meta (key, value) VALUES ('health_probe', ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        );
        s.bind(1, static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch()
        )
                                                 .count()));
        s.exec();
        tx.commit();
    });
    if (!reserve_.held()) reserve_.ensure();
}

}  // namespace admit::store
