// The engine: group commit, replays, rebuild on restart, the scheduled
// clear-out, and a failed commit that must leave occupancy as it was.
// Real SQLite files; only the clock is fake.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "core/seoul_event.hpp"
#include "engine/engine.hpp"
#include "support/temp_dir.hpp"
#include "support/server_process.hpp"

#include <fmt/format.h>

namespace admit::engine {
namespace {

using namespace std::chrono_literals;
using core::testing::badge_of;
using core::testing::kst;

class fake_clock {
public:
    explicit fake_clock(core::time_point t) : ms_(t.time_since_epoch().count()) {}
    core::time_point now() const { return core::time_point{std::chrono::milliseconds{ms_.load()}}; }
    void set(core::time_point t) { ms_ = t.time_since_epoch().count(); }

private:
    std::atomic<std::int64_t> ms_;
};

class EngineTest : public ::testing::Test {
protected:
    EngineTest() : event_(core::testing::seoul_event()), clock_(kst(25, 17, 0)) {
        auto store = store::open_sqlite_store(dir_.path());
        const auto roster = core::testing::seoul_roster();
        std::vector<core::attendee> people;
        for (const auto& [id, a] : roster.all()) people.push_back(a);
        store->upsert_attendees(people);
    }

    std::unique_ptr<engine> make_engine(std::size_t max_group = 4096) {
        auto e = std::make_unique<engine>(event_, store::open_sqlite_store(dir_.path()),
                                          core::testing::event_keys().pub, [this] { return clock_.now(); },
                                          engine_options{max_group, 10ms});
        e->set_commit_watcher([this](const engine::group_commit& c) {
            std::lock_guard lock(commits_mutex_);
            commits_.push_back(c);
        });
        e->start();
        return e;
    }

    std::vector<engine::group_commit> commits() {
        std::lock_guard lock(commits_mutex_);
        return commits_;
    }

    core::scan badge_scan(const std::string& id, const std::string& station, const std::string& who,
                          core::direction dir = core::direction::entry) {
        core::scan s;
        s.scan_id = id;
        s.station_id = station;
        s.payload = badge_of(who);
        s.dir = dir;
        s.server_time = s.device_time = clock_.now();
        return s;
    }

    static std::vector<scan_outcome> submit_and_wait(engine& e, std::vector<core::scan> scans) {
        std::promise<std::vector<scan_outcome>> done;
        auto result = done.get_future();
        e.submit(std::move(scans), [&done](std::vector<scan_outcome> o) { done.set_value(std::move(o)); });
        EXPECT_EQ(result.wait_for(10s), std::future_status::ready);
        return result.get();
    }

    static int inside(const engine& e, std::string_view hall) {
        for (const auto& h : e.occupancy().halls)
            if (h.hall_id == hall) return h.inside;
        return -1;
    }

    test::temp_dir dir_;
    core::event_config event_;
    fake_clock clock_;
    std::mutex commits_mutex_;
    std::vector<engine::group_commit> commits_;  // what the commit watcher was told
};

// Someone with a category the ceremony admits, from the Seoul test roster.
std::string first_of(const core::roster& r, const std::string& category) {
    std::string id;
    for (const auto& [k, a] : r.all())
        if (a.category == category && (id.empty() || k < id)) id = k;
    return id;
}

TEST_F(EngineTest, VerdictsComeBackStoredInSubmissionOrder) {
    auto e = make_engine();
    const auto who = first_of(core::testing::seoul_roster(), "delegate");
    const auto out = submit_and_wait(*e, {badge_scan("a", "ddp-art2-in", who), badge_scan("b", "ddp-art2-in", "nobody")});
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].record.scan_id, "a");
    EXPECT_TRUE(out[0].stored);
    EXPECT_TRUE(out[0].record.result.admitted) << out[0].record.result.explanation;
    EXPECT_GT(out[0].record.seq, 0);
    EXPECT_EQ(out[0].inside, 1);
    EXPECT_EQ(out[0].capacity, 700);
    EXPECT_FALSE(out[1].record.result.admitted);
    EXPECT_EQ(out[1].record.seq, out[0].record.seq + 1);
}

TEST_F(EngineTest, CommitWatcherHearsOfEachCommittedGroupWithItsSize) {
    auto e = make_engine();
    const auto who = first_of(core::testing::seoul_roster(), "delegate");
    submit_and_wait(*e, {badge_scan("a", "ddp-art2-in", who), badge_scan("b", "ddp-art2-in", "nobody")});
    submit_and_wait(*e, {badge_scan("c", "ddp-art2-out", who, core::direction::exit)});
    const auto seen = commits();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].scans, 2u);
    EXPECT_EQ(seen[1].scans, 1u);
    EXPECT_GT(seen[0].commit.count(), 0);
}

TEST_F(EngineTest, BatchOverMaxGroupCommitsInPartsAndAnswersOnceInOrder) {
    auto e = make_engine(2);
    const auto roster = core::testing::seoul_roster();
    std::vector<core::scan> batch;
    std::vector<std::string> ids;
    for (const auto& [id, a] : roster.all()) {
        batch.push_back(badge_scan(fmt::format("s{}", batch.size()), "ddp-art2-in", id));
        ids.push_back(batch.back().scan_id);
        if (batch.size() == 5) break;
    }
    ASSERT_EQ(batch.size(), 5u);
    const auto out = submit_and_wait(*e, std::move(batch));
    ASSERT_EQ(out.size(), 5u);
    int admitted = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        EXPECT_EQ(out[i].record.scan_id, ids[i]);
        EXPECT_TRUE(out[i].stored);
        if (out[i].record.result.admitted) ++admitted;
        EXPECT_EQ(out[i].inside, admitted) << "each part sees the parts before it";
    }
    EXPECT_GT(admitted, 0);
    std::vector<std::size_t> sizes;
    for (const auto& c : commits()) sizes.push_back(c.scans);
    EXPECT_EQ(sizes, (std::vector<std::size_t>{2, 2, 1}));
}

TEST_F(EngineTest, ConcurrentSubmittersGetEveryScanExactlyOnce) {
    auto e = make_engine();
    const auto roster = core::testing::seoul_roster();
    std::vector<std::string> people;
    for (const auto& [id, a] : roster.all()) people.push_back(id);
    std::atomic<int> answered{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                const auto out = submit_and_wait(
                    *e, {badge_scan(fmt::format("t{}-{}", t, i), "ch-multi-side", people[static_cast<std::size_t>(i) % people.size()],
                                    i % 2 ? core::direction::exit : core::direction::entry)});
                if (out.size() == 1 && out[0].stored) ++answered;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(answered.load(), 200);
    e->stop();
    auto log = store::open_sqlite_store(dir_.path(), store::open_mode::read_only);
    EXPECT_EQ(log->scan_count(), 200);
}

TEST_F(EngineTest, ReplayedScanIdChangesNothing) {
    auto e = make_engine();
    const auto who = first_of(core::testing::seoul_roster(), "delegate");
    const auto first = submit_and_wait(*e, {badge_scan("same", "ddp-art2-in", who)});
    const auto again = submit_and_wait(*e, {badge_scan("same", "ddp-art2-in", who), badge_scan("same", "ddp-art2-in", who)});
    ASSERT_EQ(again.size(), 2u);
    for (const auto& o : again) {
        EXPECT_TRUE(o.replayed);
        EXPECT_EQ(o.record.seq, first[0].record.seq);
        EXPECT_EQ(o.record.result, first[0].record.result);
    }
    EXPECT_EQ(inside(*e, core::testing::ddp_art2), 1);
}

TEST_F(EngineTest, PersonsScanSeqsAreTheirCommittedScansAndSurviveARestart) {
    const auto roster = core::testing::seoul_roster();
    const auto who = first_of(roster, "delegate");
    const auto other = first_of(roster, "vip");
    std::vector<std::int64_t> seqs;
    {
        auto e = make_engine();
        const auto in = submit_and_wait(*e, {badge_scan("h1", "ddp-art2-in", who), badge_scan("h2", "ddp-art2-in", other)});
        const auto out = submit_and_wait(*e, {badge_scan("h3", "ddp-art2-out", who, core::direction::exit)});
        submit_and_wait(*e, {badge_scan("h1", "ddp-art2-in", who)});  // a kiosk resending: no new record
        seqs = e->scan_seqs_of(who);
        EXPECT_EQ(seqs, (std::vector<std::int64_t>{in[0].record.seq, out[0].record.seq}));
        EXPECT_EQ(e->scan_seqs_of(other), std::vector<std::int64_t>{in[1].record.seq});
        EXPECT_TRUE(e->scan_seqs_of("nobody-at-all").empty());
    }
    auto again = make_engine();
    EXPECT_EQ(again->scan_seqs_of(who), seqs) << "rebuilt from the log at start";
    auto log = store::open_sqlite_store(dir_.path(), store::open_mode::read_only);
    const auto history = log->scans_with_seqs(seqs);
    ASSERT_EQ(history.size(), 2u);
    EXPECT_EQ(history[0].scan_id, "h1");
    EXPECT_EQ(history[1].scan_id, "h3");
}

TEST_F(EngineTest, RestartRebuildsOccupancyFromTheLog) {
    clock_.set(kst(26, 15, 0));  // WeGO General Assembly under way
    const auto roster = core::testing::seoul_roster();
    {
        auto e = make_engine();
        int n = 0;
        for (const auto& [id, a] : roster.all())
            submit_and_wait(*e, {badge_scan(fmt::format("r{}", n++), "ch-multi-side", id)});
        EXPECT_GT(inside(*e, core::testing::wego_hall), 0);
        const auto before = e->occupancy();
        e->stop();
        auto again = make_engine();
        const auto after = again->occupancy();
        for (std::size_t i = 0; i < before.halls.size(); ++i) {
            EXPECT_EQ(after.halls[i].inside, before.halls[i].inside) << after.halls[i].hall_id;
            EXPECT_EQ(after.halls[i].refused, before.halls[i].refused) << after.halls[i].hall_id;
        }
        EXPECT_EQ(after.last_seq, before.last_seq);
    }
}

TEST_F(EngineTest, ScheduledClearOutEmptiesTheHallAtItsTime) {
    clock_.set(kst(26, 15, 0));  // WeGO General Assembly under way; clear-out at 23:00
    auto e = make_engine();
    const auto who = first_of(core::testing::seoul_roster(), "delegate");
    ASSERT_TRUE(submit_and_wait(*e, {badge_scan("in", "ch-multi-in", who)})[0].record.result.admitted);
    EXPECT_EQ(inside(*e, core::testing::wego_hall), 1);
    clock_.set(kst(26, 22, 59));
    // Two drains: the writer checks the clear-out after each request it
    // takes, so after the second one it has checked at least once at 22:59.
    e->drain();
    e->drain();
    EXPECT_EQ(inside(*e, core::testing::wego_hall), 1) << "cleared before its time";
    clock_.set(kst(26, 23, 0) + 1s);
    EXPECT_TRUE(test::eventually([&] { return inside(*e, core::testing::wego_hall) == 0; }));
    e->stop();
    auto log = store::open_sqlite_store(dir_.path(), store::open_mode::read_only);
    std::vector<core::scan_record> clears;
    log->for_each_scan([&](const core::scan_record& r) {
        if (r.kind == core::scan_kind::clear) clears.push_back(r);
    });
    ASSERT_EQ(clears.size(), 1u);
    EXPECT_EQ(clears[0].attendee_id, who);
    EXPECT_EQ(clears[0].server_time, kst(26, 23, 0));
}

core::time_point utc(int y, unsigned mo, unsigned d, int h, int mi = 0) {
    using namespace std::chrono;
    return core::time_point{sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi}};
}

TEST_F(EngineTest, ClearOutFollowsTheZoneThroughTheHourThatRepeats) {
    using namespace std::chrono;
    // Berlin on the last weekend of October 2026: clocks go back from 03:00
    // CEST to 02:00 CET at 01:00 UTC on the 25th, so 02:30 happens twice.
    event_.time_zone = "Europe/Berlin";
    event_.zone = core::local_clock{{
        {core::time_point{}, minutes{60}},
        {utc(2026, 3, 29, 1), minutes{120}},
        {utc(2026, 10, 25, 1), minutes{60}},
    }};
    for (auto& h : event_.halls) {
        if (h.id == core::testing::wego_hall) h.clear_at = minutes{2 * 60 + 30};
    }
    event_.sessions.push_back(core::session{
        "night", "Night", std::string(core::testing::wego_hall), utc(2026, 10, 24, 20),
        utc(2026, 10, 25, 12), {}, minutes{30}, minutes{0}});
    clock_.set(utc(2026, 10, 25, 0, 0));  // 02:00 CEST
    auto e = make_engine();
    const auto who = first_of(core::testing::seoul_roster(), "delegate");
    const auto enter = [&](const char* id) {
        return submit_and_wait(*e, {badge_scan(id, "ch-multi-in", who)})[0].record.result.admitted;
    };
    ASSERT_TRUE(enter("in-1"));
    clock_.set(utc(2026, 10, 25, 0, 29));  // 02:29 CEST
    e->drain();
    e->drain();
    EXPECT_EQ(inside(*e, core::testing::wego_hall), 1) << "cleared before 02:30";
    clock_.set(utc(2026, 10, 25, 0, 30) + 1s);  // the first 02:30 (CEST)
    EXPECT_TRUE(test::eventually([&] { return inside(*e, core::testing::wego_hall) == 0; }));
    clock_.set(utc(2026, 10, 25, 0, 45));
    ASSERT_TRUE(enter("in-2"));
    clock_.set(utc(2026, 10, 25, 1, 30) + 1s);  // the second 02:30 (CET)
    e->drain();
    e->drain();
    EXPECT_EQ(inside(*e, core::testing::wego_hall), 1) << "cleared twice on the day clocks go back";
    clock_.set(utc(2026, 10, 26, 1, 30) + 1s);  // 02:30 CET on Monday
    EXPECT_TRUE(test::eventually([&] { return inside(*e, core::testing::wego_hall) == 0; }));
    e->stop();
    auto log = store::open_sqlite_store(dir_.path(), store::open_mode::read_only);
    std::vector<core::time_point> clears;
    log->for_each_scan([&](const core::scan_record& r) {
        if (r.kind == core::scan_kind::clear) clears.push_back(r.server_time);
    });
    EXPECT_EQ(clears, (std::vector{utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)}));
}

// Makes this process unable to grow any file past `bytes`, as a full disk would.
class file_size_limit {
public:
    explicit file_size_limit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &saved_);
        old_ = signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG
        rlimit limit = saved_;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~file_size_limit() {
        setrlimit(RLIMIT_FSIZE, &saved_);
        signal(SIGXFSZ, old_);
    }

private:
    rlimit saved_{};
    sighandler_t old_{};
};

TEST_F(EngineTest, FailedCommitAcknowledgesNothingAndLeavesOccupancyAsItWas) {
    clock_.set(kst(26, 15, 0));
    auto e = make_engine();
    const auto roster = core::testing::seoul_roster();
    const auto who = first_of(roster, "delegate");
    ASSERT_TRUE(submit_and_wait(*e, {badge_scan("ok-1", "ch-multi-in", who)})[0].stored);
    const auto wal = dir_.path() / "admit.db-wal";
    std::vector<core::scan> many{badge_scan("out-1", "ch-multi-side", who, core::direction::exit)};
    for (const auto& [id, a] : roster.all()) {
        auto s = badge_scan("full-" + id, "ch-multi-side", id);
        s.payload += std::string(200, ' ');  // still refused or admitted, but makes the batch big
        many.push_back(s);
    }
    for (int i = 0; i < 200; ++i) {
        auto s = badge_scan(fmt::format("pad-{}", i), "ch-multi-side", "nobody");
        s.payload = std::string(900, 'x');
        many.push_back(s);
    }
    std::vector<scan_outcome> out;
    {
        file_size_limit full(std::filesystem::file_size(wal));
        out = submit_and_wait(*e, many);
    }
    ASSERT_EQ(out.size(), many.size());
    for (const auto& o : out) EXPECT_FALSE(o.stored) << o.record.scan_id;
    EXPECT_FALSE(out[0].store_error.empty());
    EXPECT_TRUE(e->storage_failing());
    EXPECT_EQ(inside(*e, core::testing::wego_hall), 1) << "a failed commit must not move anyone";
    EXPECT_EQ(e->scan_seqs_of(who).size(), 1u) << "a failed commit must not enter anyone's history";
    EXPECT_EQ(commits().size(), 1u) << "only the first group was committed";
    // Space is back: the kiosk resends and this time it is stored.
    out = submit_and_wait(*e, many);
    for (const auto& o : out) EXPECT_TRUE(o.stored) << o.record.scan_id;
    EXPECT_FALSE(e->storage_failing());
    EXPECT_EQ(e->scan_seqs_of(who).size(), 2u);
}

// The case: an entry read offline at 17:39 reaches the server at
// 17:50, after the exit read online at 17:47 was refused "no entry".
TEST_F(EngineTest, ALateOfflineEntryGoesBeforeTheExitAndTheExitIsDecidedAgain) {
    const auto who = first_of(core::testing::seoul_roster(), "delegate");
    const auto ddp = core::testing::ddp_art2;
    {
        auto e = make_engine();
        clock_.set(kst(25, 17, 47));
        const auto exit = submit_and_wait(*e, {badge_scan("out", "ddp-art2-out", who, core::direction::exit)});
        ASSERT_EQ(exit[0].record.result.why, core::reason::not_inside);
        clock_.set(kst(25, 17, 50));
        auto late = badge_scan("in-offline", "ddp-art2-in", who);
        late.offline = true;
        late.device_time = kst(25, 17, 39);
        late.shown = core::verdict{true, core::reason::ok, false, "Welcome"};
        const auto in = submit_and_wait(*e, {late});
        ASSERT_TRUE(in[0].record.result.admitted) << in[0].record.result.explanation;
        ASSERT_EQ(in[0].redecided.size(), 1u);
        const auto& re = in[0].redecided[0];
        EXPECT_EQ(re.kind, core::scan_kind::redecision);
        EXPECT_EQ(re.redecides, "out");
        EXPECT_TRUE(re.result.admitted) << re.result.explanation;
        EXPECT_TRUE(re.conflicts()) << "shown refused, decided admitted";
        EXPECT_GT(re.seq, in[0].record.seq);
        EXPECT_EQ(inside(*e, ddp), 0) << "in at 17:39, out at 17:47";
        EXPECT_EQ(e->hall_of(who), "");
        const auto& figures = e->occupancy().halls[0];
        EXPECT_EQ(figures.admitted, 1);
        EXPECT_EQ(figures.refused, 0) << "the exit is no longer a refusal";

        // Later at the door: not refused "already inside".
        clock_.set(kst(25, 18, 5));
        const auto again = submit_and_wait(*e, {badge_scan("in-again", "ddp-art2-in", who)});
        EXPECT_TRUE(again[0].record.result.admitted) << again[0].record.result.explanation;
        EXPECT_TRUE(again[0].redecided.empty());
    }
    // The log replayed in seq order says the same, and the timeline is rebuilt from it.
    auto e = make_engine();
    EXPECT_EQ(inside(*e, ddp), 1);
    EXPECT_EQ(e->occupancy().halls[0].refused, 0);
    EXPECT_EQ(e->occupancy().halls[0].admitted, 2);
    clock_.set(kst(25, 18, 20));
    // Another kiosk's exit, read at 17:45, before the 17:47 exit: that one now has no entry.
    auto very_late = badge_scan("out-offline", "ddp-art2-out", who, core::direction::exit);
    very_late.offline = true;
    very_late.device_time = kst(25, 17, 45);
    const auto out = submit_and_wait(*e, {very_late});
    EXPECT_TRUE(out[0].record.result.admitted) << out[0].record.result.explanation;
    ASSERT_EQ(out[0].redecided.size(), 2u);
    EXPECT_EQ(out[0].redecided[0].redecides, "out");
    EXPECT_EQ(out[0].redecided[0].result.why, core::reason::not_inside) << "flagged, not dropped";
    EXPECT_TRUE(out[0].redecided[0].conflicts());
    EXPECT_EQ(out[0].redecided[1].redecides, "in-again") << "applied again so the log replays to read order";
    EXPECT_FALSE(out[0].redecided[1].conflicts());
    EXPECT_EQ(inside(*e, ddp), 1) << "out at 17:45, in again at 18:05";
    e->stop();
    auto last = make_engine();
    EXPECT_EQ(inside(*last, ddp), 1);
    EXPECT_EQ(last->occupancy().halls[0].admitted, 2);
    EXPECT_EQ(last->occupancy().halls[0].refused, 1) << "the 17:47 exit, refused in read order";
}

// A group holding a late scan whose commit fails puts every timeline back:
// sent again, the late scan re-decides the exit once, as if nothing had failed.
TEST_F(EngineTest, AFailedCommitOfALateScanLeavesTheTimelineAsItWas) {
    const auto who = first_of(core::testing::seoul_roster(), "delegate");
    auto e = make_engine();
    clock_.set(kst(25, 17, 47));
    ASSERT_EQ(submit_and_wait(*e, {badge_scan("out", "ddp-art2-out", who, core::direction::exit)})[0]
                  .record.result.why,
              core::reason::not_inside);
    clock_.set(kst(25, 17, 50));
    auto late = badge_scan("in-offline", "ddp-art2-in", who);
    late.offline = true;
    late.device_time = kst(25, 17, 39);
    std::vector<core::scan> group{late};
    for (int i = 0; i < 200; ++i) {
        auto s = badge_scan(fmt::format("pad-{}", i), "ddp-art2-in", "nobody");
        s.payload = std::string(900, 'x');  // refused, but makes the batch too big for the file
        group.push_back(s);
    }
    {
        file_size_limit full(std::filesystem::file_size(dir_.path() / "admit.db-wal"));
        const auto failed = submit_and_wait(*e, group);
        ASSERT_FALSE(failed[0].stored);
    }
    EXPECT_EQ(e->hall_of(who), "");
    EXPECT_EQ(e->occupancy().halls[0].refused, 1) << "the exit is still refused";
    const auto in = submit_and_wait(*e, group);
    ASSERT_TRUE(in[0].stored) << in[0].store_error;
    EXPECT_TRUE(in[0].record.result.admitted) << in[0].record.result.explanation;
    ASSERT_EQ(in[0].redecided.size(), 1u) << "the exit is re-decided once, not found already changed";
    EXPECT_EQ(in[0].redecided[0].redecides, "out");
    EXPECT_TRUE(in[0].redecided[0].result.admitted);
    EXPECT_EQ(e->occupancy().halls[0].refused, static_cast<std::int64_t>(group.size() - 1)) << "only the pads";
    e->stop();
    auto again = make_engine();
    EXPECT_EQ(again->hall_of(who), "") << "in at 17:39, out at 17:47";
}

TEST_F(EngineTest, ASecondReadWithinTheWindowIsADuplicateNotARefusal) {
    auto e = make_engine();
    const auto who = first_of(core::testing::seoul_roster(), "delegate");
    clock_.set(kst(25, 17, 40));
    ASSERT_TRUE(submit_and_wait(*e, {badge_scan("cam-1", "ddp-art2-in", who)})[0].record.result.admitted);
    clock_.set(kst(25, 17, 40) + 900ms);
    const auto second = submit_and_wait(*e, {badge_scan("cam-2", "ddp-art2-in", who)});
    EXPECT_TRUE(second[0].record.duplicate);
    EXPECT_TRUE(second[0].record.result.admitted);
    EXPECT_EQ(inside(*e, core::testing::ddp_art2), 1);
    EXPECT_EQ(e->occupancy().halls[0].refused, 0);
    EXPECT_EQ(e->occupancy().halls[0].duplicates, 1);
    clock_.set(kst(25, 17, 45));
    const auto third = submit_and_wait(*e, {badge_scan("cam-3", "ddp-art2-in", who)});
    EXPECT_FALSE(third[0].record.duplicate);
    EXPECT_EQ(third[0].record.result.why, core::reason::already_inside);
    e->stop();
    auto again = make_engine();
    EXPECT_EQ(again->occupancy().halls[0].duplicates, 1) << "counted apart after a restart too";
    EXPECT_EQ(again->occupancy().halls[0].refused, 1);
}

TEST(NextLocalTime, IsTheNextOccurrenceInTheEventsZone) {
    // 23:00 KST is 14:00 UTC.
    EXPECT_EQ(core::next_local_time(kst(26, 15, 0), 23h, core::local_clock{9h}), kst(26, 23, 0));
    EXPECT_EQ(core::next_local_time(kst(26, 23, 0), 23h, core::local_clock{9h}), kst(27, 23, 0));
    EXPECT_EQ(core::next_local_time(kst(26, 23, 30), 23h, core::local_clock{9h}), kst(27, 23, 0));
}

// A real SQLite store whose commit waits until the test lets it go: a disk
// that hangs in fsync (an injected fault; everything else is the real store).
class stalling_store final : public store::scan_store {
public:
    explicit stalling_store(std::unique_ptr<store::scan_store> real) : real_(std::move(real)) {}

    void begin_batch() override { real_->begin_batch(); }
    std::int64_t append(const core::scan_record& r) override { return real_->append(r); }
    void commit_batch() override {
        std::unique_lock lock(mutex_);
        in_commit_ = true;
        changed_.notify_all();
        changed_.wait(lock, [this] { return released_; });
        lock.unlock();
        real_->commit_batch();
    }
    void rollback_batch() override { real_->rollback_batch(); }
    std::optional<core::scan_record> find_scan(std::string_view id) override { return real_->find_scan(id); }
    std::vector<core::scan_record> find_scans(const std::vector<std::string>& ids) override {
        return real_->find_scans(ids);
    }
    void for_each_scan(const std::function<void(const core::scan_record&)>& visit, std::int64_t after,
                       store::record_detail detail) override {
        real_->for_each_scan(visit, after, detail);
    }
    std::vector<core::scan_record> scans_with_seqs(const std::vector<std::int64_t>& seqs) override {
        return real_->scans_with_seqs(seqs);
    }
    std::int64_t scan_count() override { return real_->scan_count(); }
    std::int64_t last_seq() override { return real_->last_seq(); }
    bool annul(std::string_view id, const store::audit_entry& why) override { return real_->annul(id, why); }
    std::int64_t log_generation() override { return real_->log_generation(); }
    std::vector<core::attendee> load_roster() override { return real_->load_roster(); }
    void upsert_attendees(const std::vector<core::attendee>& people) override { real_->upsert_attendees(people); }
    std::int64_t roster_generation() override { return real_->roster_generation(); }
    void add_audit(const store::audit_entry& e) override { real_->add_audit(e); }
    std::vector<store::audit_entry> audit_log() override { return real_->audit_log(); }
    void add_staff(const store::staff_credential& c) override { real_->add_staff(c); }
    bool revoke_staff(std::string_view name, core::time_point at) override { return real_->revoke_staff(name, at); }
    std::vector<store::staff_credential> staff_list() override { return real_->staff_list(); }
    std::int64_t backup_to(const std::filesystem::path& f) override { return real_->backup_to(f); }
    std::optional<std::int64_t> event_fact(std::string_view key) override { return real_->event_fact(key); }
    std::int64_t claim_event_fact(std::string_view key, std::int64_t value, bool replace) override {
        return real_->claim_event_fact(key, value, replace);
    }
    void probe() override { real_->probe(); }

    bool wait_in_commit(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [this] { return in_commit_; });
    }
    void release() {
        std::lock_guard lock(mutex_);
        released_ = true;
        changed_.notify_all();
    }

private:
    std::unique_ptr<store::scan_store> real_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool in_commit_ = false;
    bool released_ = false;
};

// Issue 20: the engine held its state lock from begin to commit, so health,
// hello and the dashboards waited for the disk: a hung disk hung /healthz.
// While a commit hangs, every reader must still answer (each read runs on a
// thread of its own and is awaited with a deadline, so a blocked reader
// fails the test instead of hanging it).
TEST_F(EngineTest, ReadersAnswerWhileACommitHangs) {
    auto owned = std::make_unique<stalling_store>(store::open_sqlite_store(dir_.path()));
    auto* stalled = owned.get();
    engine e(event_, std::move(owned), core::testing::event_keys().pub, [this] { return clock_.now(); },
             engine_options{4096, 10ms});
    e.start();
    const auto who = first_of(core::testing::seoul_roster(), "delegate");
    std::promise<std::vector<scan_outcome>> verdicts;
    auto answered = verdicts.get_future();
    e.submit({badge_scan("hang-1", "ddp-art2-in", who)},
             [&verdicts](std::vector<scan_outcome> o) { verdicts.set_value(std::move(o)); });
    ASSERT_TRUE(stalled->wait_in_commit(10s)) << "the scan never reached the commit";

    struct reads {
        std::atomic<bool> done{false};
        bool failing = true;
        int inside = -1;
        bool found = false;
    };
    auto r = std::make_shared<reads>();
    std::thread([&e, r, who] {
        r->failing = e.storage_failing();
        r->inside = inside(e, core::testing::ddp_art2);
        (void)e.state_version();
        r->found = e.find_attendee(who).has_value();
        (void)e.hall_of(who);
        r->done = true;
    }).detach();
    const bool answered_in_time = test::eventually([&] { return r->done.load(); }, 10s);
    stalled->release();  // before any assertion: the engine must not stay blocked
    ASSERT_TRUE(answered_in_time) << "a reader waited for the commit";
    EXPECT_FALSE(r->failing);
    EXPECT_EQ(r->inside, 0) << "the published occupancy shows only what is committed";
    EXPECT_TRUE(r->found);
    ASSERT_EQ(answered.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(answered.get().front().stored);
    EXPECT_TRUE(test::eventually([&] { return inside(e, core::testing::ddp_art2) == 1; }));
    e.stop();
}

}  // namespace
}  // namespace admit::engine
