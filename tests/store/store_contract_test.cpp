// The store contract, run against both backends: a SQLite file in a temp
// directory and a fresh database on a real PostgreSQL server (see
// tests/support/test-postgres.sh). What the engine, the server and the admin
// tool rely on, whichever store an event uses.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "store/scan_store.hpp"
#include "store/store_test_data.hpp"
#include "support/pg_test_database.hpp"
#include "support/temp_dir.hpp"

namespace admit::store {
namespace {

using namespace test_data;

enum class backend { sqlite, postgresql };

class store_contract : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override {
        if (GetParam() == backend::postgresql) {
            std::string why_not;
            auto url = test::fresh_postgres_database(why_not);
            if (!url) GTEST_SKIP() << why_not;
            location_.postgres_url = *url;
        } else {
            location_.data_dir = dir_.path();
        }
    }

    std::unique_ptr<scan_store> open(open_mode mode = open_mode::read_write) {
        return open_store(location_, mode);
    }
    // How the store names itself in errors: the file, or the database.
    std::string location_name() const {
        return location_.is_postgres() ? "database " + location_.postgres_url.substr(location_.postgres_url.rfind('/') + 1)
                                       : describe(location_);
    }

    test::temp_dir dir_;
    store_location location_;
};

INSTANTIATE_TEST_SUITE_P(
    backends, store_contract, ::testing::Values(backend::sqlite, backend::postgresql),
    [](const ::testing::TestParamInfo<backend>& p) { return p.param == backend::sqlite ? std::string("sqlite") : std::string("postgresql"); }
);

TEST_P(store_contract, committed_scan_survives_reopen_with_every_field) {
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

TEST_P(store_contract, rolled_back_batch_stores_nothing) {
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

TEST_P(store_contract, find_scan_sees_the_open_batch_but_other_readers_wait_for_commit) {
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

TEST_P(store_contract, duplicate_scan_id_is_refused_and_the_batch_goes_on) {
    auto store = open();
    store->begin_batch();
    store->append(plain_scan("s1"));
    try {
        store->append(plain_scan("s1", "B-002"));
        FAIL() << "a duplicate scan id was stored";
    } catch (const store_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(location_name()), std::string::npos) << what;
        EXPECT_NE(what.find("scan_id"), std::string::npos) << what;
    }
    store->append(plain_scan("s2"));
    store->commit_batch();

    EXPECT_EQ(ids_of(*store), (std::vector<std::string>{"s1", "s2"}));
    EXPECT_EQ(store->find_scan("s1")->attendee_id, "A-001");
}

TEST_P(store_contract, append_outside_a_batch_commits_at_once) {
    {
        auto store = open();
        store->append(plain_scan("s1"));
    }
    EXPECT_TRUE(open()->find_scan("s1").has_value());
}

TEST_P(store_contract, for_each_scan_streams_in_seq_order_after_a_given_seq) {
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

// The start-up replay reads only what occupancy, the counters and each
// person's history need; those fields must come back exactly as stored.
TEST_P(store_contract, for_each_scan_with_movement_detail_reads_what_occupancy_needs) {
    auto full = full_scan();  // an exit, refused, moved, annulled, manual
    auto in = plain_scan("st1-000001", "P-7");
    in.moved = core::movement{.attendee_id = "P-7", .from_hall = "", .to_hall = "hall-a"};
    auto out = plain_scan("st1-000002", "P-7");
    out.dir = core::direction::exit;
    out.moved = core::movement{.attendee_id = "P-7", .from_hall = "hall-a", .to_hall = ""};
    auto refused = plain_scan("st1-000003", "");  // not a badge: no attendee, no movement
    refused.result = core::verdict{.admitted = false, .why = core::reason::malformed_badge, .explanation = "?"};
    auto store = open();
    store->begin_batch();
    std::vector<std::int64_t> seqs;
    for (const auto* r : {&full, &in, &out, &refused}) seqs.push_back(store->append(*r));
    store->commit_batch();

    std::vector<core::scan_record> read;
    store->for_each_scan([&](const core::scan_record& r) { read.push_back(r); }, 0, record_detail::movement);

    const std::vector<const core::scan_record*> want{&full, &in, &out, &refused};
    ASSERT_EQ(read.size(), want.size());
    for (std::size_t i = 0; i < read.size(); ++i) {
        SCOPED_TRACE(want[i]->scan_id);
        EXPECT_EQ(read[i].seq, seqs[i]);
        EXPECT_EQ(read[i].kind, want[i]->kind);
        EXPECT_EQ(read[i].hall_id, want[i]->hall_id);
        EXPECT_EQ(read[i].attendee_id, want[i]->attendee_id);
        EXPECT_EQ(read[i].dir, want[i]->dir);
        EXPECT_EQ(read[i].server_time, want[i]->server_time);
        EXPECT_EQ(read[i].result.admitted, want[i]->result.admitted);
        EXPECT_EQ(read[i].moved, want[i]->moved);
        EXPECT_EQ(read[i].annulled, want[i]->annulled);
        // And what each person's timeline and the duplicate count need.
        EXPECT_EQ(read[i].duplicate, want[i]->duplicate);
        EXPECT_EQ(read[i].read_time(), want[i]->read_time());
        EXPECT_EQ(read[i].result.why, want[i]->result.why);
        EXPECT_EQ(read[i].result.warning, want[i]->result.warning);
    }
    // Reused between rows, the record must not carry one row's movement into the next.
    EXPECT_FALSE(read[3].moved.has_value());
}

TEST_P(store_contract, a_redecision_record_round_trips) {
    auto re = plain_scan("redecision:st1-000001:st2-000009", "P-7");
    re.kind = core::scan_kind::redecision;
    re.redecides = "st1-000001";
    re.shown = core::verdict{.admitted = false, .why = core::reason::not_inside, .warning = false, .explanation = "no"};
    re.result = core::verdict{.admitted = true, .why = core::reason::ok, .warning = false, .explanation = "bye"};
    re.moved = core::movement{.attendee_id = "P-7", .from_hall = "hall-a", .to_hall = ""};
    {
        auto store = open();
        store->append(re);
    }
    const auto got = open()->find_scan(re.scan_id);
    ASSERT_TRUE(got.has_value());
    expect_same(*got, re);
    EXPECT_TRUE(got->conflicts());
}

TEST_P(store_contract, scans_with_seqs_returns_those_records_in_seq_order) {
    auto store = open();
    store->begin_batch();
    const auto s1 = store->append(plain_scan("s1", "A"));
    store->append(plain_scan("s2", "B"));
    const auto s3 = store->append(plain_scan("s3", "A"));
    store->commit_batch();

    // Asked out of order, with a seq twice and one that is not in the log.
    const auto of_a = store->scans_with_seqs({s3, s1, s3, s3 + 100});
    ASSERT_EQ(of_a.size(), 2u);
    EXPECT_EQ(of_a[0].scan_id, "s1");
    EXPECT_EQ(of_a[0].attendee_id, "A");
    EXPECT_EQ(of_a[1].scan_id, "s3");
    EXPECT_TRUE(store->scans_with_seqs({}).empty());
}

TEST_P(store_contract, roster_round_trips_and_updates_in_place) {
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

TEST_P(store_contract, roster_import_is_all_or_nothing) {
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

TEST_P(store_contract, reimport_never_lowers_badge_version) {
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

TEST_P(store_contract, roster_generation_bumps_and_other_processes_see_it) {
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

TEST_P(store_contract, read_only_store_refuses_every_write) {
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

TEST_P(store_contract, annul_marks_the_scan_and_audits_it) {
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

TEST_P(store_contract, annul_inside_an_open_batch_commits_with_it) {
    auto store = open();
    store->append(plain_scan("s1"));
    store->begin_batch();
    store->append(plain_scan("s2"));
    EXPECT_TRUE(store->annul("s1", audit("desk-1", "annul")));
    store->rollback_batch();

    EXPECT_FALSE(store->find_scan("s1")->annulled);
    EXPECT_TRUE(store->audit_log().empty());
}

TEST_P(store_contract, staff_credentials_are_added_revoked_and_listed) {
    {
        auto store = open();
        store->add_staff({"김민지", std::string(64, 'a'), at_ms(10), std::nullopt});
        store->add_staff({"Lee", std::string(64, 'b'), at_ms(11), std::nullopt});
        // One credential in force per name.
        EXPECT_THROW(store->add_staff({"김민지", std::string(64, 'c'), at_ms(12), std::nullopt}), store_error);
        EXPECT_TRUE(store->revoke_staff("김민지", at_ms(13)));
        EXPECT_FALSE(store->revoke_staff("김민지", at_ms(14))) << "nothing left to revoke";
        EXPECT_FALSE(store->revoke_staff("nobody", at_ms(14)));
        store->add_staff({"김민지", std::string(64, 'd'), at_ms(15), std::nullopt});
    }
    const auto list = open(open_mode::read_only)->staff_list();
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0].name, "Lee");
    EXPECT_FALSE(list[0].revoked);
    EXPECT_EQ(list[1].name, "김민지");
    EXPECT_EQ(list[1].token_hash, std::string(64, 'a'));
    EXPECT_EQ(list[1].revoked, at_ms(13));
    EXPECT_EQ(list[2].token_hash, std::string(64, 'd'));
    EXPECT_FALSE(list[2].revoked);
    EXPECT_EQ(list[2].added, at_ms(15));
}

TEST_P(store_contract, a_romanised_name_is_kept_with_the_person) {
    core::attendee a;
    a.id = "K-1";
    a.name = "김민지";
    a.name_latin = "Kim Minji";
    a.category = "delegate";
    open()->upsert_attendees({a});
    const auto roster = open(open_mode::read_only)->load_roster();
    ASSERT_EQ(roster.size(), 1u);
    EXPECT_EQ(roster[0].name_latin, "Kim Minji");
}

TEST_P(store_contract, audit_entries_come_back_in_order) {
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


TEST_P(store_contract, find_scans_returns_the_stored_ones_and_the_open_batch) {
    auto store = open();
    store->append(plain_scan("s1"));
    store->append(plain_scan("s2"));
    store->begin_batch();
    store->append(plain_scan("s3"));
    auto found = store->find_scans({"s1", "s3", "nope", "with \"quote\" and \\ backslash"});
    store->commit_batch();

    std::vector<std::string> ids;
    for (const auto& r : found) ids.push_back(r.scan_id);
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<std::string>{"s1", "s3"}));
}

TEST_P(store_contract, a_committed_scan_id_is_never_stored_twice) {
    auto store = open();
    store->append(plain_scan("s1"));
    EXPECT_THROW(
        {
            store->begin_batch();
            store->append(plain_scan("s1", "B-002"));
            store->commit_batch();
        },
        store_error
    );
    store->rollback_batch();
    // The store goes on, and the first record stays.
    store->append(plain_scan("s2"));
    EXPECT_EQ(ids_of(*store), (std::vector<std::string>{"s1", "s2"}));
    EXPECT_EQ(store->find_scan("s1")->attendee_id, "A-001");
}

TEST_P(store_contract, annul_bumps_the_log_generation_others_see) {
    auto writer = open();
    auto reader = open(open_mode::read_only);
    writer->append(plain_scan("s1"));
    const auto before = reader->log_generation();
    EXPECT_FALSE(writer->annul("nope", audit("desk", "annul")));
    EXPECT_EQ(reader->log_generation(), before);
    EXPECT_TRUE(writer->annul("s1", audit("desk", "annul")));
    EXPECT_EQ(reader->log_generation(), before + 1);
}

TEST_P(store_contract, awkward_text_is_kept_and_nothing_is_lost) {
    auto store = open();
    auto r = plain_scan("odd-1");
    r.payload = "tab\there\nnew line \\ back\\slash \"quote\" 한글 \r end";
    r.note = std::string("nul\0inside", 10);
    store->append(r);

    const auto got = store->find_scan("odd-1");
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->payload, r.payload);
    // PostgreSQL text cannot hold NUL: the byte becomes U+FFFD there; SQLite keeps it.
    if (GetParam() == backend::postgresql) {
        EXPECT_EQ(got->note, "nul\xEF\xBF\xBDinside");
    } else {
        EXPECT_EQ(got->note, r.note);
    }
}

TEST_P(store_contract, seq_order_is_commit_order_across_two_writers) {
    // Two writers (two servers) interleave batches: seqs keep growing in
    // commit order, so "records after the last seq I know" never skips one.
    auto first = open();
    auto second = open();
    first->append(plain_scan("a1"));
    second->append(plain_scan("b1"));
    first->append(plain_scan("a2"));
    std::vector<std::int64_t> seqs;
    first->for_each_scan([&](const core::scan_record& rec) { seqs.push_back(rec.seq); });
    ASSERT_EQ(seqs.size(), 3u);
    EXPECT_LT(seqs[0], seqs[1]);
    EXPECT_LT(seqs[1], seqs[2]);
    EXPECT_EQ(ids_of(*second), (std::vector<std::string>{"a1", "b1", "a2"}));
}

}  // namespace
}  // namespace admit::store
