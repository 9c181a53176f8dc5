// The SQLite store on real files: what the server and the admin tool rely on
// when they write scans, read them back after a restart and import rosters.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <SQLiteCpp/Database.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "store/scan_store.hpp"
#include "support/temp_dir.hpp"

namespace admit::store {
namespace {

using namespace std::chrono_literals;

core::time_point at_ms(std::int64_t ms) { return core::time_point{std::chrono::milliseconds{ms}}; }

core::scan_record plain_scan(const std::string& scan_id, const std::string& attendee = "A-001") {
    core::scan_record r;
    r.scan_id = scan_id;
    r.station_id = "gate-1";
    r.hall_id = "hall-a";
    r.attendee_id = attendee;
    r.category = "visitor";
    r.payload = "ADMIT1." + attendee;
    r.device_time = at_ms(1'700'000'000'000);
    r.server_time = at_ms(1'700'000'000'250);
    r.result = core::verdict{.admitted = true, .why = core::reason::ok, .explanation = "Welcome."};
    return r;
}

// Every field set to something other than its default.
core::scan_record full_scan() {
    core::scan_record r;
    r.scan_id = "st7-000042";
    r.kind = core::scan_kind::manual;
    r.station_id = "gate-7";
    r.hall_id = "hall-b";
    r.attendee_id = "K-9001";
    r.category = "speaker";
    r.payload = "ADMIT1.seoul.K-9001.2.sig";
    r.dir = core::direction::exit;
    r.device_time = at_ms(1'695'000'000'123);
    r.server_time = at_ms(1'695'000'004'567);
    r.offline = true;
    r.shown = core::verdict{
        .admitted = true, .why = core::reason::already_inside, .warning = true,
        .explanation = "이미 입장했습니다 (warn)."};
    r.actor = "김민지";
    r.note = "배지를 잃어버림 — lost badge";
    r.result = core::verdict{
        .admitted = false, .why = core::reason::hall_full, .warning = false,
        .explanation = "홀이 가득 찼습니다 (450/450)."};
    r.moved = core::movement{.attendee_id = "K-9001", .from_hall = "hall-a", .to_hall = "hall-b"};
    r.annulled = true;
    return r;
}

void expect_same(const core::scan_record& got, const core::scan_record& want) {
    EXPECT_EQ(got.scan_id, want.scan_id);
    EXPECT_EQ(got.kind, want.kind);
    EXPECT_EQ(got.station_id, want.station_id);
    EXPECT_EQ(got.hall_id, want.hall_id);
    EXPECT_EQ(got.attendee_id, want.attendee_id);
    EXPECT_EQ(got.category, want.category);
    EXPECT_EQ(got.payload, want.payload);
    EXPECT_EQ(got.dir, want.dir);
    EXPECT_EQ(got.device_time, want.device_time);
    EXPECT_EQ(got.server_time, want.server_time);
    EXPECT_EQ(got.offline, want.offline);
    EXPECT_EQ(got.shown, want.shown);
    EXPECT_EQ(got.actor, want.actor);
    EXPECT_EQ(got.note, want.note);
    EXPECT_EQ(got.result, want.result);
    EXPECT_EQ(got.moved, want.moved);
    EXPECT_EQ(got.annulled, want.annulled);
}

core::attendee person(const std::string& id, std::uint32_t badge_version = 1) {
    return core::attendee{
        .id = id, .name = "홍길동 " + id, .category = "visitor", .organisation = "Seoul Metro",
        .city = "Seoul", .country = "KR", .email = id + "@example.org",
        .badge_version = badge_version};
}

audit_entry audit(
    const std::string& actor,
    const std::string& action,
    const std::string& subject = "",
    const std::string& note = "",
    core::time_point at = {}
) {
    audit_entry e;
    e.at = at;
    e.actor = actor;
    e.action = action;
    e.subject = subject;
    e.note = note;
    return e;
}

std::vector<std::string> ids_of(scan_store& store, std::int64_t after_seq = 0) {
    std::vector<std::string> ids;
    store.for_each_scan([&](const core::scan_record& r) { ids.push_back(r.scan_id); }, after_seq);
    return ids;
}

class sqlite_store_test : public ::testing::Test {
protected:
    std::unique_ptr<scan_store> open(open_mode mode = open_mode::read_write) {
        return open_sqlite_store(dir_.path(), mode);
    }
    std::string db_file() const { return (dir_.path() / "admit.db").string(); }

    test::temp_dir dir_;
};

TEST_F(sqlite_store_test, creates_a_missing_data_directory) {
    const auto nested = dir_.path() / "events" / "seoul-2023";
    auto store = open_sqlite_store(nested);
    EXPECT_TRUE(std::filesystem::exists(nested / "admit.db"));
    EXPECT_EQ(store->scan_count(), 0);
    EXPECT_EQ(store->last_seq(), 0);
}

TEST_F(sqlite_store_test, committed_scan_survives_reopen_with_every_field) {
    const auto full = full_scan();
    const auto plain = plain_scan("st1-000001");
    {
        auto store = open();
        store->begin_batch();
        const auto seq_full = store->append(full);
        const auto seq_plain = store->append(plain);
        store->commit_batch();
        EXPECT_GT(seq_full, 0);
        EXPECT_EQ(seq_plain, seq_full + 1);
    }
    auto store = open();
    auto got = store->find_scan(full.scan_id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->seq, 1);
    expect_same(*got, full);

    // No shown verdict and no movement must come back as empty, not as defaults.
    auto got_plain = store->find_scan(plain.scan_id);
    ASSERT_TRUE(got_plain.has_value());
    EXPECT_EQ(got_plain->seq, 2);
    EXPECT_FALSE(got_plain->shown.has_value());
    EXPECT_FALSE(got_plain->moved.has_value());
    expect_same(*got_plain, plain);

    EXPECT_EQ(store->scan_count(), 2);
    EXPECT_EQ(store->last_seq(), 2);

    // Replay decodes row after row into one record: nothing may leak from the full one.
    std::vector<core::scan_record> replayed;
    store->for_each_scan([&](const core::scan_record& r) { replayed.push_back(r); });
    ASSERT_EQ(replayed.size(), 2u);
    expect_same(replayed[0], full);
    expect_same(replayed[1], plain);
}

TEST_F(sqlite_store_test, rolled_back_batch_stores_nothing) {
    {
        auto store = open();
        store->begin_batch();
        store->append(plain_scan("s1"));
        store->append(plain_scan("s2"));
        store->rollback_batch();
        EXPECT_FALSE(store->find_scan("s1").has_value());
        EXPECT_EQ(store->scan_count(), 0);
    }
    auto store = open();
    EXPECT_EQ(store->scan_count(), 0);
    EXPECT_TRUE(ids_of(*store).empty());
}

TEST_F(sqlite_store_test, find_scan_sees_the_open_batch_but_other_readers_wait_for_commit) {
    auto writer = open();
    auto reader = open(open_mode::read_only);
    writer->begin_batch();
    const auto seq = writer->append(plain_scan("s1"));

    auto mine = writer->find_scan("s1");
    ASSERT_TRUE(mine.has_value());
    EXPECT_EQ(mine->seq, seq);
    // A reader in another connection is not blocked by the open batch (WAL)
    // and does not see it yet.
    EXPECT_FALSE(reader->find_scan("s1").has_value());

    writer->commit_batch();
    EXPECT_TRUE(reader->find_scan("s1").has_value());
}

TEST_F(sqlite_store_test, duplicate_scan_id_is_refused_and_the_batch_goes_on) {
    auto store = open();
    store->begin_batch();
    store->append(plain_scan("s1"));
    try {
        store->append(plain_scan("s1", "B-002"));
        FAIL() << "a duplicate scan id was stored";
    } catch (const store_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(db_file()), std::string::npos) << what;
        EXPECT_NE(what.find("scan_id"), std::string::npos) << what;
    }
    store->append(plain_scan("s2"));
    store->commit_batch();

    EXPECT_EQ(ids_of(*store), (std::vector<std::string>{"s1", "s2"}));
    EXPECT_EQ(store->find_scan("s1")->attendee_id, "A-001");
}

TEST_F(sqlite_store_test, append_outside_a_batch_commits_at_once) {
    {
        auto store = open();
        store->append(plain_scan("s1"));
    }
    EXPECT_TRUE(open()->find_scan("s1").has_value());
}

TEST_F(sqlite_store_test, for_each_scan_streams_in_seq_order_after_a_given_seq) {
    auto store = open();
    store->begin_batch();
    std::vector<std::int64_t> seqs;
    for (const char* id : {"c", "a", "d", "b"}) {
        seqs.push_back(store->append(plain_scan(id)));
    }
    store->commit_batch();

    EXPECT_EQ(ids_of(*store), (std::vector<std::string>{"c", "a", "d", "b"}));
    EXPECT_EQ(ids_of(*store, seqs[1]), (std::vector<std::string>{"d", "b"}));
    EXPECT_TRUE(ids_of(*store, seqs[3]).empty());

    std::vector<std::int64_t> visited;
    store->for_each_scan([&](const core::scan_record& r) { visited.push_back(r.seq); });
    EXPECT_EQ(visited, seqs);
}

TEST_F(sqlite_store_test, scans_of_returns_one_attendees_scans_in_order) {
    auto store = open();
    store->begin_batch();
    store->append(plain_scan("s1", "A"));
    store->append(plain_scan("s2", "B"));
    store->append(plain_scan("s3", "A"));
    store->commit_batch();

    const auto of_a = store->scans_of("A");
    ASSERT_EQ(of_a.size(), 2u);
    EXPECT_EQ(of_a[0].scan_id, "s1");
    EXPECT_EQ(of_a[1].scan_id, "s3");
    EXPECT_TRUE(store->scans_of("nobody").empty());
}

TEST_F(sqlite_store_test, roster_round_trips_and_updates_in_place) {
    auto store = open();
    store->upsert_attendees({person("A"), person("B")});
    auto changed = person("A");
    changed.name = "이순신";
    changed.email = "new@example.org";
    store->upsert_attendees({changed});

    const auto roster = store->load_roster();
    ASSERT_EQ(roster.size(), 2u);
    EXPECT_EQ(roster[0], changed);
    EXPECT_EQ(roster[1], person("B"));
}

TEST_F(sqlite_store_test, roster_import_is_all_or_nothing) {
    auto store = open();
    store->upsert_attendees({person("A")});
    const auto generation = store->roster_generation();

    auto renamed = person("A");
    renamed.name = "changed";
    // The empty id in the middle is refused by the schema, after the first row went in.
    EXPECT_THROW(
        store->upsert_attendees({renamed, person("B"), person(""), person("C")}), store_error
    );

    EXPECT_EQ(store->load_roster(), (std::vector<core::attendee>{person("A")}));
    EXPECT_EQ(store->roster_generation(), generation);
    // And the store still takes the next import.
    store->upsert_attendees({person("B")});
    EXPECT_EQ(store->load_roster().size(), 2u);
}

TEST_F(sqlite_store_test, reimport_never_lowers_badge_version) {
    auto store = open();
    store->upsert_attendees({person("A", 3)});
    auto old = person("A", 1);
    old.city = "Busan";
    store->upsert_attendees({old});

    const auto roster = store->load_roster();
    ASSERT_EQ(roster.size(), 1u);
    EXPECT_EQ(roster[0].badge_version, 3u) << "a re-import un-revoked badge version 2";
    EXPECT_EQ(roster[0].city, "Busan");

    store->upsert_attendees({person("A", 4)});
    EXPECT_EQ(store->load_roster()[0].badge_version, 4u);
}

TEST_F(sqlite_store_test, roster_generation_bumps_and_other_processes_see_it) {
    auto writer = open();
    auto reader = open(open_mode::read_only);
    EXPECT_EQ(writer->roster_generation(), 0);
    EXPECT_EQ(reader->roster_generation(), 0);

    writer->upsert_attendees({person("A")});
    EXPECT_EQ(reader->roster_generation(), 1);
    writer->upsert_attendees({person("B")});
    EXPECT_EQ(writer->roster_generation(), 2);
    EXPECT_EQ(reader->roster_generation(), 2);
    EXPECT_EQ(reader->load_roster().size(), 2u);
}

TEST_F(sqlite_store_test, read_only_store_refuses_every_write) {
    {
        auto store = open();
        store->append(plain_scan("s1"));
    }
    auto store = open(open_mode::read_only);
    EXPECT_THROW(store->begin_batch(), store_error);
    EXPECT_THROW(store->append(plain_scan("s2")), store_error);
    EXPECT_THROW(store->commit_batch(), store_error);
    EXPECT_THROW(store->upsert_attendees({person("A")}), store_error);
    EXPECT_THROW(store->annul("s1", audit("x", "annul")), store_error);
    EXPECT_THROW(store->add_audit(audit("x", "reissue")), store_error);
    try {
        store->append(plain_scan("s3"));
        FAIL() << "a read-only store appended";
    } catch (const store_error& e) {
        EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
    }

    // Reading still works, and nothing changed.
    EXPECT_EQ(store->scan_count(), 1);
    EXPECT_FALSE(store->find_scan("s1")->annulled);
    EXPECT_TRUE(store->load_roster().empty());
    EXPECT_TRUE(store->audit_log().empty());
    EXPECT_EQ(open()->scan_count(), 1);
}

TEST_F(sqlite_store_test, read_only_open_of_a_missing_store_creates_nothing) {
    const auto missing = dir_.path() / "no-such-event";
    try {
        open_sqlite_store(missing, open_mode::read_only);
        FAIL() << "opened a store that does not exist";
    } catch (const store_error& e) {
        EXPECT_NE(std::string(e.what()).find((missing / "admit.db").string()), std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(sqlite_store_test, reader_is_not_blocked_by_a_writer_holding_the_lock) {
    auto store = open();
    store->append(plain_scan("s1"));
    // Another process in the middle of a write transaction.
    SQLite::Database other(db_file(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    other.exec("DELETE FROM scans");

    auto reader = open(open_mode::read_only);
    EXPECT_EQ(reader->scan_count(), 1);
    EXPECT_EQ(ids_of(*reader), (std::vector<std::string>{"s1"}));
    other.exec("ROLLBACK");
}

TEST_F(sqlite_store_test, annul_marks_the_scan_and_audits_it) {
    {
        auto store = open();
        store->append(plain_scan("s1"));
        store->append(plain_scan("s2"));
        const auto why =
            audit("desk-2", "annul", "", "scanned twice by mistake", at_ms(1'700'000'100'000));
        EXPECT_TRUE(store->annul("s1", why));
        EXPECT_FALSE(store->annul("no-such-scan", why));
    }
    auto store = open();
    EXPECT_TRUE(store->find_scan("s1")->annulled);
    EXPECT_FALSE(store->find_scan("s2")->annulled);

    const auto log = store->audit_log();
    ASSERT_EQ(log.size(), 1u) << "a failed annul was audited";
    EXPECT_EQ(log[0].subject, "s1");
    EXPECT_EQ(log[0].action, "annul");
    EXPECT_EQ(log[0].actor, "desk-2");
    EXPECT_EQ(log[0].note, "scanned twice by mistake");
    EXPECT_EQ(log[0].at, at_ms(1'700'000'100'000));
}

TEST_F(sqlite_store_test, annul_inside_an_open_batch_commits_with_it) {
    auto store = open();
    store->append(plain_scan("s1"));
    store->begin_batch();
    store->append(plain_scan("s2"));
    EXPECT_TRUE(store->annul("s1", audit("desk-1", "annul")));
    store->rollback_batch();

    EXPECT_FALSE(store->find_scan("s1")->annulled);
    EXPECT_TRUE(store->audit_log().empty());
}

TEST_F(sqlite_store_test, audit_entries_come_back_in_order) {
    auto store = open();
    store->add_audit(audit("admin", "import_roster", "", "412 rows", at_ms(1)));
    store->add_audit(audit("박서준", "reissue", "K-1", "분실", at_ms(2)));
    const auto log = open(open_mode::read_only)->audit_log();
    ASSERT_EQ(log.size(), 2u);
    EXPECT_LT(log[0].id, log[1].id);
    EXPECT_EQ(log[0].action, "import_roster");
    EXPECT_EQ(log[1].actor, "박서준");
    EXPECT_EQ(log[1].note, "분실");
    EXPECT_EQ(log[1].at, at_ms(2));
}

// Limits how large this process may make any file, as a full disk would.
class file_size_limit {
public:
    explicit file_size_limit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &saved_);
        // Exceeding the limit raises SIGXFSZ; ignored, the write fails with EFBIG instead.
        old_handler_ = signal(SIGXFSZ, SIG_IGN);
        rlimit limit = saved_;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    file_size_limit(const file_size_limit&) = delete;
    file_size_limit& operator=(const file_size_limit&) = delete;
    ~file_size_limit() {
        setrlimit(RLIMIT_FSIZE, &saved_);
        signal(SIGXFSZ, old_handler_);
    }

private:
    rlimit saved_{};
    sighandler_t old_handler_{};
};

TEST_F(sqlite_store_test, failed_commit_stores_nothing_and_the_next_batch_succeeds) {
    auto store = open();
    store->append(plain_scan("before"));
    const auto wal = std::filesystem::path(db_file() + "-wal");
    ASSERT_TRUE(std::filesystem::exists(wal));

    store->begin_batch();
    for (int i = 0; i < 50; ++i) {
        auto r = plain_scan("big-" + std::to_string(i));
        r.payload = std::string(4000, 'x');
        store->append(r);
    }
    {
        // The WAL cannot grow: the commit has nowhere to write.
        file_size_limit full(std::filesystem::file_size(wal));
        try {
            store->commit_batch();
            FAIL() << "commit succeeded on a full disk";
        } catch (const store_error& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("cannot commit scans to " + db_file()), std::string::npos) << what;
        }
    }

    EXPECT_FALSE(store->find_scan("big-0").has_value());
    EXPECT_EQ(store->scan_count(), 1);
    // Space is back: the next batch goes through on the same store.
    store->begin_batch();
    store->append(plain_scan("after"));
    store->commit_batch();
    EXPECT_EQ(ids_of(*open(open_mode::read_only)), (std::vector<std::string>{"before", "after"}));
}

}  // namespace
}  // namespace admit::store
