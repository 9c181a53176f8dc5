// When the database goes away (issue 24), with everything real: a PostgreSQL
// server of the test's own that it stops and starts again, two admit-server
// binaries on it, and admit-scanner kiosks. What door staff and operators
// rely on: the door never waits for the database, kiosks do not storm between
// servers that share it, every scan is stored once when it is back, and
// /healthz says what is true now, both ways, without any scan.
// Also: one badge key per event, on PostgreSQL and SQLite (servers and `admit`).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sys/wait.h>

#include "client/station_client.hpp"
#include "config/key_files.hpp"
#include "scanner/kiosk/kiosk_process.hpp"
#include "store/scan_store.hpp"
#include "support/http_get.hpp"
#include "support/pg_private_server.hpp"
#include "support/pg_test_database.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::vector<core::attendee> outage_roster() { return small_roster_with_delegates("p", "Person", 1, 400); }

bool is(const json::object& e, const char* type) { return e.at("type") == type; }

std::string loopback(unsigned short port) { return fmt::format("127.0.0.1:{}", port); }

std::string metric_line(unsigned short port, const std::string& name) {
    const auto body = http_get(port, "/metrics").body;
    const auto at = body.find("\n" + name);
    if (at == std::string::npos) return {};
    return body.substr(at + 1, body.find('\n', at + 1) - at - 1);
}

struct program_output {
    int code = -1;
    std::string output;
};

// Runs a program of this build to its end; stdout and stderr together.
program_output run_admit(const std::vector<std::string>& args) {
    std::string command = "'" + program("admit").string() + "'";
    for (const auto& a : args) command += " '" + a + "'";
    program_output r;
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (p == nullptr) return r;
    std::array<char, 512> buf{};
    while (std::fgets(buf.data(), buf.size(), p) != nullptr) r.output += buf.data();
    const int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(rank, v.size() - 1)];
}

class StorageOutageTest : public ::testing::Test {
protected:
    StorageOutageTest()
        : a_(small_event_toml(), outage_roster()), b_(small_event_toml(), outage_roster()) {
        config::write_badge_keys(b_.data_dir(), a_.keys(), true);
    }

    void SetUp() override {
        std::string why_not;
        auto pg = pg_private_server::start_new(why_not);
        if (!pg) GTEST_SKIP() << why_not;
        pg_.emplace(std::move(*pg));
        url_ = pg_->fresh_database();
        store::store_location shared;
        shared.postgres_url = url_;
        store::open_store(shared)->upsert_attendees(outage_roster());
    }

    void TearDown() override {
        if (HasFailure()) {
            std::cerr << "--- server A log ---\n" << a_.log() << "--- server B log ---\n" << b_.log();
        }
    }

    void stop_database() {
        std::string error;
        ASSERT_TRUE(pg_->stop(error)) << error;
    }
    void start_database() {
        std::string error;
        ASSERT_TRUE(pg_->start(error)) << error;
    }

    std::optional<pg_private_server> pg_;
    std::string url_;
    server_process a_;
    server_process b_;
    temp_dir state_;
};

// Issue 24 item 2: a server that had not written answered 200 while the
// database was down, and one that failed a write stayed 503 long after it
// was back, until its next commit.
TEST_F(StorageOutageTest, HealthSaysWhatIsTrueNowBothWaysWithoutAnyScan) {
    a_.start({"--store-url", url_});
    ASSERT_EQ(http_get(a_.port(), "/healthz").status, 200) << http_get(a_.port(), "/healthz").body;

    stop_database();
    std::string body;
    EXPECT_TRUE(eventually(
        [&] {
            const auto r = http_get(a_.port(), "/healthz");
            body = r.body;
            return r.status == 503;
        },
        15s
    )) << "no 503 while the database is stopped: "
       << body;
    const auto down = json::parse(body).as_object();
    EXPECT_EQ(down.at("status"), "degraded");
    const auto& unhealthy = down.at("unhealthy").as_array();
    EXPECT_NE(std::find(unhealthy.begin(), unhealthy.end(), json::value("store")), unhealthy.end()) << body;
    EXPECT_EQ(down.at("parts").at("store").at("ok"), false) << body;
    EXPECT_EQ(metric_line(a_.port(), "admit_health_ok{part=\"store\"}"), "admit_health_ok{part=\"store\"} 0");

    start_database();
    EXPECT_TRUE(eventually(
        [&] {
            const auto r = http_get(a_.port(), "/healthz");
            body = r.body;
            return r.status == 200;
        },
        15s
    )) << "still not 200 with the database back: "
       << body;
    EXPECT_EQ(json::parse(body).at("parts").at("store").at("ok"), true) << body;
    EXPECT_EQ(metric_line(a_.port(), "admit_health_ok{part=\"store\"}"), "admit_health_ok{part=\"store\"} 1");
    EXPECT_FALSE(metric_line(a_.port(), "admit_disk_free_bytes").empty());
}

// Issue 24 item 1: with the database stopped, every offline verdict took the
// kiosk's 3 s answer timeout, and kiosks bounced between two servers that
// both said STORAGE_UNAVAILABLE, thousands of times.
TEST_F(StorageOutageTest, DoorsDecideAtOnceKiosksStayAndEveryScanIsStoredOnce) {
    a_.start({"--store-url", url_});
    b_.start({"--store-url", url_});
    constexpr int kiosks = 4;
    const std::array<const char*, kiosks> stations{"side-both", "side-both", "main-in", "side-both"};
    std::vector<std::unique_ptr<kiosk_process>> doors;
    for (int i = 0; i < kiosks; ++i) {
        // Half list A first, half B first: all reach the database through both servers.
        const auto servers = i % 2 == 0 ? loopback(a_.port()) + "," + loopback(b_.port())
                                        : loopback(b_.port()) + "," + loopback(a_.port());
        doors.push_back(std::make_unique<kiosk_process>(std::vector<std::string>{
            "--server", servers, "--station", stations[static_cast<std::size_t>(i)], "--token",
            std::string(stations[static_cast<std::size_t>(i)]) + "-token", "--state",
            (state_.path() / fmt::format("k{}", i)).string(), "--direction", "entry", "--json", "--keyboard",
            "--drain-timeout", "60"}));
    }
    for (auto& k : doors) {
        ASSERT_FALSE(k->wait_for([](const auto& e) { return is(e, "link") && e.at("state") == "online"; }, 15s)
                         .empty())
            << k->transcript();
        // Rules to decide offline with.
        ASSERT_FALSE(k->wait_for(
                          [](const auto& e) {
                              return is(e, "info") &&
                                     std::string(e.at("message").as_string()).starts_with("rules fetched");
                          },
                          15s
        )
                         .empty())
            << k->transcript();
    }

    int next_person = 1;
    std::set<std::string> scan_ids;
    std::vector<double> outage_latency;
    std::vector<double> all_latency;
    int offline_in_outage = 0;
    // One scan at every door, then each door's verdict on its screen.
    auto round = [&](bool in_outage) {
        for (auto& k : doors) k->send_line(a_.badge(fmt::format("p-{:03}", next_person++)));
        for (auto& k : doors) {
            const auto s = k->next_scan(15s);
            ASSERT_FALSE(s.empty()) << k->transcript();
            scan_ids.insert(std::string(s.at("scan_id").as_string()));
            const double ms = s.at("latency_ms").to_number<double>();
            all_latency.push_back(ms);
            if (in_outage) {
                outage_latency.push_back(ms);
                if (s.at("offline") == true) ++offline_in_outage;
            }
        }
    };
    // How often the kiosk that heard it least heard STORAGE_UNAVAILABLE (each time it retries its server).
    auto fewest_retries = [&] {
        auto fewest = std::numeric_limits<std::size_t>::max();
        for (const auto& k : doors) {
            std::size_t n = 0;
            for (const auto& e : k->events())
                if (is(e, "link") && e.at("state") == "offline" &&
                    std::string(e.at("detail").as_string()).find("STORAGE_UNAVAILABLE") != std::string::npos)
                    ++n;
            fewest = std::min(fewest, n);
        }
        return fewest;
    };
    for (int i = 0; i < 5; ++i) round(false);
    const auto stopped_at = std::chrono::steady_clock::now();
    stop_database();
    // Doors scan, then the kiosks retry their servers by themselves (backoff
    // 0.1-0.3 s, doubling) until each has tried five times, some 6 s: the
    // doors scan again at the longer backoff.
    for (int i = 0; i < 40; ++i) round(true);
    EXPECT_TRUE(eventually([&] { return fewest_retries() >= 5; }, 60s)) << fewest_retries();
    for (int i = 0; i < 40; ++i) round(true);
    start_database();
    const std::chrono::duration<double> outage = std::chrono::steady_clock::now() - stopped_at;
    for (int i = 0; i < 5; ++i) round(false);

    // Every kiosk delivers its outbox once the database is back, then ends.
    for (auto& k : doors) k->close_stdin();
    for (auto& k : doors) EXPECT_EQ(k->wait_exit(90s), 0) << k->transcript();

    int failovers = 0;
    int storage_retries = 0;
    for (const auto& k : doors) {
        std::string on;
        for (const auto& e : k->events()) {
            if (!is(e, "link")) continue;
            const std::string server(e.at("server").as_string());
            if (e.at("state") == "online") {
                if (!on.empty() && on != server) ++failovers;
                on = server;
            } else if (std::string(e.at("detail").as_string()).find("STORAGE_UNAVAILABLE") != std::string::npos) {
                ++storage_retries;
            }
        }
    }
    std::cout << fmt::format(
        "[ outage ] database stopped {:.1f} s; {} kiosks, {} scans ({} while the database was stopped, {} of them shown offline); "
        "scan to screen p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms while stopped; p99 {:.1f} ms overall; "
        "{} failovers; {} STORAGE_UNAVAILABLE answers (each one retry of the same server)\n",
        outage.count(), kiosks, scan_ids.size(), outage_latency.size(), offline_in_outage, percentile(outage_latency, 0.5),
        percentile(outage_latency, 0.99), percentile(outage_latency, 1.0), percentile(all_latency, 0.99),
        failovers, storage_retries
    );
    EXPECT_EQ(failovers, 0) << "kiosks left a server whose database was away for one that shares it";
    EXPECT_GT(offline_in_outage, 0) << "no scan was decided offline while the database was stopped";

    // Every scan shown at a door is in the database, once.
    store::store_location shared;
    shared.postgres_url = url_;
    auto log = store::open_store(shared, store::open_mode::read_only);
    std::vector<std::string> ids(scan_ids.begin(), scan_ids.end());
    const auto found = log->find_scans(ids);
    std::set<std::string> stored;
    for (const auto& r : found) stored.insert(r.scan_id);
    EXPECT_EQ(stored.size(), scan_ids.size());
    for (const auto& id : scan_ids) EXPECT_TRUE(stored.contains(id)) << id << " was shown but not stored";
    EXPECT_EQ(log->scan_count(), static_cast<std::int64_t>(scan_ids.size()));
}

// --- One badge key per event (issue 24 item 3) ---

std::string fingerprint_of(const core::public_key& key) { return core::fingerprint_text(core::key_fingerprint(key)); }

// A server with another key than the event's refuses to start and says which
// key the event uses; so does `admit` when it signs badges; `admit event-key
// --adopt` makes a new key the event's.
void expect_one_key_per_event(server_process& first, server_process& other, const std::string& store_toml) {
    first.start();
    const auto event_key = fingerprint_of(first.keys().pub);
    ASSERT_NE(event_key, fingerprint_of(other.keys().pub));

    EXPECT_THROW(other.start(), std::runtime_error);
    const auto log = other.log();
    EXPECT_NE(log.find(event_key), std::string::npos) << log;
    EXPECT_NE(log.find(fingerprint_of(other.keys().pub)), std::string::npos) << log;
    EXPECT_NE(log.find("Copy the event's keys folder"), std::string::npos) << log;

    // The admin tool with the other data directory: refuses to sign.
    const auto signed_badges = other.data_dir().parent_path() / "tokens.csv";
    auto r = run_admit({"issue-badges", "--config", other.config_file().string(), "--data",
                        other.data_dir().string(), "--out", signed_badges.string()});
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find(event_key), std::string::npos) << r.output;
    r = run_admit({"event-key", "--config", other.config_file().string(), "--data", other.data_dir().string()});
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("DIFFERENT"), std::string::npos) << r.output;
    // With the event's data directory it signs.
    r = run_admit({"issue-badges", "--config", first.config_file().string(), "--data", first.data_dir().string(),
                   "--out", signed_badges.string()});
    EXPECT_EQ(r.code, 0) << r.output;
    (void)store_toml;
}

TEST(EventBadgeKey, ASecondServerWithAnotherKeyRefusesToStartOnPostgres) {
    ADMIT_POSTGRES_OR_SKIP(url);
    const auto store_toml = postgres_store_toml(url);
    server_process first(small_event_toml(store_toml), small_roster());
    server_process other(small_event_toml(store_toml), small_roster());
    store::store_location shared;
    shared.postgres_url = url;
    store::open_store(shared)->upsert_attendees(small_roster());
    expect_one_key_per_event(first, other, store_toml);
    // Adopting the other key for the whole event: then it starts, and the first one does not.
    first.stop_graceful();
    const auto adopt = run_admit({"event-key", "--config", other.config_file().string(), "--data",
                                  other.data_dir().string(), "--adopt"});
    ASSERT_EQ(adopt.code, 0) << adopt.output;
    EXPECT_NO_THROW(other.start());
    EXPECT_THROW(first.start(), std::runtime_error);
}

TEST(EventBadgeKey, AServerWhoseKeysWereReplacedRefusesToStartOnSqlite) {
    server_process server(small_event_toml(), small_roster());
    server.start();
    server.stop_graceful();
    const auto old_key = fingerprint_of(server.keys().pub);
    // keygen --force without adopting the new key for the event.
    auto r = run_admit({"keygen", "--data", server.data_dir().string(), "--force"});
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_THROW(server.start(), std::runtime_error);
    EXPECT_NE(server.log().find(old_key), std::string::npos) << server.log();
    r = run_admit({"issue-badges", "--config", server.config_file().string(), "--data", server.data_dir().string(),
                   "--out", (server.data_dir().parent_path() / "tokens.csv").string()});
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find(old_key), std::string::npos) << r.output;
    r = run_admit({"event-key", "--config", server.config_file().string(), "--data", server.data_dir().string(),
                   "--adopt"});
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NO_THROW(server.start());
}

// --- One rehearsal clock per event (issue 24 item 4) ---

std::int64_t server_time_ms(const server_process& server) {
    client::station_client c;
    c.connect("127.0.0.1", server.port());
    return c.hello("side-both", "side-both-token").server_time_ms();
}

// Two servers of one event started at different moments with the same
// --clock-start read the same time: the second runs from the first's start.
TEST(RehearsalClock, ServersSharingADatabaseShareOneRehearsalClock) {
    ADMIT_POSTGRES_OR_SKIP(url);
    server_process first(small_event_toml(), small_roster());
    server_process second(small_event_toml(), small_roster());
    config::write_badge_keys(second.data_dir(), first.keys(), true);
    const std::vector<std::string> rehearsal{"--store-url", url, "--clock-start", "2023-09-25T17:00:00+09:00"};
    first.start(rehearsal);
    const auto first_alone = server_time_ms(first);
    second.start(rehearsal);  // later: its own clock would read less than the first's
    const auto a1 = server_time_ms(first);
    const auto b = server_time_ms(second);
    const auto a2 = server_time_ms(first);
    EXPECT_GE(a1, first_alone);
    // Read in this order, b lies between a1 and a2 (a few ms of rounding aside).
    EXPECT_GE(b + 5, a1) << "the second server's clock is behind the first's by " << a1 - b << " ms";
    EXPECT_LE(b, a2 + 5) << "the second server's clock is ahead of the first's by " << b - a2 << " ms";
    EXPECT_NE(second.log().find("by the first server of this event"), std::string::npos) << second.log();

    // --clock-restart starts it over: the restarted server reads about the start again.
    second.stop_graceful();
    auto restart = rehearsal;
    restart.push_back("--clock-restart");
    second.start(restart);
    EXPECT_LT(server_time_ms(second), server_time_ms(first)) << "--clock-restart did not start the clock over";
}

}  // namespace
}  // namespace admit::test
