// What only the PostgreSQL store has to show, on a real server: several
// servers' batches take turns, changes reach other servers' listeners, a lost
// connection is re-made, and errors name the database, never the password.

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>

#include "store/pg_store.hpp"
#include "store/scan_store.hpp"
#include "store/store_test_data.hpp"
#include "support/pg_test_database.hpp"

namespace admit::store {
namespace {

using namespace test_data;
using namespace std::chrono_literals;

store_location at(const std::string& url) {
    store_location l;
    l.postgres_url = url;
    return l;
}

// Runs one SQL statement on its own connection (as an operator would in psql).
std::string run_sql(const std::string& url, const std::string& sql) {
    PGconn* c = PQconnectdb(url.c_str());
    PGresult* r = PQexec(c, sql.c_str());
    std::string out;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
    }
    PQclear(r);
    PQfinish(c);
    return out;
}

TEST(postgres_store, unreachable_server_is_named_without_its_password) {
    try {
        open_store(at("postgresql://admit:s3cret-pw@127.0.0.1:1/event?connect_timeout=2"));
        FAIL() << "connected to port 1";
    } catch (const store_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("cannot connect to PostgreSQL database event on 127.0.0.1:1"), std::string::npos) << what;
        EXPECT_EQ(what.find("s3cret-pw"), std::string::npos) << what;
    }
}

TEST(postgres_store, read_only_open_of_an_empty_database_creates_nothing) {
    ADMIT_POSTGRES_OR_SKIP(url);
    try {
        open_store(at(url), open_mode::read_only);
        FAIL() << "opened an empty database read-only";
    } catch (const store_error& e) {
        EXPECT_NE(std::string(e.what()).find("schema version is 0"), std::string::npos) << e.what();
    }
    EXPECT_EQ(run_sql(url, "SELECT to_regclass('admit_schema') IS NULL"), "t");
}

TEST(postgres_store, servers_starting_together_migrate_once_and_newer_schemas_are_refused) {
    ADMIT_POSTGRES_OR_SKIP(url);
    std::vector<std::future<void>> opening;
    for (int i = 0; i < 4; ++i) opening.push_back(std::async(std::launch::async, [&] { open_store(at(url)); }));
    for (auto& f : opening) EXPECT_NO_THROW(f.get());
    // One row per step, each applied once.
    EXPECT_EQ(run_sql(url, "SELECT count(*) FROM admit_schema"), std::to_string(postgres_schema_version()));
    EXPECT_EQ(run_sql(url, "SELECT to_regclass('scans_by_attendee') IS NULL"), "t") << "step 2 dropped it";

    run_sql(url, "INSERT INTO admit_schema VALUES (99)");
    try {
        open_store(at(url));
        FAIL() << "opened a database from a newer admit";
    } catch (const store_error& e) {
        EXPECT_NE(std::string(e.what()).find("schema version is 99"), std::string::npos) << e.what();
    }
}

TEST(postgres_store, a_second_servers_batch_waits_and_then_sees_the_first) {
    ADMIT_POSTGRES_OR_SKIP(url);
    auto first = open_store(at(url));
    auto second = open_store(at(url));
    first->begin_batch();
    first->append(plain_scan("from-first"));

    std::atomic<bool> first_committed{false};
    auto waiting = std::async(std::launch::async, [&] {
        second->begin_batch();
        const bool waited = first_committed.load();
        std::vector<std::string> seen = ids_of(*second);
        const auto seq = second->append(plain_scan("from-second"));
        second->commit_batch();
        return std::make_tuple(waited, seen, seq);
    });
    EXPECT_EQ(waiting.wait_for(300ms), std::future_status::timeout) << "the second batch did not wait";
    first_committed = true;
    first->commit_batch();

    const auto [waited, seen, seq] = waiting.get();
    EXPECT_TRUE(waited);
    EXPECT_EQ(seen, (std::vector<std::string>{"from-first"}));
    EXPECT_EQ(seq, first->find_scan("from-first")->seq + 1);
}

TEST(postgres_store, listener_wakes_when_another_server_commits) {
    ADMIT_POSTGRES_OR_SKIP(url);
    auto writer = open_store(at(url));
    auto listener = open_change_listener(at(url));
    ASSERT_NE(listener, nullptr);
    EXPECT_FALSE(listener->wait(100ms)) << "woke with no change";

    writer->append(plain_scan("s1"));
    EXPECT_TRUE(listener->wait(5s));
    writer->annul("s1", audit("desk", "annul"));
    EXPECT_TRUE(listener->wait(5s));
    EXPECT_FALSE(listener->wait(100ms));
}

TEST(postgres_store, a_lost_connection_is_made_again) {
    ADMIT_POSTGRES_OR_SKIP(url);
    auto store = open_store(at(url));
    store->append(plain_scan("before"));
    // An operator (or a database restart) ends every admit session.
    const auto db = url.substr(url.rfind('/') + 1);
    run_sql(url, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                 "WHERE datname = '" + db + "' AND pid <> pg_backend_pid()");

    // The first call may fail (that is how the store learns); the next works.
    bool stored = false;
    for (int attempt = 0; attempt < 2 && !stored; ++attempt) {
        try {
            store->append(plain_scan("after"));
            stored = true;
        } catch (const store_error& e) {
            EXPECT_NE(std::string(e.what()).find("PostgreSQL database " + db), std::string::npos) << e.what();
        }
    }
    EXPECT_TRUE(stored);
    EXPECT_EQ(ids_of(*store), (std::vector<std::string>{"before", "after"}));
}

TEST(postgres_store, a_multi_host_url_is_named_host_by_host_and_skips_a_dead_host) {
    ADMIT_POSTGRES_OR_SKIP(url);
    try {
        open_store(at("postgresql://admit@127.0.0.1:1,127.0.0.1:2/event?connect_timeout=2"));
        FAIL() << "connected to port 1 or 2";
    } catch (const store_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("PostgreSQL database event on 127.0.0.1:1,127.0.0.1:2 as admit"), std::string::npos)
            << what;
    }
    // A standby's URL: the first host is down, the second is the primary.
    const auto host_port = url.substr(url.find('@') + 1, url.rfind('/') - url.find('@') - 1);
    const auto db = url.substr(url.rfind('/') + 1);
    auto store = open_store(at("postgresql://admit@127.0.0.1:1," + host_port + "/" + db +
                               "?target_session_attrs=read-write&connect_timeout=2"));
    store->append(plain_scan("through-the-second-host"));
    EXPECT_EQ(ids_of(*store), (std::vector<std::string>{"through-the-second-host"}));
}

TEST(postgres_store, a_log_that_went_back_counts_as_a_new_log_generation) {
    ADMIT_POSTGRES_OR_SKIP(url);
    auto store = open_store(at(url));
    for (const auto* id : {"one", "two", "three"}) store->append(plain_scan(id));
    const auto before = store->log_generation();
    // What a promoted asynchronous standby that never received the last two commits holds.
    run_sql(url, "DELETE FROM scans WHERE scan_id IN ('two', 'three')");
    const auto after = store->log_generation();
    EXPECT_NE(after, before) << "the engine would not rebuild from the shorter log";
    EXPECT_EQ(store->log_generation(), after) << "one rewind counts once";
    store->append(plain_scan("four"));
    EXPECT_EQ(store->log_generation(), after) << "a commit after the rewind is no rewind";
    EXPECT_EQ(ids_of(*store), (std::vector<std::string>{"one", "four"}));

    // Gone back and grown again before this store looked: another server
    // committed a scan under the seq of one this store saw.
    auto other = open_store(at(url));
    run_sql(url, "DELETE FROM scans WHERE scan_id = 'four'");
    other->append(plain_scan("five"));
    EXPECT_NE(store->log_generation(), after) << "seq 2 is another scan now";
}

TEST(postgres_store, backup_points_to_postgres_tools) {
    ADMIT_POSTGRES_OR_SKIP(url);
    try {
        open_store(at(url))->backup_to("/tmp/never-written.db");
        FAIL() << "a PostgreSQL store wrote a SQLite backup";
    } catch (const store_error& e) {
        EXPECT_NE(std::string(e.what()).find("pg_dump"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace admit::store
