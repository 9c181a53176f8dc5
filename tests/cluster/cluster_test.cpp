// Several admit-servers on one PostgreSQL database, all real: a throwaway
// PostgreSQL server (tests/support/test-postgres.sh), two admit-server
// binaries with the same event and badge keys, station clients and kiosks on
// loopback. What organisers of a multi-site event rely on: one person is never
// in two halls, a hall never overfills, a kiosk whose server dies goes on
// with the other, and every dashboard shows the same halls.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <iostream>
#include <map>
#include <set>

#include "client/station_client.hpp"
#include "config/key_files.hpp"
#include "scanner/kiosk/kiosk_process.hpp"
#include "store/scan_store.hpp"
#include "support/http_get.hpp"
#include "support/pg_test_database.hpp"
#include "support/server_process.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// The small event's people and 36 more delegates (d-001 .. d-040).
std::vector<core::attendee> cluster_roster() { return small_roster_with_delegates("d", "Delegate", 5, 40); }

// One person may be in one hall only: the second hall refuses (policy "refuse"),
// so a race shows up as two admissions instead of a move.
constexpr const char* refuse_elsewhere = "[policies]\non_entry_elsewhere = \"refuse\"\n";

class ClusterTest : public ::testing::Test {
protected:
    ClusterTest()
        : a_(small_event_toml(refuse_elsewhere), cluster_roster()),
          b_(small_event_toml(refuse_elsewhere), cluster_roster()) {
        // Servers of one event share the badge keys (deploy copies keys/ to each).
        config::write_badge_keys(b_.data_dir(), a_.keys(), true);
    }

    void SetUp() override {
        std::string why_not;
        auto url = fresh_postgres_database(why_not);
        if (!url) GTEST_SKIP() << why_not;
        url_ = *url;
        store::store_location shared;
        shared.postgres_url = url_;
        store::open_store(shared)->upsert_attendees(cluster_roster());
        a_.start({"--store-url", url_});
        b_.start({"--store-url", url_});
    }

    void TearDown() override {
        if (HasFailure()) {
            std::cerr << "--- server A log ---\n" << a_.log() << "--- server B log ---\n" << b_.log();
        }
    }

    static std::unique_ptr<client::station_client> station(
        const server_process& server, const std::string& id
    ) {
        auto c = std::make_unique<client::station_client>();
        c->connect("127.0.0.1", server.port());
        c->hello(id, id + "-token");
        return c;
    }

    static wire::Verdict scan(
        client::station_client& c,
        const std::string& scan_id,
        const std::string& payload,
        wire::Direction dir = wire::ENTRY
    ) {
        wire::StationMessage m;
        auto* s = m.mutable_scan();
        s->set_scan_id(scan_id);
        s->set_payload(payload);
        s->set_direction(dir);
        c.send(m);
        const auto reply = c.receive(10s);
        EXPECT_TRUE(reply && reply->has_verdict()) << "no verdict for " << scan_id << ": " << c.close_reason();
        return reply && reply->has_verdict() ? reply->verdict() : wire::Verdict{};
    }

    // Hall id -> people inside, as the server's dashboard API shows it.
    static std::map<std::string, std::int64_t> occupancy(const server_process& server) {
        std::map<std::string, std::int64_t> out;
        const auto r = http_get(server.port(), "/api/occupancy", "viewer-token");
        if (r.status != 200) return out;
        const auto body = json::parse(r.body);  // kept: the loop must not range over a temporary
        for (const auto& h : body.at("halls").as_array()) {
            out[std::string(h.at("id").as_string())] = h.at("inside").as_int64();
        }
        return out;
    }

    std::int64_t stored_scans() const {
        store::store_location shared;
        shared.postgres_url = url_;
        return store::open_store(shared, store::open_mode::read_only)->scan_count();
    }

    std::string url_;
    server_process a_;
    server_process b_;
};

TEST_F(ClusterTest, TheSameBadgeAtBothSitesAtOnceIsAdmittedOnce) {
    auto at_a = station(a_, "side-both");
    auto at_b = station(b_, "main-in");
    auto out_a = station(a_, "side-both");
    auto out_b = station(b_, "main-out");
    int admitted_twice = 0;
    for (int round = 0; round < 20; ++round) {
        const auto person = fmt::format("d-{:03}", round % 5 + 1);
        const auto badge = a_.badge(person);
        // Both doors scan the badge at the same moment, through different servers.
        auto side = std::async(std::launch::async, [&] { return scan(*at_a, fmt::format("a-{}", round), badge); });
        auto main = std::async(std::launch::async, [&] { return scan(*at_b, fmt::format("b-{}", round), badge); });
        const auto v_side = side.get();
        const auto v_main = main.get();
        if (v_side.admitted() && v_main.admitted()) ++admitted_twice;
        EXPECT_NE(v_side.admitted(), v_main.admitted())
            << "round " << round << ": side " << v_side.reason() << ", main " << v_main.reason();
        // The person leaves whichever hall took them, for the next round.
        if (v_side.admitted()) scan(*out_a, fmt::format("a-out-{}", round), badge, wire::EXIT);
        if (v_main.admitted()) scan(*out_b, fmt::format("b-out-{}", round), badge, wire::EXIT);
    }
    EXPECT_EQ(admitted_twice, 0);
    const std::map<std::string, std::int64_t> empty{{"main", 0}, {"side", 0}};
    EXPECT_TRUE(eventually([&] { return occupancy(a_) == empty && occupancy(b_) == empty; }));
}

TEST_F(ClusterTest, ACapacityRaceAcrossServersNeverOverfillsTheHall) {
    // Main hall holds 3. Ten delegates arrive at once, half at each server.
    std::vector<std::unique_ptr<client::station_client>> doors;
    std::vector<std::future<wire::Verdict>> verdicts;
    for (int i = 0; i < 10; ++i) doors.push_back(station(i % 2 == 0 ? a_ : b_, "main-in"));
    for (int i = 0; i < 10; ++i) {
        verdicts.push_back(std::async(std::launch::async, [&, i] {
            return scan(*doors[static_cast<std::size_t>(i)], fmt::format("race-{}", i),
                        a_.badge(fmt::format("d-{:03}", i + 1)));
        }));
    }
    int admitted = 0;
    int full = 0;
    for (auto& v : verdicts) {
        const auto verdict = v.get();
        admitted += verdict.admitted() ? 1 : 0;
        full += verdict.reason() == wire::HALL_FULL ? 1 : 0;
    }
    EXPECT_EQ(admitted, 3);
    EXPECT_EQ(full, 7);
    EXPECT_TRUE(eventually([&] { return occupancy(a_)["main"] == 3 && occupancy(b_)["main"] == 3; }))
        << "A shows " << occupancy(a_)["main"] << ", B shows " << occupancy(b_)["main"];
}

TEST_F(ClusterTest, BothDashboardsFollowEveryScanAndARestartRebuildsFromTheDatabase) {
    auto at_a = station(a_, "side-both");
    auto at_b = station(b_, "side-both");
    for (int i = 0; i < 6; ++i) {
        auto& door = i % 2 == 0 ? *at_a : *at_b;
        EXPECT_TRUE(scan(door, fmt::format("s-{}", i), a_.badge(fmt::format("d-{:03}", i + 1))).admitted());
    }
    // B learns of A's scans without scanning anything itself (LISTEN/NOTIFY).
    EXPECT_TRUE(eventually([&] { return occupancy(a_)["side"] == 6 && occupancy(b_)["side"] == 6; }, 3s))
        << "A shows " << occupancy(a_)["side"] << ", B shows " << occupancy(b_)["side"];

    // The live view of B, the one organisers watch, shows A's scans too.
    const auto live = http_get(b_.port(), "/api/occupancy", "viewer-token");
    EXPECT_NE(live.body.find("\"inside\":6"), std::string::npos) << live.body;

    b_.stop_graceful();
    EXPECT_TRUE(scan(*at_a, "s-while-b-down", a_.badge("d-020")).admitted());
    b_.start({"--store-url", url_});
    EXPECT_EQ(occupancy(b_)["side"], 7) << "B did not rebuild occupancy from the shared database";
    EXPECT_EQ(stored_scans(), 7);
}

TEST_F(ClusterTest, AnAnnulmentOnOneServerChangesEveryDashboard) {
    auto at_a = station(a_, "side-both");
    EXPECT_TRUE(scan(*at_a, "to-annul", a_.badge("d-001")).admitted());
    EXPECT_TRUE(eventually([&] { return occupancy(b_)["side"] == 1; }));
    const auto r = http_post(b_.port(), "/api/scans/to-annul/annul", R"({"actor":"desk-2","reason":"test"})",
                             "staff-token");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(eventually([&] { return occupancy(a_)["side"] == 0 && occupancy(b_)["side"] == 0; }))
        << "A shows " << occupancy(a_)["side"];
}

TEST_F(ClusterTest, ALostDatabaseConnectionCostsNoScan) {
    auto door = station(a_, "side-both");
    EXPECT_TRUE(scan(*door, "before", a_.badge("d-001")).admitted());
    // A database restart or an operator ends every session of admit's database.
    std::string why_not;
    const auto maintenance = postgres_server_url(why_not);
    ASSERT_TRUE(maintenance) << why_not;
    const auto db = url_.substr(url_.rfind('/') + 1);
    const auto killed = std::system(fmt::format("psql -q '{}' -c \"SELECT pg_terminate_backend(pid) FROM "
                                                "pg_stat_activity WHERE datname = '{}'\" >/dev/null",
                                                *maintenance, db).c_str());
    ASSERT_EQ(killed, 0);

    // The kiosk's way: a scan that was not acknowledged is sent again, same id.
    bool admitted = false;
    int refusals = 0;
    for (int attempt = 0; attempt < 10 && !admitted; ++attempt) {
        wire::StationMessage m;
        auto* s = m.mutable_scan();
        s->set_scan_id("after");
        s->set_payload(a_.badge("d-002"));
        s->set_direction(wire::ENTRY);
        door->send(m);
        const auto reply = door->receive(10s);
        ASSERT_TRUE(reply) << door->close_reason();
        if (reply->has_error()) {
            EXPECT_EQ(reply->error().code(), wire::Error::STORAGE_UNAVAILABLE) << reply->DebugString();
            ++refusals;
            std::this_thread::sleep_for(200ms);
            continue;
        }
        admitted = reply->has_verdict() && reply->verdict().admitted();
    }
    EXPECT_TRUE(admitted) << "the server did not reconnect to the database";
    EXPECT_LE(refusals, 1) << "more than the first batch after the loss failed";
    EXPECT_EQ(stored_scans(), 2);
    EXPECT_TRUE(eventually([&] { return occupancy(b_)["side"] == 2; }));
    EXPECT_EQ(http_get(a_.port(), "/healthz").status, 200);
}

// Runs the admin tool; its exit code and what it printed.
std::pair<int, std::string> run_admit(const std::string& args) {
    const std::string command = program("admit").string() + " " + args + " 2>&1";
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return {-1, "cannot run " + command};
    char buffer[4096];
    for (std::size_t n = 0; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    return {::pclose(pipe), out};
}

TEST_F(ClusterTest, TheAdminToolImportsAndExportsOnTheSharedDatabase) {
    // The organiser's config names the shared database in [store].
    temp_dir work;
    std::ifstream original(a_.config_file());
    std::stringstream config;
    config << original.rdbuf() << postgres_store_toml(url_);
    const auto config_file = work.write("event.toml", config.str());
    const auto csv = work.write("late.csv", "id,name,category\nlate-1,늦은 참가자,delegate\n");

    const auto imported = run_admit(fmt::format("import-roster --config {} --data {} {}", config_file.string(),
                                                a_.data_dir().string(), csv.string()));
    ASSERT_EQ(imported.first, 0) << imported.second;
    // Both servers notice the import in the shared database and admit the newcomer.
    auto at_b = station(b_, "side-both");
    ASSERT_TRUE(eventually([&] { return http_get(a_.port(), "/api/attendees/late-1", "viewer-token").status == 200; }));
    EXPECT_TRUE(scan(*at_b, "late-scan", a_.badge("late-1")).admitted());
    // The help desk on the other server lists that scan in the person's history.
    EXPECT_TRUE(eventually([&] {
        return http_get(a_.port(), "/api/attendees/late-1", "viewer-token").body.find("\"late-scan\"") != std::string::npos;
    }));

    const auto out = work.path() / "reports";
    const auto exported = run_admit(fmt::format("export --config {} --data {} --out {} --format csv",
                                                config_file.string(), a_.data_dir().string(), out.string()));
    ASSERT_EQ(exported.first, 0) << exported.second;
    std::ifstream scans(out / "csv" / "scans.csv");
    std::stringstream text;
    text << scans.rdbuf();
    EXPECT_NE(text.str().find("late-scan"), std::string::npos) << text.str();
    EXPECT_NE(text.str().find("늦은 참가자"), std::string::npos) << text.str();
}

// A late offline entry decided on one server re-decides the exit the other
// server refused: both follow the same log to the same counts.
TEST_F(ClusterTest, ALateOfflineEntryOnOneServerReDecidesTheOtherServersExit) {
    auto exit_on_a = station(a_, "main-out");
    auto entrance_on_b = station(b_, "main-in");
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const auto refused = scan(*exit_on_a, "exit-online", a_.badge("d-001"), wire::EXIT);
    ASSERT_EQ(refused.reason(), wire::NOT_INSIDE);
    // Read at the entrance a minute before the exit, on a kiosk that was offline.
    wire::StationMessage late;
    auto* s = late.mutable_scan();
    s->set_scan_id("entry-offline");
    s->set_payload(a_.badge("d-001"));
    s->set_direction(wire::ENTRY);
    s->set_offline(true);
    s->set_device_time_ms(now_ms - 60'000);
    entrance_on_b->send(late);
    const auto reply = entrance_on_b->receive(10s);
    ASSERT_TRUE(reply && reply->has_verdict());
    EXPECT_TRUE(reply->verdict().admitted()) << reply->verdict().explanation();
    // Server A, which refused the exit, hears of its re-decision and tells its station.
    const auto told = exit_on_a->receive(10s);
    ASSERT_TRUE(told && told->has_redecision()) << (told ? told->DebugString() : "nothing");
    EXPECT_EQ(told->redecision().scan_id(), "exit-online");
    EXPECT_TRUE(told->redecision().conflict());
    EXPECT_TRUE(told->redecision().verdict().admitted());
    const std::map<std::string, std::int64_t> empty{{"main", 0}, {"side", 0}};
    EXPECT_TRUE(eventually([&] { return occupancy(a_) == empty && occupancy(b_) == empty; }))
        << "A: " << occupancy(a_)["main"] << ", B: " << occupancy(b_)["main"];
    // Both servers' timelines agree: a new entry is admitted on either.
    EXPECT_TRUE(scan(*station(a_, "main-in"), "entry-again", a_.badge("d-001")).admitted());
    EXPECT_TRUE(eventually([&] { return occupancy(a_)["main"] == 1 && occupancy(b_)["main"] == 1; }));
}

// A kiosk's outbox replayed to the other server when its server is killed.
TEST_F(ClusterTest, KillingOneServerMidLoadItsKiosksFailOverAndNothingIsLostOrDuplicated) {
    temp_dir state;
    const auto a = fmt::format("127.0.0.1:{}", a_.port());
    const auto b = fmt::format("127.0.0.1:{}", b_.port());
    kiosk_process kiosk({"--station", "side-both", "--token", "side-both-token", "--state",
                         (state.path() / "kiosk").string(), "--json", "--keyboard", "--direction", "entry",
                         "--server", a, "--server", b});
    ASSERT_FALSE(kiosk.wait_for([](const json::object& e) {
        const auto* type = e.if_contains("type");
        return type && *type == "ready";
    }, 15s).empty())
        << kiosk.transcript();

    // 40 people come in through this door; A dies after the first 15.
    std::set<std::string> scan_ids;
    int decided_by_b = 0;
    for (int i = 0; i < 40; ++i) {
        if (i == 15) a_.kill_hard();
        kiosk.send_line(a_.badge(fmt::format("d-{:03}", i + 1)));
        const auto s = kiosk.next_scan(20s);
        ASSERT_FALSE(s.empty()) << kiosk.transcript();
        EXPECT_EQ(s.at("admitted"), true) << json::serialize(s);  // online or offline, the door opens
        scan_ids.emplace(s.at("scan_id").as_string());
        if (const auto* by = s.if_contains("server"); by && *by == b.c_str()) ++decided_by_b;
    }
    EXPECT_GT(decided_by_b, 0) << "no scan was decided by B after A died:\n" << kiosk.transcript();
    // Every scan reaches the database exactly once (the outbox replays to B).
    store::store_location shared;
    shared.postgres_url = url_;
    EXPECT_TRUE(eventually([&] { return stored_scans() == 40; }, 30s)) << stored_scans() << " stored";
    std::multiset<std::string> stored;
    store::open_store(shared, store::open_mode::read_only)->for_each_scan([&](const core::scan_record& r) {
        stored.insert(r.scan_id);
    });
    for (const auto& id : scan_ids) EXPECT_EQ(stored.count(id), 1u) << id;
    EXPECT_EQ(stored.size(), scan_ids.size());
    EXPECT_TRUE(eventually([&] { return occupancy(b_)["side"] == 40; }, 5s)) << occupancy(b_)["side"];

    // A comes back and agrees.
    a_.start({"--store-url", url_});
    EXPECT_EQ(occupancy(a_)["side"], 40);
}

}  // namespace
}  // namespace admit::test
