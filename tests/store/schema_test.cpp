// Schema versions: a fresh store is migrated to the current version, and a
// store written by a newer admit is refused rather than misread.

#include <gtest/gtest.h>

#include <SQLiteCpp/Database.h>

#include <string>

#include "store/scan_store.hpp"
#include "store/schema.hpp"
#include "support/temp_dir.hpp"

namespace admit::store {
namespace {

int user_version_of(const std::filesystem::path& file) {
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    return db.execAndGet("PRAGMA user_version").getInt();
}

void set_user_version(const std::filesystem::path& file, int version) {
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = " + std::to_string(version));
}

TEST(schema_test, fresh_store_is_migrated_to_the_current_version_in_wal_mode) {
    test::temp_dir dir;
    open_sqlite_store(dir.path());
    const auto file = dir.path() / "admit.db";
    EXPECT_EQ(user_version_of(file), schema_version());
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
    for (const char* table : {"scans", "attendees", "audit", "meta"}) {
        EXPECT_TRUE(db.tableExists(table)) << table;
    }
}

TEST(schema_test, reopening_keeps_the_data_and_the_version) {
    test::temp_dir dir;
    core::attendee a;
    a.id = "A";
    open_sqlite_store(dir.path())->upsert_attendees({a});
    auto store = open_sqlite_store(dir.path());
    EXPECT_EQ(store->load_roster().size(), 1u);
    EXPECT_EQ(user_version_of(dir.path() / "admit.db"), schema_version());
}

TEST(schema_test, store_from_a_newer_admit_is_refused) {
    test::temp_dir dir;
    open_sqlite_store(dir.path());
    const auto file = dir.path() / "admit.db";
    set_user_version(file, schema_version() + 1);

    for (auto mode : {open_mode::read_write, open_mode::read_only}) {
        try {
            open_sqlite_store(dir.path(), mode);
            FAIL() << "opened a store with a newer schema";
        } catch (const store_error& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(file.string()), std::string::npos) << what;
            EXPECT_NE(what.find("newer admit"), std::string::npos) << what;
        }
    }
    EXPECT_EQ(user_version_of(file), schema_version() + 1) << "the newer store was touched";
}

TEST(schema_test, read_only_refuses_a_store_that_needs_migrating) {
    test::temp_dir dir;
    // An empty database file at version 0, as left by a crashed first start.
    {
        SQLite::Database db(
            (dir.path() / "admit.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE
        );
    }
    EXPECT_THROW(open_sqlite_store(dir.path(), open_mode::read_only), store_error);
    EXPECT_EQ(user_version_of(dir.path() / "admit.db"), 0);
    // Read-write migrates it.
    open_sqlite_store(dir.path());
    EXPECT_EQ(user_version_of(dir.path() / "admit.db"), schema_version());
}

TEST(schema_test, a_version_1_store_loses_the_attendee_index_and_keeps_its_scans) {
    test::temp_dir dir;
    const auto file = dir.path() / "admit.db";
    {
        auto store = open_sqlite_store(dir.path());
        core::scan_record r;
        r.scan_id = "s1";
        r.attendee_id = "A";
        store->begin_batch();
        store->append(r);
        store->commit_batch();
    }
    {
        // As version 1 left it.
        SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
        db.exec("CREATE INDEX scans_by_attendee ON scans (attendee_id)");
        db.exec("ALTER TABLE scans DROP COLUMN clock_skew");  // added by step 3
        db.exec("ALTER TABLE scans DROP COLUMN duplicate");   // added by step 4
        db.exec("ALTER TABLE scans DROP COLUMN redecides");   // added by step 4
        db.exec("DROP TABLE staff");                           // added by step 5
        db.exec("ALTER TABLE attendees DROP COLUMN name_latin");  // added by step 5
        db.exec("PRAGMA user_version = 1");
    }
    auto store = open_sqlite_store(dir.path());
    EXPECT_EQ(user_version_of(file), schema_version());
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'scans_by_attendee'").getInt(), 0);
    EXPECT_EQ(store->scan_count(), 1);
    ASSERT_EQ(store->scans_with_seqs({1}).size(), 1u);
    EXPECT_EQ(store->scans_with_seqs({1})[0].attendee_id, "A");
    EXPECT_FALSE(store->scans_with_seqs({1})[0].clock_skew) << "a scan from before step 3 is trusted as it was";
}

}  // namespace
}  // namespace admit::store
