#include "store/schema.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>

#include <array>

#include "store/scan_store.hpp"

namespace admit::store {
namespace {

// Steps are only ever appended: a released step never changes, because a
// database that has applied it will not apply it again.
constexpr std::array migrations{
    // 1: the scan log, the roster, the audit sheet and meta.
    R"sql(
CREATE TABLE scans (
    seq               INTEGER PRIMARY KEY,
    scan_id           TEXT    NOT NULL UNIQUE,
    kind              TEXT    NOT NULL,
    station_id        TEXT    NOT NULL,
    hall_id           TEXT    NOT NULL,
    attendee_id       TEXT    NOT NULL,
    category          TEXT    NOT NULL,
    payload           TEXT    NOT NULL,
    direction         TEXT    NOT NULL,
    device_time_ms    INTEGER NOT NULL,
    server_time_ms    INTEGER NOT NULL,
    offline           INTEGER NOT NULL,
    shown_admitted    INTEGER,
    shown_reason      TEXT,
    shown_warning     INTEGER,
    shown_explanation TEXT,
    actor             TEXT    NOT NULL,
    note              TEXT    NOT NULL,
    admitted          INTEGER NOT NULL,
    reason            TEXT    NOT NULL,
    warning           INTEGER NOT NULL,
    explanation       TEXT    NOT NULL,
    moved_from        TEXT    NOT NULL,
    moved_to          TEXT    NOT NULL,
    moved             INTEGER NOT NULL,
    annulled          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX scans_by_attendee ON scans (attendee_id);
CREATE INDEX scans_by_hall_time ON scans (hall_id, server_time_ms);

CREATE TABLE attendees (
    id            TEXT    PRIMARY KEY CHECK (id <> ''),
    name          TEXT    NOT NULL,
    category      TEXT    NOT NULL,
    organisation  TEXT    NOT NULL,
    city          TEXT    NOT NULL,
    country       TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    badge_version INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL
);

CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at_ms   INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    note    TEXT    NOT NULL
);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value
);
)sql",
    // 2: no index by attendee: its inserts land on random pages, which cost a
    // third of the write throughput; the engine keeps each person's seqs.
    R"sql(
DROP INDEX IF EXISTS scans_by_attendee;
)sql",
    // 3: scans whose device time was too far from the server's (a wrong or
    // hostile kiosk clock): the device time is kept but never trusted.
    R"sql(
ALTER TABLE scans ADD COLUMN clock_skew INTEGER NOT NULL DEFAULT 0;
)sql",
    // 4: a second read of a badge within the duplicate window (same verdict,
    // changed nothing), and re-decisions of logged scans when a scan read
    // before them arrived late (kind 'redecision', naming the scan).
    R"sql(
ALTER TABLE scans ADD COLUMN duplicate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN redecides TEXT NOT NULL DEFAULT '';
)sql",
    // 5: help-desk staff, each with their own credential (only its hash),
    // revocable; a name has at most one credential in force. And the name in
    // Latin letters beside a Hangul one (roster column name_latin), for badges.
    R"sql(
CREATE TABLE staff (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL CHECK (name <> ''),
    token_hash TEXT    NOT NULL UNIQUE,
    added_ms   INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE UNIQUE INDEX staff_in_force ON staff (name) WHERE revoked_ms IS NULL;
ALTER TABLE attendees ADD COLUMN name_latin TEXT NOT NULL DEFAULT '';
)sql",
};

int user_version(SQLite::Database& db) {
    return db.execAndGet("PRAGMA user_version").getInt();
}

void refuse_newer(int found, const std::string& file) {
    if (found > schema_version()) {
        throw store_error(fmt::format(
            "cannot open {}: its schema version is {} but this admit knows only up to {}; "
            "use a newer admit with this data directory",
            file, found, schema_version()
        ));
    }
}

}  // namespace

int schema_version() { return static_cast<int>(migrations.size()); }

void migrate(SQLite::Database& db, const std::string& file) {
    refuse_newer(user_version(db), file);
    for (int step = 1; step <= schema_version(); ++step) {
        // IMMEDIATE, then re-read: another process may have migrated meanwhile.
        db.exec("BEGIN IMMEDIATE");
        try {
            const int found = user_version(db);
            refuse_newer(found, file);
            if (found < step) {
                db.exec(migrations[static_cast<std::size_t>(step - 1)]);
                db.exec(fmt::format("PRAGMA user_version = {}", step));
            }
            db.exec("COMMIT");
        } catch (...) {
            db.tryExec("ROLLBACK");
            throw;
        }
    }
}

void check_schema(SQLite::Database& db, const std::string& file) {
    const int found = user_version(db);
    refuse_newer(found, file);
    if (found < schema_version()) {
        throw store_error(fmt::format(
            "cannot open {} read-only: its schema version is {} but this admit needs {}; "
            "open it read-write once (start the server or the admin tool) to upgrade it",
            file, found, schema_version()
        ));
    }
}

}  // namespace admit::store
