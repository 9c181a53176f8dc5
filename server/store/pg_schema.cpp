// The PostgreSQL schema as numbered migration steps, like the SQLite ones
// (schema.cpp): steps are only ever appended, and a database records the
// last step it applied in admit_schema.
#include <fmt/format.h>

#include <array>

#include "store/pg_store.hpp"

namespace admit::store {
namespace {

constexpr std::array migrations{
    // 1: the scan log, the roster, the audit sheet and meta counters.
    R"sql(
CREATE TABLE scans (
    seq               bigint  PRIMARY KEY,
    scan_id           text    NOT NULL UNIQUE,
    kind              text    NOT NULL,
    station_id        text    NOT NULL,
    hall_id           text    NOT NULL,
    attendee_id       text    NOT NULL,
    category          text    NOT NULL,
    payload           text    NOT NULL,
    direction         text    NOT NULL,
    device_time_ms    bigint  NOT NULL,
    server_time_ms    bigint  NOT NULL,
    offline           boolean NOT NULL,
    shown_admitted    boolean,
    shown_reason      text,
    shown_warning     boolean,
    shown_explanation text,
    actor             text    NOT NULL,
    note              text    NOT NULL,
    admitted          boolean NOT NULL,
    reason            text    NOT NULL,
    warning           boolean NOT NULL,
    explanation       text    NOT NULL,
    moved_from        text    NOT NULL,
    moved_to          text    NOT NULL,
    moved             boolean NOT NULL,
    annulled          boolean NOT NULL DEFAULT false
);
CREATE INDEX scans_by_attendee ON scans (attendee_id);
CREATE INDEX scans_by_hall_time ON scans (hall_id, server_time_ms);

CREATE TABLE attendees (
    id            text    PRIMARY KEY CHECK (id <> ''),
    name          text    NOT NULL,
    category      text    NOT NULL,
    organisation  text    NOT NULL,
    city          text    NOT NULL,
    country       text    NOT NULL,
    email         text    NOT NULL,
    badge_version bigint  NOT NULL,
    updated_ms    bigint  NOT NULL
);

CREATE TABLE audit (
    id      bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms   bigint  NOT NULL,
    actor   text    NOT NULL,
    action  text    NOT NULL,
    subject text    NOT NULL,
    note    text    NOT NULL
);

CREATE TABLE meta (
    key   text   PRIMARY KEY,
    value bigint NOT NULL
);
)sql",
    // 2: no index by attendee, as in the SQLite step 2: the engine keeps each
    // person's seqs, so the index only cost every insert a random page.
    R"sql(
DROP INDEX IF EXISTS scans_by_attendee;
)sql",
    // 3: as the SQLite step 3: the device time of a scan flagged clock_skew is not trusted.
    R"sql(
ALTER TABLE scans ADD COLUMN clock_skew boolean NOT NULL DEFAULT false;
)sql",
    // 4: as the SQLite step 4: duplicates of a read, and re-decisions of logged scans.
    R"sql(
ALTER TABLE scans ADD COLUMN duplicate boolean NOT NULL DEFAULT false;
ALTER TABLE scans ADD COLUMN redecides text NOT NULL DEFAULT '';
)sql",
    // 5: as the SQLite step 5: help-desk staff credentials (hashes only) and
    // attendees.name_latin.
    R"sql(
CREATE TABLE staff (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text   NOT NULL CHECK (name <> ''),
    token_hash text   NOT NULL UNIQUE,
    added_ms   bigint NOT NULL,
    revoked_ms bigint
);
CREATE UNIQUE INDEX staff_in_force ON staff (name) WHERE revoked_ms IS NULL;
ALTER TABLE attendees ADD COLUMN name_latin text NOT NULL DEFAULT '';
)sql",
};

// Servers starting together take turns; the key is admit's own ("ad", 2).
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(24932, 2)";

int applied_version(pg::connection& db) {
    db.exec("read the schema version of", "CREATE TABLE IF NOT EXISTS admit_schema (version integer NOT NULL)");
    auto r = db.exec("read the schema version of", "SELECT coalesce(max(version), 0) FROM admit_schema");
    return static_cast<int>(r.int64(0, 0));
}

void refuse_newer(const pg::connection& db, int found) {
    if (found > postgres_schema_version()) {
        throw store_error(fmt::format(
            "cannot open {}: its schema version is {} but this admit knows only up to {}; "
            "use a newer admit with this database",
            db.name(), found, postgres_schema_version()
        ));
    }
}

}  // namespace

int postgres_schema_version() { return static_cast<int>(migrations.size()); }

void migrate_postgres(pg::connection& db, open_mode mode) {
    if (mode == open_mode::read_only) {
        // Read-only creates nothing, not even the version table.
        const bool has_schema =
            db.exec("read the schema version of", "SELECT to_regclass('admit_schema') IS NOT NULL")
                .boolean(0, 0);
        const int found = has_schema
                              ? static_cast<int>(db.exec("read the schema version of",
                                                         "SELECT coalesce(max(version), 0) FROM admit_schema")
                                                     .int64(0, 0))
                              : 0;
        refuse_newer(db, found);
        if (found < postgres_schema_version()) {
            throw store_error(fmt::format(
                "cannot open {} read-only: its schema version is {} but this admit needs {}; "
                "start the server (or the admin tool) on it once to create or upgrade it",
                db.name(), found, postgres_schema_version()
            ));
        }
        return;
    }
    db.exec("migrate", "BEGIN");
    try {
        db.exec("migrate", migration_lock);
        const int found = applied_version(db);
        refuse_newer(db, found);
        for (int step = found + 1; step <= postgres_schema_version(); ++step) {
            db.exec("migrate", migrations[static_cast<std::size_t>(step - 1)]);
            db.exec("migrate", "INSERT INTO admit_schema (version) VALUES ($1)", pg::params{}.integer(step));
        }
        db.exec("migrate", "COMMIT");
    } catch (...) {
        if (db.healthy()) {
            try {
                db.exec("migrate", "ROLLBACK");
            } catch (const store_error&) {
            }
        }
        throw;
    }
}

}  // namespace admit::store
