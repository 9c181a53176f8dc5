#include "store/pg_store.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "store/record_codes.hpp"

namespace admit::store {
namespace {

// Every batch of every server takes this lock ("ad", 1): see pg_store.hpp.
constexpr const char* log_lock = "SELECT pg_advisory_xact_lock(24932, 1)";
constexpr const char* notify_channel = "admit_log";
// Rows fetched per round trip when streaming the log (a million at start-up).
constexpr int fetch_rows = 5000;
// What a batch needs to know as it starts, in the same round trip as BEGIN and the lock.
// Columns 0 and 1 are the generations; log_end_columns() follow.
constexpr const char* batch_start_sql =
    "SELECT coalesce((SELECT value FROM meta WHERE key = 'log_generation'), 0), "
    "coalesce((SELECT value FROM meta WHERE key = 'roster_generation'), 0), {}";
constexpr int batch_start_log_end = 2;

// Where the log ends now (its last seq and scan id) and which scan holds
// `seen_seq` (NULL when none does), for pg_store::notice_log_end. Index
// lookups on the primary key: cheap enough for every batch.
std::string log_end_columns(std::int64_t seen_seq) {
    return fmt::format(
        "coalesce((SELECT max(seq) FROM scans), 0), "
        "(SELECT scan_id FROM scans ORDER BY seq DESC LIMIT 1), "
        "(SELECT scan_id FROM scans WHERE seq = {})",
        seen_seq
    );
}

constexpr const char* copy_scans_sql =
    "COPY scans (seq, scan_id, kind, station_id, hall_id, attendee_id, category, payload, "
    "direction, device_time_ms, server_time_ms, offline, shown_admitted, shown_reason, "
    "shown_warning, shown_explanation, actor, note, admitted, reason, warning, explanation, "
    "moved_from, moved_to, moved, annulled, clock_skew, duplicate, redecides) FROM STDIN";

// PostgreSQL text cannot hold a NUL byte (SQLite can). A scan is never lost
// over it: the byte is stored as U+FFFD instead.
std::string without_nul(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\0') {
            out += "\xEF\xBF\xBD";
        } else {
            out += c;
        }
    }
    return out;
}

void copy_field(std::string& row, std::string_view text) {
    if (text.find('\0') != std::string_view::npos) {
        pg::append_copy_text(row, without_nul(text));
    } else {
        pg::append_copy_text(row, text);
    }
    row += '\t';
}

void copy_field(std::string& row, std::int64_t value) {
    row += std::to_string(value);
    row += '\t';
}

void copy_flag(std::string& row, bool value) { row += value ? "t\t" : "f\t"; }

void append_copy_row(std::string& rows, const core::scan_record& r) {
    copy_field(rows, r.seq);
    copy_field(rows, r.scan_id);
    copy_field(rows, kind_code(r.kind));
    copy_field(rows, r.station_id);
    copy_field(rows, r.hall_id);
    copy_field(rows, r.attendee_id);
    copy_field(rows, r.category);
    copy_field(rows, r.payload);
    copy_field(rows, direction_code(r.dir));
    copy_field(rows, to_ms(r.device_time));
    copy_field(rows, to_ms(r.server_time));
    copy_flag(rows, r.offline);
    if (r.shown) {
        copy_flag(rows, r.shown->admitted);
        copy_field(rows, reason_text(r.shown->why));
        copy_flag(rows, r.shown->warning);
        copy_field(rows, r.shown->explanation);
    } else {
        rows += "\\N\t\\N\t\\N\t\\N\t";
    }
    copy_field(rows, r.actor);
    copy_field(rows, r.note);
    copy_flag(rows, r.result.admitted);
    copy_field(rows, reason_text(r.result.why));
    copy_flag(rows, r.result.warning);
    copy_field(rows, r.result.explanation);
    copy_field(rows, r.moved ? std::string_view(r.moved->from_hall) : std::string_view());
    copy_field(rows, r.moved ? std::string_view(r.moved->to_hall) : std::string_view());
    copy_flag(rows, r.moved.has_value());
    copy_flag(rows, r.annulled);
    copy_flag(rows, r.clock_skew);
    copy_flag(rows, r.duplicate);
    copy_field(rows, r.redecides);
    rows.back() = '\n';
}

void decode_scan(const pg::result& row, int i, core::scan_record& r) {
    r.seq = row.int64(i, 0);
    r.scan_id.assign(row.text(i, 1));
    r.kind = decode_kind(row.text(i, 2), r.scan_id);
    r.station_id.assign(row.text(i, 3));
    r.hall_id.assign(row.text(i, 4));
    r.attendee_id.assign(row.text(i, 5));
    r.category.assign(row.text(i, 6));
    r.payload.assign(row.text(i, 7));
    r.dir = row.text(i, 8) == "exit" ? core::direction::exit : core::direction::entry;
    r.device_time = from_ms(row.int64(i, 9));
    r.server_time = from_ms(row.int64(i, 10));
    r.offline = row.boolean(i, 11);
    if (row.is_null(i, 12)) {
        r.shown.reset();
    } else {
        auto& shown = r.shown ? *r.shown : r.shown.emplace();
        shown.admitted = row.boolean(i, 12);
        shown.why = decode_reason(row.text(i, 13), r.scan_id);
        shown.warning = row.boolean(i, 14);
        shown.explanation.assign(row.text(i, 15));
    }
    r.actor.assign(row.text(i, 16));
    r.note.assign(row.text(i, 17));
    r.result.admitted = row.boolean(i, 18);
    r.result.why = decode_reason(row.text(i, 19), r.scan_id);
    r.result.warning = row.boolean(i, 20);
    r.result.explanation.assign(row.text(i, 21));
    if (!row.boolean(i, 24)) {
        r.moved.reset();
    } else {
        auto& moved = r.moved ? *r.moved : r.moved.emplace();
        moved.attendee_id = r.attendee_id;
        moved.from_hall.assign(row.text(i, 22));
        moved.to_hall.assign(row.text(i, 23));
    }
    r.annulled = row.boolean(i, 25);
    r.clock_skew = row.boolean(i, 26);
    r.duplicate = row.boolean(i, 27);
    r.redecides.assign(row.text(i, 28));
}

std::vector<core::scan_record> decode_all(const pg::result& rows) {
    std::vector<core::scan_record> out(static_cast<std::size_t>(rows.rows()));
    for (int i = 0; i < rows.rows(); ++i) decode_scan(rows, i, out[static_cast<std::size_t>(i)]);
    return out;
}

pg::params audit_params(const audit_entry& e) {
    return std::move(pg::params{}
                         .integer(to_ms(e.at))
                         .text(without_nul(e.actor))
                         .text(without_nul(e.action))
                         .text(without_nul(e.subject))
                         .text(without_nul(e.note)));
}

constexpr const char* insert_audit_sql =
    "INSERT INTO audit (at_ms, actor, action, subject, note) VALUES ($1, $2, $3, $4, $5)";

}  // namespace

pg_store::pg_store(const std::string& url, open_mode mode) : mode_(mode), db_(url) {
    migrate_postgres(db_, mode_);
    db_.on_connect([this](pg::connection& c) {
        if (mode_ == open_mode::read_only) {
            c.exec("open", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
        } else {
            // The writer only looks rows up by key. A prepared statement planned
            // while the table was nearly empty would otherwise keep reading the
            // whole table for every batch as the log grows (seen in benchmarks:
            // find_scans as a sequential scan, 0.2-0.5 s per batch).
            c.exec("open", "SET enable_seqscan = off");
        }
        c.prepare("find_scan", fmt::format("SELECT {} FROM scans WHERE scan_id = $1", scan_columns));
        c.prepare(
            "find_scans", fmt::format("SELECT {} FROM scans WHERE scan_id = ANY($1::text[])", scan_columns)
        );
        c.prepare(
            "scans_after", fmt::format("SELECT {} FROM scans WHERE seq > $1 ORDER BY seq LIMIT $2", scan_columns)
        );
    });
}

void pg_store::refuse_if_read_only(const char* operation) const {
    if (mode_ == open_mode::read_only) {
        throw store_error(fmt::format("cannot {} {}: this store was opened read-only", operation, db_.name()));
    }
}

void pg_store::reconnect_if_lost() {
    // Outside a transaction only: a lost connection lost the batch with it,
    // and the caller hears of that from the failing call.
    if (!in_batch_ && !db_.healthy()) db_.reconnect();
}

void pg_store::open_exclusive_transaction(const char* operation) {
    reconnect_if_lost();
    // One round trip: each statement still gets its own snapshot, so the last
    // one sees everything committed by whoever held the lock before.
    try {
        const auto r = db_.exec(
            operation,
            fmt::format("BEGIN; {}; {}", log_lock, fmt::format(batch_start_sql, log_end_columns(seen_seq_)))
        );
        batch_log_generation_ = r.int64(0, 0);
        batch_roster_generation_ = r.int64(0, 1);
        next_seq_ = notice_log_end(r, batch_start_log_end) + 1;
        generations_known_ = true;
    } catch (...) {
        end_transaction_quietly();
        throw;
    }
}

std::int64_t pg_store::notice_log_end(const pg::result& r, int column) {
    const auto last_seq = r.int64(0, column);
    // The scan this store saw last is gone, or another took its seq (the
    // log went back and grew again before this store looked): only a
    // database that lost commits does that, e.g. a promoted standby that had
    // not received them (asynchronous replication), or a restore.
    const bool went_back = seen_seq_ > 0 && (r.is_null(0, column + 2) || r.text(0, column + 2) != seen_scan_id_);
    if (went_back) {
        ++log_rewinds_;
        spdlog::error(
            "{}: scan {} (seq {}), committed before, is not in the database's log (which ends at seq "
            "{}): committed scans are missing (an asynchronous standby promoted without them, or a "
            "restore); occupancy is recomputed from what the database holds, and scans acknowledged "
            "but missing are lost unless kiosks still hold them (see deploy/OPERATIONS.md, section 8)",
            db_.name(), seen_scan_id_, seen_seq_, last_seq
        );
    }
    seen_seq_ = last_seq;
    seen_scan_id_ = last_seq > 0 ? std::string(r.text(0, column + 1)) : std::string();
    return last_seq;
}

void pg_store::remember_seen(std::int64_t seq, std::string_view scan_id) {
    if (seq <= seen_seq_) return;
    seen_seq_ = seq;
    seen_scan_id_.assign(scan_id);
}

void pg_store::end_transaction_quietly() {
    if (!db_.healthy()) return;
    try {
        db_.exec("roll back", "ROLLBACK");
    } catch (const store_error&) {
        // Nothing more to undo: the server ends the transaction with the session.
    }
}

template <class Work>
auto pg_store::in_write_transaction(const char* operation, Work&& work) {
    // Inside a batch the work joins it (and commits or rolls back with it).
    if (in_batch_) {
        send_pending(operation);
        return std::forward<Work>(work)();
    }
    open_exclusive_transaction(operation);
    try {
        auto result = std::forward<Work>(work)();
        db_.exec(operation, "COMMIT");
        return result;
    } catch (...) {
        end_transaction_quietly();
        throw;
    }
}

void pg_store::begin_batch() {
    refuse_if_read_only("begin a batch in");
    if (in_batch_) {
        throw store_error(fmt::format("cannot begin a batch in {}: one is already open", db_.name()));
    }
    open_exclusive_transaction("begin a batch in");
    in_batch_ = true;
    batch_appended_ = false;
    pending_.clear();
    pending_ids_.clear();
}

std::int64_t pg_store::append(const core::scan_record& record) {
    refuse_if_read_only("append a scan to");
    if (!in_batch_) {
        begin_batch();
        try {
            const auto seq = append(record);
            commit_batch();
            return seq;
        } catch (...) {
            rollback_batch();
            throw;
        }
    }
    if (pending_ids_.contains(record.scan_id)) {
        throw store_error(fmt::format(
            "cannot append a scan to {}: scan_id \"{}\" is already in this batch", db_.name(), record.scan_id
        ));
    }
    pending_.push_back(record);
    pending_.back().seq = next_seq_++;
    batch_last_seq_ = pending_.back().seq;
    batch_last_scan_id_ = without_nul(record.scan_id);  // as stored
    pending_ids_.emplace(record.scan_id, pending_.size() - 1);
    batch_appended_ = true;
    return pending_.back().seq;
}

void pg_store::send_pending(const char* operation) {
    if (pending_.empty()) return;
    std::string rows;
    rows.reserve(pending_.size() * 256);
    for (const auto& r : pending_) append_copy_row(rows, r);
    db_.copy_in(operation, copy_scans_sql, rows);
    pending_.clear();
    pending_ids_.clear();
}

void pg_store::commit_batch() {
    refuse_if_read_only("commit scans to");
    if (!in_batch_) {
        throw store_error(fmt::format("cannot commit scans to {}: no batch is open", db_.name()));
    }
    in_batch_ = false;
    generations_known_ = false;
    try {
        send_pending("commit scans to");
        // The notification is delivered with the commit, to every server's change_listener.
        const auto committed = db_.exec(
            "commit scans to",
            batch_appended_ ? fmt::format("SELECT pg_notify('{}', '{}'); COMMIT", notify_channel, next_seq_ - 1)
                            : std::string("COMMIT")
        );
        // A transaction that had failed would answer COMMIT with ROLLBACK.
        if (committed.command_status() != "COMMIT") {
            throw store_error(fmt::format(
                "cannot commit scans to {}: the transaction was rolled back ({})", db_.name(),
                committed.command_status()
            ));
        }
        if (batch_appended_) remember_seen(batch_last_seq_, batch_last_scan_id_);
    } catch (...) {
        pending_.clear();
        pending_ids_.clear();
        end_transaction_quietly();
        throw;
    }
}

void pg_store::rollback_batch() {
    if (!in_batch_) return;
    in_batch_ = false;
    generations_known_ = false;
    pending_.clear();
    pending_ids_.clear();
    end_transaction_quietly();
}

std::optional<core::scan_record> pg_store::find_scan(std::string_view scan_id) {
    if (auto it = pending_ids_.find(std::string(scan_id)); it != pending_ids_.end()) {
        return pending_[it->second];
    }
    reconnect_if_lost();
    const auto rows =
        db_.exec_prepared("find a scan in", "find_scan", pg::params{}.text(without_nul(scan_id)));
    if (rows.rows() == 0) return std::nullopt;
    core::scan_record r;
    decode_scan(rows, 0, r);
    return r;
}

std::vector<core::scan_record> pg_store::find_scans(const std::vector<std::string>& scan_ids) {
    std::vector<core::scan_record> found;
    std::vector<std::string> ask;
    for (const auto& id : scan_ids) {
        if (auto it = pending_ids_.find(id); it != pending_ids_.end()) {
            found.push_back(pending_[it->second]);
        } else {
            ask.push_back(without_nul(id));
        }
    }
    if (ask.empty()) return found;
    reconnect_if_lost();
    auto stored = decode_all(
        db_.exec_prepared("find scans in", "find_scans", pg::params{}.text(pg::array_literal(ask)))
    );
    found.insert(found.end(), std::make_move_iterator(stored.begin()), std::make_move_iterator(stored.end()));
    return found;
}

// Always reads whole records (record_detail::movement allows that): the
// round trips, not the columns, are what a networked store's replay costs.
void pg_store::for_each_scan(
    const std::function<void(const core::scan_record&)>& visit,
    std::int64_t after_seq,
    record_detail /*detail*/
) {
    const char* operation = "read scans from";
    reconnect_if_lost();
    if (in_batch_) send_pending(operation);
    // In seq order, a chunk per round trip (keyset: after the last seq seen), so
    // a million records never sit in memory and a visitor may use the store
    // between chunks. Chunks may come from different snapshots; that is safe
    // because seqs are committed in order (see pg_store.hpp): a chunk never
    // skips a record an earlier one could have missed.
    core::scan_record record;
    std::int64_t after = after_seq;
    for (;;) {
        const auto rows =
            db_.exec_prepared(operation, "scans_after", pg::params{}.integer(after).integer(fetch_rows));
        for (int i = 0; i < rows.rows(); ++i) {
            decode_scan(rows, i, record);
            after = record.seq;
            visit(record);
        }
        if (!in_batch_ && rows.rows() > 0) remember_seen(record.seq, record.scan_id);
        if (rows.rows() < fetch_rows) break;
    }
}

std::vector<core::scan_record> pg_store::scans_with_seqs(const std::vector<std::int64_t>& seqs) {
    if (seqs.empty()) return {};
    reconnect_if_lost();
    if (in_batch_) send_pending("read scans from");
    return decode_all(db_.exec(
        "read scans from",
        fmt::format("SELECT {} FROM scans WHERE seq = ANY($1::bigint[]) ORDER BY seq", scan_columns),
        pg::params{}.text(fmt::format("{{{}}}", fmt::join(seqs, ",")))
    ));
}

std::int64_t pg_store::scan_count() {
    reconnect_if_lost();
    if (in_batch_) send_pending("count scans in");
    return db_.exec("count scans in", "SELECT count(*) FROM scans").int64(0, 0);
}

std::int64_t pg_store::last_seq() {
    reconnect_if_lost();
    if (in_batch_) send_pending("read the last seq of");
    return db_.exec("read the last seq of", "SELECT coalesce(max(seq), 0) FROM scans").int64(0, 0);
}

bool pg_store::annul(std::string_view scan_id, const audit_entry& why) {
    refuse_if_read_only("annul a scan in");
    const char* operation = "annul a scan in";
    return in_write_transaction(operation, [&] {
        const auto changed = db_.exec(
            operation, "UPDATE scans SET annulled = true WHERE scan_id = $1 RETURNING seq",
            pg::params{}.text(without_nul(scan_id))
        );
        if (changed.rows() == 0) return false;
        generations_known_ = false;
        audit_entry entry = why;
        entry.action = entry.action.empty() ? "annul" : entry.action;
        entry.subject = std::string(scan_id);
        db_.exec(operation, insert_audit_sql, audit_params(entry));
        bump_meta_counter(operation, "log_generation");
        db_.exec(operation, "SELECT pg_notify($1, 'annul')", pg::params{}.text(notify_channel));
        return true;
    });
}

void pg_store::bump_meta_counter(const char* operation, const char* key) {
    db_.exec(
        operation,
        "INSERT INTO meta (key, value) VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET value = meta.value + 1",
        pg::params{}.text(key)
    );
}

std::int64_t pg_store::meta_counter(const char* operation, const char* key) {
    reconnect_if_lost();
    const auto rows = db_.exec(operation, "SELECT value FROM meta WHERE key = $1", pg::params{}.text(key));
    return rows.rows() == 0 ? 0 : rows.int64(0, 0);
}

std::int64_t pg_store::log_generation() {
    // Log rewinds count in the high bits: a log that went back must look
    // changed, so that the engine rebuilds occupancy from it.
    constexpr int rewind_shift = 32;
    if (in_batch_ && generations_known_) return batch_log_generation_ + (log_rewinds_ << rewind_shift);
    reconnect_if_lost();
    const auto r = db_.exec(
        "read the log generation of",
        fmt::format(
            "SELECT coalesce((SELECT value FROM meta WHERE key = 'log_generation'), 0), {}",
            log_end_columns(seen_seq_)
        )
    );
    if (!in_batch_) notice_log_end(r, 1);
    return r.int64(0, 0) + (log_rewinds_ << rewind_shift);
}

std::int64_t pg_store::roster_generation() {
    if (in_batch_ && generations_known_) return batch_roster_generation_;
    return meta_counter("read the roster generation of", "roster_generation");
}

std::vector<core::attendee> pg_store::load_roster() {
    reconnect_if_lost();
    const auto rows = db_.exec(
        "read the roster from",
        "SELECT id, name, category, organisation, city, country, email, badge_version, name_latin "
        "FROM attendees ORDER BY id COLLATE \"C\""
    );
    std::vector<core::attendee> out;
    out.reserve(static_cast<std::size_t>(rows.rows()));
    for (int i = 0; i < rows.rows(); ++i) {
        out.push_back(core::attendee{
            .id = std::string(rows.text(i, 0)),
            .name = std::string(rows.text(i, 1)),
            .category = std::string(rows.text(i, 2)),
            .organisation = std::string(rows.text(i, 3)),
            .city = std::string(rows.text(i, 4)),
            .country = std::string(rows.text(i, 5)),
            .email = std::string(rows.text(i, 6)),
            .badge_version = static_cast<std::uint32_t>(rows.int64(i, 7)),
            .name_latin = std::string(rows.text(i, 8)),
        });
    }
    return out;
}

void pg_store::upsert_attendees(const std::vector<core::attendee>& people) {
    refuse_if_read_only("import attendees into");
    const char* operation = "import attendees into";
    const auto now_ms = to_ms(std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    // Roster imports do not touch the scan log: a plain transaction, no log lock.
    auto work = [&] {
        for (const auto& p : people) {
            db_.exec(
                operation,
                "INSERT INTO attendees (id, name, category, organisation, city, country, email, "
                "badge_version, updated_ms, name_latin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                "ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_latin = excluded.name_latin, "
                "category = excluded.category, "
                "organisation = excluded.organisation, city = excluded.city, "
                "country = excluded.country, email = excluded.email, "
                "badge_version = greatest(attendees.badge_version, excluded.badge_version), "
                "updated_ms = excluded.updated_ms",
                pg::params{}
                    .text(without_nul(p.id))
                    .text(without_nul(p.name))
                    .text(without_nul(p.category))
                    .text(without_nul(p.organisation))
                    .text(without_nul(p.city))
                    .text(without_nul(p.country))
                    .text(without_nul(p.email))
                    .integer(p.badge_version)
                    .integer(now_ms)
                    .text(without_nul(p.name_latin))
            );
        }
        bump_meta_counter(operation, "roster_generation");
        generations_known_ = false;
    };
    if (in_batch_) {
        send_pending(operation);
        db_.exec(operation, "SAVEPOINT admit_import");
        try {
            work();
            db_.exec(operation, "RELEASE admit_import");
        } catch (...) {
            db_.exec(operation, "ROLLBACK TO admit_import");
            throw;
        }
        return;
    }
    reconnect_if_lost();
    db_.exec(operation, "BEGIN");
    try {
        work();
        db_.exec(operation, "COMMIT");
    } catch (...) {
        end_transaction_quietly();
        throw;
    }
}

void pg_store::add_audit(const audit_entry& entry) {
    refuse_if_read_only("write the audit sheet of");
    reconnect_if_lost();
    if (in_batch_) send_pending("write the audit sheet of");
    db_.exec("write the audit sheet of", insert_audit_sql, audit_params(entry));
}

std::vector<audit_entry> pg_store::audit_log() {
    reconnect_if_lost();
    const auto rows = db_.exec(
        "read the audit sheet of", "SELECT id, at_ms, actor, action, subject, note FROM audit ORDER BY id"
    );
    std::vector<audit_entry> out;
    for (int i = 0; i < rows.rows(); ++i) {
        out.push_back(audit_entry{
            .id = rows.int64(i, 0),
            .at = from_ms(rows.int64(i, 1)),
            .actor = std::string(rows.text(i, 2)),
            .action = std::string(rows.text(i, 3)),
            .subject = std::string(rows.text(i, 4)),
            .note = std::string(rows.text(i, 5)),
        });
    }
    return out;
}

void pg_store::add_staff(const staff_credential& credential) {
    refuse_if_read_only("add a staff credential to");
    const char* operation = "add a staff credential to";
    reconnect_if_lost();
    in_write_transaction(operation, [&] {
        const auto active = db_.exec(
            operation, "SELECT count(*) FROM staff WHERE name = $1 AND revoked_ms IS NULL",
            pg::params{}.text(without_nul(credential.name))
        );
        if (active.int64(0, 0) > 0) {
            throw store_error(fmt::format(
                "staff \"{}\" already has a credential; revoke it first (admit staff revoke)", credential.name
            ));
        }
        db_.exec(
            operation, "INSERT INTO staff (name, token_hash, added_ms) VALUES ($1, $2, $3)",
            pg::params{}.text(without_nul(credential.name)).text(credential.token_hash).integer(to_ms(credential.added))
        );
        return true;
    });
}

bool pg_store::revoke_staff(std::string_view name, core::time_point at) {
    refuse_if_read_only("revoke a staff credential in");
    const char* operation = "revoke a staff credential in";
    reconnect_if_lost();
    return in_write_transaction(operation, [&] {
        const auto changed = db_.exec(
            operation, "UPDATE staff SET revoked_ms = $1 WHERE name = $2 AND revoked_ms IS NULL RETURNING id",
            pg::params{}.integer(to_ms(at)).text(without_nul(name))
        );
        return changed.rows() > 0;
    });
}

std::vector<staff_credential> pg_store::staff_list() {
    reconnect_if_lost();
    const auto rows = db_.exec(
        "read the staff credentials of",
        "SELECT name, token_hash, added_ms, revoked_ms FROM staff ORDER BY name COLLATE \"C\", id"
    );
    std::vector<staff_credential> out;
    for (int i = 0; i < rows.rows(); ++i) {
        staff_credential c{std::string(rows.text(i, 0)), std::string(rows.text(i, 1)), from_ms(rows.int64(i, 2)),
                           std::nullopt};
        if (!rows.is_null(i, 3)) c.revoked = from_ms(rows.int64(i, 3));
        out.push_back(std::move(c));
    }
    return out;
}

std::int64_t pg_store::backup_to(const std::filesystem::path& file) {
    throw store_error(fmt::format(
        "cannot back up {} to {}: a PostgreSQL store is backed up with PostgreSQL's own tools "
        "(pg_dump, or pg_basebackup with WAL archiving); see deploy/OPERATIONS.md",
        db_.name(), file.string()
    ));
}

// --- LISTEN/NOTIFY ---

namespace {

class pg_change_listener final : public change_listener {
public:
    explicit pg_change_listener(const std::string& url) : db_(url) {
        db_.on_connect([](pg::connection& c) { c.exec("listen on", fmt::format("LISTEN {}", notify_channel)); });
    }

    bool wait(std::chrono::milliseconds timeout) override {
        if (!db_.healthy()) {
            try {
                db_.reconnect();
            } catch (const store_error&) {
                poll(nullptr, 0, static_cast<int>(timeout.count()));
                return false;
            }
            return true;  // notifications may have been missed while it was down
        }
        if (drain()) return true;
        pollfd fd{PQsocket(db_.raw()), POLLIN, 0};
        if (poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) return false;
        if (PQconsumeInput(db_.raw()) == 0) return true;  // lost: the next wait reconnects
        return drain();
    }

private:
    bool drain() {
        bool any = false;
        while (PGnotify* n = PQnotifies(db_.raw())) {
            any = true;
            PQfreemem(n);
        }
        return any;
    }

    pg::connection db_;
};

}  // namespace

std::unique_ptr<change_listener> open_postgres_listener(const std::string& url) {
    return std::make_unique<pg_change_listener>(url);
}

}  // namespace admit::store

namespace admit::store {

std::optional<std::int64_t> pg_store::event_fact(std::string_view key) {
    reconnect_if_lost();
    if (in_batch_) send_pending("read an event fact from");
    const auto rows = db_.exec(
        "read an event fact from", "SELECT value FROM meta WHERE key = $1", pg::params{}.text(key)
    );
    if (rows.rows() == 0) return std::nullopt;
    return rows.int64(0, 0);
}

std::int64_t pg_store::claim_event_fact(std::string_view key, std::int64_t value, bool replace) {
    refuse_if_read_only("store an event fact in");
    reconnect_if_lost();
    // One statement: of servers starting together, the first insert wins and
    // the others read its value.
    const auto rows = db_.exec(
        "store an event fact in",
        replace ? "INSERT INTO meta (key, value) VALUES ($1, $2) "
                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING value"
                : "WITH added AS (INSERT INTO meta (key, value) VALUES ($1, $2) "
                  "ON CONFLICT (key) DO NOTHING RETURNING value) "
                  "SELECT value FROM added UNION ALL SELECT value FROM meta WHERE key = $1",
        pg::params{}.text(key).integer(value)
    );
    if (rows.rows() > 0) return rows.int64(0, 0);
    // Another server's insert committed after this statement's snapshot: read it now.
    if (auto stored = event_fact(key)) return *stored;
    throw store_error(fmt::format("cannot store an event fact in {}: {} vanished", db_.name(), key));
}

void pg_store::probe() {
    if (in_batch_) throw std::logic_error("pg_store::probe inside a batch");
    reconnect_if_lost();
    db_.exec("check", "SELECT 1");
}

}  // namespace admit::store
