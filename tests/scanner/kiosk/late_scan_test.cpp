// Late offline scans in read order, with the real server and two real
// kiosks: one door's link is cut while people enter there (their entries
// queue on the kiosk), and the same people leave online at another door
// (the server, not knowing the entries, flags "exit without entry"). When
// the link is back and the queue replays, every hall count must equal a
// recomputation of the log in read order, the people must not be refused
// "already inside" afterwards, and each exit whose verdict changed must be
// recorded as a conflict (in the log, the conflicts report, and on the
// kiosk that made it).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "config/event_loader.hpp"
#include "kiosk/outbox.hpp"
#include "protocol/rules_json.hpp"
#include "scanner/kiosk/kiosk_process.hpp"
#include "store/scan_store.hpp"
#include "support/fault_proxy.hpp"
#include "support/http_get.hpp"
#include "support/server_process.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// Two doors of the side room: the entrance whose link is cut, and an exit.
// The duplicate window is off so that a re-entry at once is judged afresh.
constexpr const char* doors = R"(
[[stations]]
id = "side-in"
hall = "side"
role = "entrance"
token = "side-in-token"

[[stations]]
id = "side-out"
hall = "side"
role = "exit"
token = "side-out-token"

[policies]
duplicate_window = 0
)";

bool is(const json::object& e, std::string_view type) {
    const auto* t = e.if_contains("type");
    return t && t->is_string() && t->as_string() == type;
}

class LateScanTest : public ::testing::Test {
protected:
    LateScanTest() : server_(small_event_toml(doors), small_roster_with_delegates("m", "Member", 0, 9)) {}
    void SetUp() override {
        server_.start();
        relay_.set_target(server_.port());
    }
    void TearDown() override {
        if (HasFailure()) {
            std::cerr << "--- server log ---\n" << server_.log();
            for (const auto* k : {entrance_.get(), exit_.get()})
                if (k) std::cerr << "--- kiosk events ---\n" << k->transcript();
        }
    }

    std::filesystem::path rules_file() {
        protocol::station_rules r;
        r.event = config::load_config(server_.config_file()).event;
        for (auto& s : r.event.stations) s.token_hash.clear();
        r.badge_key = server_.keys().pub;
        const auto file = state_.path() / "rules.json";
        std::ofstream(file) << protocol::rules_to_json(r);
        return file;
    }

    std::unique_ptr<kiosk_process> kiosk(const std::string& station, unsigned short port) {
        auto k = std::make_unique<kiosk_process>(std::vector<std::string>{
            "--server", fmt::format("127.0.0.1:{}", port), "--station", station, "--token", station + "-token",
            "--state", (state_.path() / station).string(), "--json", "--keyboard", "--rules",
            rules_file().string(), "--repeat-window", "0s"});
        EXPECT_FALSE(k->wait_for([](const auto& e) { return is(e, "ready"); }, 15s).empty()) << k->transcript();
        return k;
    }

    json::object scan(kiosk_process& k, const std::string& who) {
        k.send_line(server_.badge(who));
        auto s = k.next_scan();
        EXPECT_FALSE(s.empty()) << k.transcript();
        return s;
    }

    std::map<std::string, int> inside_now() {
        std::map<std::string, int> out;
        const auto r = http_get(server_.port(), "/api/occupancy", "viewer-token");
        EXPECT_EQ(r.status, 200);
        const auto body = json::parse(r.body);  // kept: the loop must not range over a temporary
        for (const auto& h : body.at("halls").as_array())
            out[std::string(h.at("id").as_string())] = static_cast<int>(h.at("inside").as_int64());
        return out;
    }

    std::vector<core::scan_record> the_log() {
        std::vector<core::scan_record> all;
        store::open_sqlite_store(server_.data_dir(), store::open_mode::read_only)
            ->for_each_scan([&](const core::scan_record& r) { all.push_back(r); });
        return all;
    }

    // Who is where by the log's door reads taken in the order the badges were
    // read (not the order they arrived): an entry puts the person in its
    // hall, an exit takes them out. A read that was refused for a reason
    // other than where the person was (a closed hall, a bad badge) moves no
    // one; duplicates and re-decisions are not door reads.
    std::map<std::string, int> recomputed_in_read_order() {
        auto reads = the_log();
        std::erase_if(reads, [](const core::scan_record& r) {
            const bool place_refusal = r.result.why == core::reason::not_inside ||
                                       r.result.why == core::reason::already_inside ||
                                       r.result.why == core::reason::in_other_hall;
            return r.kind != core::scan_kind::badge || r.duplicate || r.annulled || r.attendee_id.empty() ||
                   (!r.result.admitted && !place_refusal);
        });
        std::stable_sort(reads.begin(), reads.end(), [](const auto& a, const auto& b) {
            return a.read_time() < b.read_time();
        });
        std::map<std::string, std::string> where;
        for (const auto& r : reads) where[r.attendee_id] = r.dir == core::direction::entry ? r.hall_id : "";
        std::map<std::string, int> count{{"main", 0}, {"side", 0}};
        for (const auto& [who, hall] : where)
            if (!hall.empty()) ++count[hall];
        return count;
    }

    std::size_t backlog(const std::string& station) {
        return scanner::outbox::open_read_only(state_.path() / station)->backlog();
    }

    server_process server_;
    fault_proxy relay_;  // the entrance's link, which the test cuts
    temp_dir state_;
    std::unique_ptr<kiosk_process> entrance_;
    std::unique_ptr<kiosk_process> exit_;
};

TEST_F(LateScanTest, EntriesQueuedOfflineArePlacedBeforeTheExitsReadOnlineMeanwhile) {
    entrance_ = kiosk("side-in", relay_.port());
    exit_ = kiosk("side-out", server_.port());
    const std::vector<std::string> people{"m-000", "m-001", "m-002"};

    // The entrance's link is cut: its kiosk decides alone and queues the scans.
    relay_.set_refusing(true);
    relay_.drop_all();
    ASSERT_FALSE(entrance_
                     ->wait_for([](const auto& e) { return is(e, "link") && e.at("state") == "offline"; }, 10s)
                     .empty())
        << entrance_->transcript();
    for (const auto& who : people) {
        const auto s = scan(*entrance_, who);
        EXPECT_EQ(s.at("offline"), true);
        EXPECT_EQ(s.at("admitted"), true) << json::serialize(s);
    }
    // Meanwhile the same people leave by the exit, online: the server has no entry for them yet.
    for (const auto& who : people) {
        const auto s = scan(*exit_, who);
        EXPECT_EQ(s.at("source"), "server");
        EXPECT_EQ(s.at("reason"), "not_inside") << json::serialize(s);
    }
    EXPECT_EQ(backlog("side-in"), people.size());

    // The link is back: the queued entries replay, read before the exits.
    relay_.set_refusing(false);
    ASSERT_TRUE(eventually([&] { return backlog("side-in") == 0; }, 30s)) << entrance_->transcript();
    EXPECT_EQ(inside_now(), recomputed_in_read_order());
    EXPECT_EQ(inside_now()["side"], 0) << "everyone who went in also came out";

    // Each exit was decided again, admitted now: a conflict with the red screen shown.
    const auto log = the_log();
    for (const auto& who : people) {
        SCOPED_TRACE(who);
        const auto re = std::find_if(log.begin(), log.end(), [&](const auto& r) {
            return r.kind == core::scan_kind::redecision && r.attendee_id == who;
        });
        ASSERT_NE(re, log.end());
        EXPECT_TRUE(re->conflicts());
        EXPECT_TRUE(re->result.admitted) << re->result.explanation;
        EXPECT_EQ(re->station_id, "side-out");
        ASSERT_TRUE(re->shown.has_value());
        EXPECT_EQ(re->shown->why, core::reason::not_inside);
    }
    const auto conflicts = http_get(server_.port(), "/api/export/conflicts.csv", "staff-token");
    ASSERT_EQ(conflicts.status, 200) << conflicts.body;
    for (const auto& who : people) EXPECT_NE(conflicts.body.find(who), std::string::npos) << conflicts.body;
    // The exit kiosk hears of it.
    EXPECT_TRUE(eventually(
        [&] {
            const auto events = exit_->events();
            return std::count_if(events.begin(), events.end(), [](const auto& e) {
                       return is(e, "redecided") && e.at("conflict") == true;
                   }) == static_cast<std::ptrdiff_t>(people.size());
        },
        10s
    )) << exit_->transcript();

    // Back in at the entrance, online now: not refused "already inside".
    const auto back = scan(*entrance_, "m-000");
    EXPECT_EQ(back.at("source"), "server");
    EXPECT_EQ(back.at("admitted"), true) << json::serialize(back);
    EXPECT_EQ(inside_now(), recomputed_in_read_order());
    EXPECT_EQ(inside_now()["side"], 1);

    // A restart rebuilds the same counts from the log.
    entrance_.reset();
    exit_.reset();
    server_.stop_graceful();
    server_.start();
    EXPECT_EQ(inside_now(), recomputed_in_read_order());
}

}  // namespace
}  // namespace admit::test
