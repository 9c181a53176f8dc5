// A standby database takes over: two admit-servers on a PostgreSQL primary
// with a synchronous streaming standby (tests/support/test-postgres-standby.sh),
// reaching it through a libpq multi-host URL with
// target_session_attrs=read-write. Stations and kiosks scan without pause;
// the primary is killed (pg_ctl stop -m immediate) and the standby promoted
// (pg_ctl promote), as deploy/OPERATIONS.md section 8 tells an operator.
// What the organisers rely on: every scan a door saw acknowledged is in the
// promoted database exactly once, the servers found the new primary by
// themselves, doors got verdicts again after the promotion and decided
// offline meanwhile, and both dashboards agree with the log. With
// asynchronous replication the last commits can be lost; the servers then
// count from what the promoted standby holds.

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "client/station_client.hpp"
#include "config/key_files.hpp"
#include "core/presence.hpp"
#include "reliability/reliability_support.hpp"
#include "scanner/kiosk/kiosk_process.hpp"
#include "store/scan_store.hpp"
#include "support/http_get.hpp"
#include "support/pg_standby_pair.hpp"
#include "support/server_process.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

bool is_scan(const json::object& e) {
    const auto* type = e.if_contains("type");
    return type && *type == "scan";
}

// What the promoted database holds, read with a read-only store.
struct database_audit {
    std::map<std::string, int> times_of;  // scan id -> rows with it
    std::map<std::string, int> inside;    // hall -> recomputed occupancy
};

database_audit audit_database(const std::string& url) {
    store::store_location location;
    location.postgres_url = url;
    database_audit a;
    core::presence presence;
    store::open_store(location, store::open_mode::read_only)
        ->for_each_scan([&](const core::scan_record& r) {
            ++a.times_of[r.scan_id];
            if (!r.annulled && r.moved) presence.apply(*r.moved);
        });
    for (const auto* hall : {"main", "side", "arena"}) a.inside[hall] = presence.inside(hall);
    return a;
}

// A kiosk fed badges one at a time from its own thread: the next badge as
// soon as the door showed a decision, as a queue of people would.
class fed_kiosk {
public:
    fed_kiosk(const server_process& badges, std::vector<std::string> args, int first_person)
        : badges_(badges), process_(std::move(args)), person_(first_person) {}
    ~fed_kiosk() { stop(); }

    bool ready() {
        return !process_
                    .wait_for(
                        [](const json::object& e) {
                            const auto* type = e.if_contains("type");
                            return type && *type == "ready";
                        },
                        15s
                    )
                    .empty();
    }
    void start() {
        feeder_ = std::thread([this] { feed(); });
    }
    void stop() {
        feeding_ = false;
        if (feeder_.joinable()) feeder_.join();
    }

    std::size_t decided() const { return decided_; }
    std::size_t offline_decisions() const { return offline_; }
    std::size_t undecided() const { return undecided_; }
    kiosk_process& process() { return process_; }

private:
    void feed() {
        while (feeding_) {
            process_.send_line(badges_.badge(attendee_id(person_++ % 300)));
            const auto shown = process_.next_scan(10s);
            if (shown.empty()) {
                ++undecided_;  // the door left someone waiting 10 s: a failure
                return;
            }
            ++decided_;
            if (shown.at("offline") == true) ++offline_;
        }
    }

    const server_process& badges_;
    kiosk_process process_;
    int person_;
    std::atomic<bool> feeding_{true};
    std::atomic<std::size_t> decided_{0};
    std::atomic<std::size_t> offline_{0};
    std::atomic<std::size_t> undecided_{0};
    std::thread feeder_;
};

class StandbyTest : public ::testing::Test {
protected:
    StandbyTest()
        : a_(reliability_event_toml(), reliability_roster()),
          b_(reliability_event_toml(), reliability_roster()) {
        // Servers of one event share the badge keys.
        config::write_badge_keys(b_.data_dir(), a_.keys(), true);
    }

    void SetUp() override {
        std::string why_not;
        if (!db_.start(why_not)) GTEST_SKIP() << why_not;
        store::store_location shared;
        shared.postgres_url = db_.url();
        store::open_store(shared)->upsert_attendees(reliability_roster());
        a_.start({"--store-url", db_.url()});
        b_.start({"--store-url", db_.url()});
    }

    void TearDown() override {
        if (HasFailure())
            std::cerr << "--- server A log ---\n"
                      << a_.log() << "--- server B log ---\n"
                      << b_.log();
    }

    // A kiosk on `first` that fails over to `second`; answers wait 500 ms at most.
    std::vector<std::string> kiosk_on(
        const server_process& first,
        const server_process& second,
        const std::string& station,
        const std::filesystem::path& state,
        const std::string& direction
    ) const {
        auto args = kiosk_args(first.port(), station, state, direction);
        for (auto it = args.begin(); it != args.end(); ++it) {
            if (*it == "--answer-timeout") *std::next(it) = "500";
        }
        args.insert(args.end(), {"--server", fmt::format("127.0.0.1:{}", second.port())});
        return args;
    }

    pg_standby_pair db_;
    server_process a_;
    server_process b_;
};

TEST_F(StandbyTest, ThePrimaryDiesUnderLoadTheStandbyTakesOverAndNoAcknowledgedScanIsLost) {
    // Two stations on each server, scanning without pause and resending
    // what was not acknowledged (STORAGE_UNAVAILABLE, a lost connection).
    std::atomic<unsigned short> port_a{a_.port()};
    std::atomic<unsigned short> port_b{b_.port()};
    std::vector<std::unique_ptr<load_client>> stations;
    stations.push_back(std::make_unique<load_client>(a_, "arena-1", port_a, 1));
    stations.push_back(std::make_unique<load_client>(a_, "arena-2", port_b, 2));
    // Two kiosks, one on each server, failing over to the other.
    temp_dir kiosk_state;
    std::vector<std::unique_ptr<fed_kiosk>> kiosks;
    kiosks.push_back(std::make_unique<fed_kiosk>(
        a_, kiosk_on(a_, b_, "arena-k1", kiosk_state.path() / "k1", "entry"), 0
    ));
    kiosks.push_back(std::make_unique<fed_kiosk>(
        a_, kiosk_on(b_, a_, "arena-k2", kiosk_state.path() / "k2", "exit"), 150
    ));
    for (auto& k : kiosks) ASSERT_TRUE(k->ready()) << k->process().transcript();
    for (auto& s : stations) s->start();
    for (auto& k : kiosks) k->start();

    auto acknowledged = [&] {
        std::size_t n = 0;
        for (const auto& s : stations) n += s->acknowledged_count();
        return n;
    };
    auto every = [&](auto&& held) {
        for (const auto& s : stations)
            if (!held(*s)) return false;
        return true;
    };
    ASSERT_TRUE(eventually(
        [&] { return acknowledged() >= 300 && kiosks[0]->decided() + kiosks[1]->decided() >= 10; },
        20s
    )) << "no load before the failover: "
       << acknowledged() << " station scans acknowledged";

    // The primary dies. Until the standby is promoted every door is refused
    // by its server's storage: stations keep their scans, kiosks decide offline.
    db_.kill_primary();
    const auto killed_at = std::chrono::steady_clock::now();
    const auto acknowledged_at_kill = acknowledged();
    std::map<const load_client*, std::uint64_t> errors_before;
    for (const auto& s : stations) errors_before[s.get()] = s->storage_errors();
    std::size_t offline_before = 0;
    for (const auto& k : kiosks) offline_before += k->offline_decisions();
    ASSERT_TRUE(eventually(
        [&] {
            std::size_t offline = 0;
            for (const auto& k : kiosks) offline += k->offline_decisions();
            return offline > offline_before && every([&](const load_client& s) {
                       return s.storage_errors() > errors_before[&s];
                   });
        },
        15s
    )) << "the doors did not notice the primary's death";
    EXPECT_LE(acknowledged(), acknowledged_at_kill + 5 * stations.size())
        << "scans were acknowledged with no primary to commit them";

    db_.promote();
    const auto promoted_at = std::chrono::steady_clock::now();
    const auto acknowledged_at_promotion = acknowledged();
    std::vector<std::size_t> decided_at_promotion;
    for (const auto& k : kiosks) decided_at_promotion.push_back(k->process().event_count());

    // The servers find the new primary by themselves: stations get verdicts
    // again, and each kiosk shows a server's verdict again.
    ASSERT_TRUE(eventually([&] { return acknowledged() > acknowledged_at_promotion; }, 20s))
        << "no verdict in 20 s after the promotion: the servers did not reach the new primary";
    const auto first_verdict_after = std::chrono::steady_clock::now() - promoted_at;
    EXPECT_TRUE(eventually([&] { return acknowledged() >= acknowledged_at_promotion + 300; }, 20s))
        << "only " << acknowledged() - acknowledged_at_promotion
        << " scans acknowledged after the promotion";
    for (std::size_t i = 0; i < kiosks.size(); ++i) {
        EXPECT_FALSE(
            kiosks[i]
                ->process()
                .wait_for(
                    [](const json::object& e) { return is_scan(e) && e.at("offline") == false; },
                    20s, decided_at_promotion[i]
                )
                .empty()
        ) << "kiosk "
          << i << " never back online:\n"
          << kiosks[i]->process().transcript();
    }

    // Wind down: every waiting scan must arrive.
    for (auto& k : kiosks) k->stop();
    for (auto& s : stations) s->stop_scanning();
    EXPECT_TRUE(eventually(
        [&] { return every([](const load_client& s) { return s.pending_count() == 0; }); }, 20s
    )) << "station scans still unacknowledged";
    for (const auto* name : {"k1", "k2"}) {
        EXPECT_TRUE(eventually([&] { return outbox_backlog(kiosk_state.path() / name) == 0; }, 20s))
            << name << " outbox still holds " << outbox_backlog(kiosk_state.path() / name);
    }
    std::set<std::string> seen;  // every scan a door acknowledged or decided
    std::size_t offline = 0;
    for (auto& k : kiosks) {
        EXPECT_EQ(k->undecided(), 0u) << "a kiosk left someone waiting:\n"
                                      << k->process().transcript();
        k->process().close_stdin();
        EXPECT_EQ(k->process().wait_exit(20s), 0) << k->process().transcript();
        for (auto& id : kiosk_scan_ids(k->process())) seen.insert(std::move(id));
        offline += k->offline_decisions();
    }
    for (auto& s : stations) {
        s->quit();
        for (auto& id : s->acknowledged()) seen.insert(std::move(id));
    }

    // The promoted standby (on its own port: the old primary is gone) holds each once.
    const auto audit = audit_database(db_.standby_url());
    int missing = 0;
    for (const auto& id : seen) {
        if (!audit.times_of.contains(id) && ++missing <= 10)
            ADD_FAILURE() << "not in the promoted database: " << id;
    }
    EXPECT_EQ(missing, 0) << "of " << seen.size() << " scans";
    int twice = 0;
    for (const auto& [id, times] : audit.times_of) {
        if (times != 1 && ++twice <= 10) ADD_FAILURE() << id << " is stored " << times << " times";
    }
    EXPECT_EQ(twice, 0);
    // Both servers re-read what was committed: their dashboards agree with the log.
    for (const auto* server : {&a_, &b_}) {
        EXPECT_TRUE(
            eventually([&] { return served_occupancy(server->port()) == audit.inside; }, 10s)
        ) << "server on port "
          << server->port() << " shows " << served_occupancy(server->port())["arena"]
          << " in the arena, the log says " << audit.inside.at("arena");
        EXPECT_EQ(http_get(server->port(), "/healthz").status, 200) << "port " << server->port();
    }
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    std::cout << fmt::format(
        "failover: {} scans checked ({} acknowledged before the kill, {} by the promotion, {} in "
        "the end); "
        "{} kiosk scans decided offline; primary dead for {} ms before the promotion; first "
        "verdict "
        "{} ms after it\n",
        seen.size(), acknowledged_at_kill, acknowledged_at_promotion, acknowledged(), offline,
        duration_cast<milliseconds>(promoted_at - killed_at).count(),
        duration_cast<milliseconds>(first_verdict_after).count()
    );
}

// A station's scan, sent again (same id) while its server answers
// STORAGE_UNAVAILABLE, as a kiosk does; the verdict, or none after 10 tries.
std::optional<wire::Verdict> scan_until_stored(
    client::station_client& door, const std::string& scan_id, const std::string& badge
) {
    for (int attempt = 0; attempt < 10; ++attempt) {
        wire::StationMessage m;
        auto* s = m.mutable_scan();
        s->set_scan_id(scan_id);
        s->set_payload(badge);
        s->set_direction(wire::ENTRY);
        door.send(m);
        const auto reply = door.receive(10s);
        if (!reply) return std::nullopt;
        if (reply->has_verdict()) return reply->verdict();
        if (!reply->has_error() || reply->error().code() != wire::Error::STORAGE_UNAVAILABLE)
            return std::nullopt;
    }
    return std::nullopt;
}

std::unique_ptr<client::station_client> door_at(
    const server_process& server, const std::string& station
) {
    auto c = std::make_unique<client::station_client>();
    c->connect("127.0.0.1", server.port());
    c->hello(station, station + "-token");
    return c;
}

// Asynchronous replication (PostgreSQL's default): what the primary
// committed and the standby never received dies with the primary, though
// the servers acknowledged it. deploy/OPERATIONS.md says so; here the
// servers must at least notice that the log went back and count the people
// inside from what the promoted standby holds, not from what they remember.
TEST_F(StandbyTest, AnAsynchronousStandbyLosesTheLastScansAndServersRecountFromIt) {
    auto at_a = door_at(a_, "arena-1");
    auto at_b = door_at(b_, "arena-2");
    auto admit = [&](client::station_client& door, const std::string& scan_id, int person) {
        const auto v = scan_until_stored(door, scan_id, a_.badge(attendee_id(person)));
        EXPECT_TRUE(v && v->admitted()) << scan_id << ": " << (v ? v->DebugString() : "no verdict");
    };
    // Six people in through both servers while the standby is synchronous.
    for (int i = 0; i < 6; ++i) admit(i % 2 == 0 ? *at_a : *at_b, fmt::format("kept-{}", i), i);
    db_.detach_standby();
    // Four more, acknowledged by the primary alone.
    for (int i = 6; i < 10; ++i) admit(i % 2 == 0 ? *at_a : *at_b, fmt::format("lost-{}", i), i);
    ASSERT_TRUE(eventually([&] {
        return served_occupancy(a_.port())["arena"] == 10 &&
               served_occupancy(b_.port())["arena"] == 10;
    }));

    db_.kill_primary();
    db_.start_standby();
    db_.promote();
    // A scan at A reaches the promoted standby; B hears of it.
    admit(*at_a, "after-a", 20);
    const auto audit = audit_database(db_.standby_url());
    for (int i = 0; i < 6; ++i) EXPECT_EQ(audit.times_of.count(fmt::format("kept-{}", i)), 1u) << i;
    for (int i = 6; i < 10; ++i) {
        EXPECT_EQ(audit.times_of.count(fmt::format("lost-{}", i)), 0u)
            << "the standby had received lost-" << i;
    }
    ASSERT_EQ(audit.inside.at("arena"), 7);
    for (const auto* server : {&a_, &b_}) {
        EXPECT_TRUE(eventually([&] { return served_occupancy(server->port())["arena"] == 7; }, 10s))
            << "server on port " << server->port() << " shows "
            << served_occupancy(server->port())["arena"]
            << " in the arena; the promoted database holds 7";
    }
    // And both go on deciding on the database's log: B's next scan counts too.
    admit(*at_b, "after-b", 21);
    EXPECT_TRUE(eventually([&] {
        return served_occupancy(a_.port())["arena"] == 8 &&
               served_occupancy(b_.port())["arena"] == 8;
    }));
    EXPECT_EQ(audit_database(db_.standby_url()).times_of.size(), 8u);
}

}  // namespace
}  // namespace admit::test
