// The live view, the help desk and the kiosk rules, against the real server.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "load/live_readers.hpp"
#include "net/server_fixture.hpp"
#include "protocol/rules_json.hpp"
#include "store/scan_store.hpp"
#include "support/live_socket.hpp"

namespace admit::test {
namespace {

std::string checkin_body(const std::string& who, const std::string& hall, const std::string& dir) {
    return R"({"attendee_id":")" + who + R"(","hall_id":")" + hall + R"(","direction":")" + dir +
           R"(","actor":"Desk Kim","reason":"lost badge"})";
}

// A dashboard's state kept as the page does (web/js/live_merge.js): a
// "state" frame replaces it; a "delta" frame applies to the frame before it
// and changes only what it names (docs/api.md).
struct live_view {
    json::object view;
    std::vector<std::string> types;  // of every frame received, in order
    std::vector<std::int64_t> seqs;

    void apply(const json::object& frame) {
        types.emplace_back(frame.at("type").as_string());
        seqs.push_back(frame.at("seq").as_int64());
        if (frame.at("type").as_string() == "state") {
            view = frame;
            return;
        }
        ASSERT_EQ(frame.at("type").as_string(), "delta");
        ASSERT_FALSE(view.empty()) << "a delta before any whole state";
        ASSERT_EQ(frame.at("base"), view.at("seq")) << "a delta must follow the frame it was made from";
        view["seq"] = frame.at("seq");
        view["server_time"] = frame.at("server_time");
        for (const char* key : {"occupancy", "sessions", "series", "alerts", "refusals"})
            if (const auto* v = frame.if_contains(key)) view[key] = *v;
        if (const auto* changed = frame.if_contains("stations")) {
            for (const auto& patch : changed->as_array()) {
                bool found = false;
                for (auto& s : view.at("stations").as_array()) {
                    if (s.at("id") != patch.at("id")) continue;
                    for (const auto& m : patch.as_object()) s.as_object()[m.key()] = m.value();
                    found = true;
                }
                if (!found) view.at("stations").as_array().push_back(patch);
            }
        }
        if (const auto* added = frame.if_contains("feed")) {
            json::array feed = added->as_array();
            for (const auto& f : view.at("feed").as_array()) feed.push_back(f);
            if (feed.size() > 50) feed.resize(50);
            view["feed"] = std::move(feed);
        }
    }
};

// A dashboard on /ws/live.
struct live_viewer : live_view {
    client::station_client ws;
};

// Reads live frames until the viewer's state satisfies pred, or the deadline passes.
template <typename Pred>
std::optional<json::value> live_frame_where(live_viewer& live, Pred pred, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        const auto text = live.ws.receive_raw(left);
        if (!text) break;
        live.apply(json::parse(*text).as_object());
        if (::testing::Test::HasFatalFailure()) return std::nullopt;
        const json::value v = live.view;
        if (pred(v)) return v;
    }
    return std::nullopt;
}

// What a dashboard shows from a state, without what changes by itself (times, frame numbers, chart).
json::object shown(json::object state) {
    for (const char* key : {"server_time", "seq", "series", "type"}) state.erase(key);
    return state;
}

int hall_inside(const json::value& state, const std::string& hall) {
    for (const auto& h : state.at("occupancy").at("halls").as_array())
        if (h.at("id").as_string() == hall) return static_cast<int>(h.at("inside").as_int64());
    return -1;
}

TEST_F(ServerTest, StaffChecksSomeoneInAndOutByHand) {
    auto r = http_post(server_.port(), "/api/checkin", checkin_body("d-001", "main", "entry"), "staff-token");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto record = json::parse(r.body);
    EXPECT_EQ(record.at("kind").as_string(), "manual");
    // A shared staff token: the name is the one typed, and the record says so.
    EXPECT_EQ(record.at("actor").as_string(), "Desk Kim (shared token)");
    EXPECT_EQ(record.at("note").as_string(), "lost badge");
    EXPECT_EQ(record.at("inside").as_int64(), 1);
    EXPECT_EQ(inside("main"), 1);
    r = http_post(server_.port(), "/api/checkin", checkin_body("d-001", "main", "exit"), "staff-token");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(inside("main"), 0);
}

TEST_F(ServerTest, ViewersCannotActAndBadRequestsNameTheField) {
    EXPECT_EQ(http_post(server_.port(), "/api/checkin", checkin_body("d-001", "main", "entry"), "viewer-token").status, 403);
    EXPECT_EQ(http_post(server_.port(), "/api/checkin", checkin_body("d-001", "main", "entry")).status, 401);
    auto r = http_post(server_.port(), "/api/checkin", checkin_body("d-001", "nowhere", "entry"), "staff-token");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("hall_id"), std::string::npos) << r.body;
    r = http_post(server_.port(), "/api/checkin", "{not json", "staff-token");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("not JSON"), std::string::npos) << r.body;
    r = http_post(server_.port(), "/api/checkin", checkin_body("d-001", "main", "sideways"), "staff-token");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("direction"), std::string::npos) << r.body;
    EXPECT_EQ(inside("main"), 0);
}

TEST_F(ServerTest, AnnulledScanNoLongerCounts) {
    auto in = station("main-in");
    ASSERT_TRUE(scan(*in, "wrong-scan", server_.badge("d-002")).admitted());
    EXPECT_EQ(inside("main"), 1);
    const auto r = http_post(server_.port(), "/api/scans/wrong-scan/annul",
                             R"({"actor":"Desk Kim","reason":"scanned the wrong badge"})", "staff-token");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(inside("main"), 0);
    const auto person = get_json("/api/attendees/d-002");
    EXPECT_TRUE(person.at("scans").as_array()[0].at("annulled").as_bool());
    EXPECT_EQ(http_post(server_.port(), "/api/scans/no-such-scan/annul", R"({"actor":"a","reason":"b"})", "staff-token").status,
              404);
}

TEST_F(ServerTest, ReissuedBadgeRevokesTheOldOne) {
    const auto old_badge = server_.badge("d-003");
    const auto r = http_post(server_.port(), "/api/attendees/d-003/reissue", R"({"actor":"Desk Kim","reason":"lost"})",
                             "staff-token");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto reply = json::parse(r.body);
    EXPECT_EQ(reply.at("badge_version").as_int64(), 2);
    const std::string new_badge(reply.at("token").as_string());
    auto in = station("main-in");
    EXPECT_EQ(scan(*in, "old-badge", old_badge).reason(), wire::REVOKED_BADGE);
    EXPECT_TRUE(scan(*in, "new-badge", new_badge).admitted());
    const auto pdf = http_get(server_.port(), "/api/attendees/d-003/badge.pdf", "staff-token");
    EXPECT_EQ(pdf.status, 200);
    EXPECT_EQ(pdf.body.rfind("%PDF", 0), 0u);
}

TEST_F(ServerTest, SearchFindsHangulAndLatinParts) {
    // "김" percent-encoded, as a browser sends it.
    auto found = get_json("/api/attendees?q=%EA%B9%80");
    ASSERT_EQ(found.at("results").as_array().size(), 1u);
    EXPECT_EQ(found.at("results").as_array()[0].at("id").as_string(), "d-001");
    found = get_json("/api/attendees?q=souza");
    ASSERT_EQ(found.at("results").as_array().size(), 1u);
    EXPECT_EQ(found.at("results").as_array()[0].at("name").as_string(), "Ana Souza");
    EXPECT_EQ(get_json("/api/attendees?q=seoul+metropolitan").at("results").as_array().size(), 6u);
}

TEST_F(ServerTest, KioskGetsRulesWithItsOwnTokenOnly) {
    EXPECT_EQ(http_get(server_.port(), "/api/station/rules?station=main-in", "wrong").status, 401);
    EXPECT_EQ(http_get(server_.port(), "/api/station/rules?station=main-in", "viewer-token").status, 401);
    ASSERT_TRUE(http_post(server_.port(), "/api/attendees/d-004/reissue", R"({"actor":"a","reason":"b"})",
                          "staff-token").status == 200);
    const auto r = http_get(server_.port(), "/api/station/rules?station=main-in", "main-in-token");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body.find("token"), std::string::npos) << "rules must not carry station tokens";
    std::string error;
    const auto rules = protocol::rules_from_json(r.body, error);
    ASSERT_TRUE(rules) << error;
    EXPECT_EQ(rules->event.id, "test-event");
    EXPECT_EQ(rules->event.halls.size(), 2u);
    EXPECT_EQ(rules->badge_key, server_.keys().pub);
    ASSERT_EQ(rules->revoked.size(), 1u);
    EXPECT_EQ(rules->revoked[0].attendee_id, "d-004");
    EXPECT_EQ(rules->revoked[0].current_version, 2u);
}

TEST_F(ServerTest, LiveViewShowsAScanWithinASecond) {
    live_viewer live;
    live.ws.connect("127.0.0.1", server_.port(), "/ws/live?token=viewer-token");
    const auto first = live_frame_where(live, [](const json::value&) { return true; }, 5s);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->at("type").as_string(), "state");
    EXPECT_EQ(hall_inside(*first, "main"), 0);
    EXPECT_EQ(first->at("stations").as_array().size(), 3u);
    auto in = station("main-in");
    ASSERT_TRUE(scan(*in, "live-1", server_.badge("d-001")).admitted());
    const auto seen = live_frame_where(live, [](const json::value& v) { return hall_inside(v, "main") == 1; }, 1s);
    EXPECT_TRUE(seen) << "the scan did not reach the live view within a second";
    // /metrics counts the open dashboard (every second) and times the broadcasts.
    std::string text;
    eventually([&] {
        text = http_get(server_.port(), "/metrics").body;
        return text.find("admit_live_viewers 1\n") != std::string::npos;
    });
    EXPECT_NE(text.find("admit_live_viewers 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("admit_live_broadcast_seconds_count"), std::string::npos) << text;
    EXPECT_EQ(text.find("admit_live_broadcast_seconds_count 0\n"), std::string::npos) << "no broadcast was timed";
    scan(*in, "live-2", "garbage");
    const auto refusal = live_frame_where(
        live, [](const json::value& v) { return !v.at("feed").as_array().empty(); }, 2s);
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->at("feed").as_array()[0].at("reason").as_string(), "malformed_badge");
    bool online = false;
    for (const auto& s : refusal->at("stations").as_array())
        if (s.at("id").as_string() == "main-in") online = s.at("online").as_bool();
    EXPECT_TRUE(online);
}

// A server whose dashboards get at most one broadcast every 3 s.
class SlowLiveServerTest : public ServerTest {
protected:
    void SetUp() override { server_.start({"--live-interval", "3000"}); }
};

// Told by broadcast numbers, not by times (the spacing itself is tested with
// a fake clock in broadcast_schedule_test): after a quiet spell the next
// broadcast carries the scan, and a scan made while broadcasts are held back
// by --live-interval is not lost but carried by the broadcast after.
TEST_F(SlowLiveServerTest, AScanAfterAQuietSpellIsInTheNextBroadcastAndTheNextScanInTheOneAfter) {
    auto in = station("main-in");
    live_viewer live;
    live.ws.connect("127.0.0.1", server_.port(), "/ws/live?token=viewer-token");
    ASSERT_TRUE(live_frame_where(live, [](const json::value&) { return true; }, 5s));
    // Quiet for longer than the interval: no frame for 3.5 s. A change made
    // before the viewer connected (the station coming online) may still be
    // on its way, held back by the interval; it arrives during this wait.
    int frames = 0;
    while (live_frame_where(live, [](const json::value&) { return true; }, 3500ms)) {
        ASSERT_LT(++frames, 5) << "the live view never went quiet";
    }
    const auto quiet_seq = live.view.at("seq").as_int64();
    ASSERT_TRUE(scan(*in, "quiet-1", server_.badge("d-001")).admitted());
    const auto first = live_frame_where(live, [](const json::value& v) { return hall_inside(v, "main") == 1; }, 10s);
    ASSERT_TRUE(first);
    // At most one broadcast between: a new minute's chart point may come first.
    EXPECT_LE(first->at("seq").as_int64(), quiet_seq + 2) << "the scan waited for a later broadcast";
    const auto first_seq = first->at("seq").as_int64();
    ASSERT_TRUE(scan(*in, "quiet-2", server_.badge("d-002")).admitted());
    const auto second = live_frame_where(live, [](const json::value& v) { return hall_inside(v, "main") == 2; }, 10s);
    ASSERT_TRUE(second) << "a scan held back by the interval never reached the dashboard";
    EXPECT_LE(second->at("seq").as_int64(), first_seq + 2);
}

TEST_F(ServerTest, ShutdownClosesEveryDashboardAndTheServerExits) {
    live_viewer reading, silent;  // the silent one never reads after connecting
    reading.ws.connect("127.0.0.1", server_.port(), "/ws/live?token=viewer-token");
    silent.ws.connect("127.0.0.1", server_.port(), "/ws/live?token=viewer-token");
    ASSERT_TRUE(live_frame_where(reading, [](const json::value&) { return true; }, 5s));
    auto in = station("main-in");
    ASSERT_TRUE(scan(*in, "bye-1", server_.badge("d-001")).admitted());
    ASSERT_TRUE(live_frame_where(reading, [](const json::value& v) { return hall_inside(v, "main") == 1; }, 5s));
    in.reset();
    // The dashboard keeps reading while the server shuts down, as a browser does.
    std::thread stopper([&] { server_.stop_graceful(); });
    while (reading.ws.receive_raw(5s)) {
    }
    stopper.join();
    EXPECT_NE(reading.ws.close_reason().find("1001"), std::string::npos) << reading.ws.close_reason();
    EXPECT_NE(server_.log().find("stopped cleanly"), std::string::npos) << "the server did not exit by itself";
}

TEST_F(ServerTest, LiveViewFollowsAnAnnulment) {
    auto in = station("main-in");
    ASSERT_TRUE(scan(*in, "to-annul", server_.badge("d-001")).admitted());
    live_viewer live;
    live.ws.connect("127.0.0.1", server_.port(), "/ws/live?token=viewer-token");
    ASSERT_TRUE(live_frame_where(live, [](const json::value& v) { return hall_inside(v, "main") == 1; }, 2s));
    ASSERT_EQ(http_post(server_.port(), "/api/scans/to-annul/annul", R"({"actor":"a","reason":"b"})", "staff-token").status,
              200);
    EXPECT_TRUE(live_frame_where(live, [](const json::value& v) { return hall_inside(v, "main") == 0; }, 2s))
        << "open dashboards must see the annulment";
}

TEST_F(ServerTest, LiveDeltasAddUpToTheWholeStateAndANewViewerStartsWhole) {
    live_viewer a;
    a.ws.connect("127.0.0.1", server_.port(), "/ws/live?token=viewer-token");
    ASSERT_TRUE(live_frame_where(a, [](const json::value&) { return true; }, 5s));
    EXPECT_EQ(a.types.front(), "state");
    EXPECT_EQ(a.seqs.front(), 0) << "the first frame is no broadcast: no delta may follow it";
    // Entries, a refusal for the feed and an exit: several broadcasts.
    auto in = station("main-in");
    auto side = station("side-both");
    ASSERT_TRUE(scan(*in, "d-1", server_.badge("d-001")).admitted());
    ASSERT_TRUE(live_frame_where(a, [](const json::value& v) { return hall_inside(v, "main") == 1; }, 5s));
    ASSERT_TRUE(scan(*side, "d-2", server_.badge("d-002")).admitted());
    scan(*in, "d-3", "garbage");
    ASSERT_TRUE(live_frame_where(a, [](const json::value& v) {
        return hall_inside(v, "side") == 1 && !v.at("feed").as_array().empty();
    }, 5s));
    ASSERT_TRUE(scan(*side, "d-4", server_.badge("d-002"), wire::EXIT).admitted());
    ASSERT_TRUE(live_frame_where(a, [](const json::value& v) { return hall_inside(v, "side") == 0; }, 5s));
    ASSERT_GE(a.types.size(), 3u);
    EXPECT_EQ(a.types[1], "state") << "the first broadcast after connecting is whole";
    EXPECT_NE(std::find(a.types.begin() + 2, a.types.end(), "delta"), a.types.end())
        << "later broadcasts are deltas";

    // A viewer connecting now starts with the whole state; the first viewer's
    // deltas must come to the same (it may need the next broadcast to catch up).
    live_viewer b;
    b.ws.connect("127.0.0.1", server_.port(), "/ws/live?token=viewer-token");
    const auto whole = live_frame_where(b, [](const json::value&) { return true; }, 5s);
    ASSERT_TRUE(whole);
    EXPECT_EQ(b.types.front(), "state");
    const auto expected = shown(whole->as_object());
    const bool same = shown(a.view) == expected ||
                      live_frame_where(a, [&](const json::value& v) { return shown(v.as_object()) == expected; }, 5s);
    EXPECT_TRUE(same) << "deltas applied in order: " << json::serialize(shown(a.view))
                                                  << "\nwhole state: " << json::serialize(expected);
    EXPECT_EQ(a.view.at("feed").as_array()[0].at("reason").as_string(), "malformed_badge");

    // The new viewer's next frame is whole again, then deltas follow it.
    ASSERT_TRUE(scan(*in, "d-5", server_.badge("d-003")).admitted());
    ASSERT_TRUE(live_frame_where(b, [](const json::value& v) { return hall_inside(v, "main") == 2; }, 5s));
    EXPECT_EQ(b.types.at(1), "state");
    ASSERT_TRUE(scan(*in, "d-6", server_.badge("d-004")).admitted());
    ASSERT_TRUE(live_frame_where(b, [](const json::value& v) { return hall_inside(v, "main") == 3; }, 5s));
    EXPECT_EQ(b.types.back(), "delta");
}

TEST_F(ServerTest, StaffDownloadTheAttendanceExport) {
    auto in = station("main-in");
    ASSERT_TRUE(scan(*in, "export-me", server_.badge("d-001")).admitted());
    EXPECT_EQ(http_get(server_.port(), "/api/export.xlsx", "viewer-token").status, 403);
    const auto xlsx = http_get(server_.port(), "/api/export.xlsx", "staff-token");
    ASSERT_EQ(xlsx.status, 200) << xlsx.body.substr(0, 200);
    EXPECT_EQ(xlsx.body.rfind("PK", 0), 0u) << "an XLSX is a zip file";
    const auto csv = http_get(server_.port(), "/api/export/scans.csv", "staff-token");
    ASSERT_EQ(csv.status, 200) << csv.body.substr(0, 200);
    EXPECT_NE(csv.body.find("export-me"), std::string::npos);
    EXPECT_NE(csv.body.find("김민준"), std::string::npos);
    EXPECT_EQ(http_get(server_.port(), "/api/export/nothing.csv", "staff-token").status, 404);

    // The route shares the reports' CSV writer: a desk actor that Excel would
    // run as a formula downloads behind a quote.
    const auto desk = http_post(
        server_.port(), "/api/checkin",
        R"x({"attendee_id":"d-002","hall_id":"main","direction":"entry",)x"
        R"x("actor":"=HYPERLINK(\"http://x\",\"click\")","reason":"@SUM(A1)"})x",
        "staff-token"
    );
    ASSERT_EQ(desk.status, 200) << desk.body;
    const auto audit = http_get(server_.port(), "/api/export/audit.csv", "staff-token");
    ASSERT_EQ(audit.status, 200) << audit.body.substr(0, 200);
    EXPECT_NE(audit.body.find(R"x("'=HYPERLINK(""http://x"",""click"") (shared token)")x"), std::string::npos)
        << audit.body;
    EXPECT_NE(audit.body.find(",'@SUM(A1)"), std::string::npos) << audit.body;
    EXPECT_EQ(audit.body.find(",=HYPERLINK"), std::string::npos) << audit.body;
}

TEST_F(ServerTest, WhoAmITellsTheRole) {
    EXPECT_EQ(get_json("/api/whoami", "staff-token").at("role").as_string(), "staff");
    EXPECT_EQ(get_json("/api/whoami", "viewer-token").at("role").as_string(), "viewer");
}

TEST_F(ServerTest, ChartSeriesSurvivesARestart) {
    {
        auto in = station("main-in");
        ASSERT_TRUE(scan(*in, "chart-1", server_.badge("d-001")).admitted());
    }
    server_.stop_graceful();
    server_.start();
    live_viewer live;
    live.ws.connect("127.0.0.1", server_.port(), "/ws/live?token=viewer-token");
    const auto first = live_frame_where(live, [](const json::value&) { return true; }, 5s);
    ASSERT_TRUE(first);
    const auto& points = first->at("series").at("main").as_array();
    // A sample rebuilt from the log, then the latest point.
    ASSERT_GE(points.size(), 2u) << json::serialize(*first);
    EXPECT_EQ(points[0].as_array()[1].as_int64(), 1);
}

TEST_F(ServerTest, LiveViewNeedsAToken) {
    client::station_client live;
    EXPECT_THROW(live.connect("127.0.0.1", server_.port(), "/ws/live"), std::runtime_error);
}

TEST_F(ServerTest, DisconnectedStationShowsOffline) {
    {
        auto side = station("side-both");
        ASSERT_TRUE(eventually([&] {
            const auto stations = http_get(server_.port(), "/api/stations", "viewer-token");
            return stations.body.find(R"("id":"side-both","hall":"side","role":"both","online":true)") != std::string::npos;
        }));
    }
    EXPECT_TRUE(eventually([&] {
        const auto stations = http_get(server_.port(), "/api/stations", "viewer-token");
        return stations.body.find(R"("id":"side-both","hall":"side","role":"both","online":false)") != std::string::npos;
    }));
}

TEST_F(ServerTest, StalledViewersDoNotHoldUpVerdicts) {
    // Viewers that connect and never read a byte.
    std::vector<std::unique_ptr<client::station_client>> stalled;
    for (int i = 0; i < 5; ++i) {
        stalled.push_back(std::make_unique<client::station_client>());
        stalled.back()->connect("127.0.0.1", server_.port(), "/ws/live?token=viewer-token");
    }
    auto side = station("side-both");
    for (int i = 0; i < 200; ++i) {
        const auto v = scan(*side, "busy-" + std::to_string(i), server_.badge(i % 2 ? "d-001" : "d-002"),
                            i % 4 < 2 ? wire::ENTRY : wire::EXIT);
        ASSERT_FALSE(v.scan_id().empty()) << "verdict " << i << " did not arrive";
    }
}

}  // namespace
}  // namespace admit::test

namespace admit::test {
namespace {

TEST_F(ServerTest, RosterImportOverHttpIsAllOrNothing) {
    const std::string bad = "id,name,category\nn-001,New Person,delegate\nn-002,,delegate\nn-003,Third,vvip\n";
    auto r = http_post(server_.port(), "/api/roster", bad, "staff-token");
    ASSERT_EQ(r.status, 400) << r.body;
    const auto problems = json::parse(r.body).at("problems").as_array();
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_EQ(problems[0].at("line").as_int64(), 3);
    EXPECT_EQ(problems[1].at("line").as_int64(), 4);
    EXPECT_EQ(http_get(server_.port(), "/api/attendees/n-001", "viewer-token").status, 404);
    const std::string good = "id,name,category,city\nn-001,New Person,delegate,Busan\nd-001,김민준,delegate,Seoul\n";
    r = http_post(server_.port(), "/api/roster", good, "staff-token");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body).at("added").as_int64(), 1);
    EXPECT_EQ(get_json("/api/attendees/n-001").at("city").as_string(), "Busan");
    const auto token = json::parse(http_get(server_.port(), "/api/attendees/n-001/token", "staff-token").body);
    auto in = station("main-in");
    EXPECT_TRUE(scan(*in, "new-person", std::string(token.at("token").as_string())).admitted());
}

// Found by http_fuzz: a problem message quotes the field it is about; bytes
// of that field that are not UTF-8 must not make the reply invalid JSON.
TEST_F(ServerTest, RosterProblemsQuotingBytesThatAreNotUtf8AreStillJson) {
    const std::string bad = "id,name,category\nn-001,\"New\"\xff\xd7 Person,delegate\n";
    const auto r = http_post(server_.port(), "/api/roster", bad, "staff-token");
    ASSERT_EQ(r.status, 400) << r.body;
    boost::system::error_code ec;
    const auto reply = json::parse(r.body, ec);
    ASSERT_FALSE(ec) << "not JSON: " << ec.message();
    const auto& problems = reply.at("problems").as_array();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].at("line").as_int64(), 2);
    const std::string message(problems[0].at("message").as_string());
    EXPECT_NE(message.find("closing quote"), std::string::npos) << message;
    EXPECT_NE(message.find("\xEF\xBF\xBD"), std::string::npos) << "the bad bytes shown as U+FFFD: " << message;
}

TEST_F(ServerTest, RosterImportedByTheAdminToolReachesTheRunningServer) {
    const auto csv = server_.data_dir().parent_path() / "late.csv";
    std::ofstream(csv) << "id,name,category\nlate-1,Late Arrival,delegate\n";
    const auto cmd = program("admit").string() + " import-roster --config " + server_.config_file().string() +
                     " --data " + server_.data_dir().string() + " " + csv.string() + " > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    EXPECT_TRUE(eventually([&] { return http_get(server_.port(), "/api/attendees/late-1", "viewer-token").status == 200; }));
}

TEST_F(ServerTest, OneFloodingStationDoesNotStarveAnother) {
    auto flood = station("side-both");
    auto calm = station("main-in");
    // 20 batches of 400 scans sent without reading a single verdict.
    for (int b = 0; b < 20; ++b) {
        wire::StationMessage m;
        for (int i = 0; i < 400; ++i) {
            auto* s = m.mutable_batch()->add_scans();
            s->set_scan_id("flood-" + std::to_string(b) + "-" + std::to_string(i));
            s->set_payload("garbage-" + std::to_string(i));
            s->set_direction(wire::ENTRY);
        }
        flood->send(m);
    }
    for (int i = 0; i < 20; ++i) {
        const auto v = scan(*calm, "calm-" + std::to_string(i), server_.badge("d-001"), wire::ENTRY);
        ASSERT_EQ(v.scan_id(), "calm-" + std::to_string(i)) << "the calm station got no verdict";
    }
    // The flooding station still gets all its verdicts, in order, once it reads.
    std::size_t verdicts = 0;
    while (verdicts < 8000) {
        const auto reply = flood->receive(10s);
        ASSERT_TRUE(reply.has_value()) << "after " << verdicts << " verdicts: " << flood->close_reason();
        if (reply->has_verdicts()) verdicts += static_cast<std::size_t>(reply->verdicts().verdicts_size());
    }
    EXPECT_EQ(verdicts, 8000u);
}

// More dashboards than one group (server/net/broadcast_schedule.hpp): the
// groups take turns, each broadcast rendered for one group, and still every
// viewer's deltas follow its own last frame, and every viewer sees every scan.
TEST_F(ServerTest, ManyDashboardsInGroupsEachGetAnUnbrokenChainAndSeeEveryScan) {
    constexpr std::size_t viewers = 300;  // two groups of about 150
    constexpr int refusals = 20;
    std::vector<live_view> views(viewers);
    std::mutex views_mutex;
    load::live_readers readers;
    for (std::size_t i = 0; i < viewers; ++i) {
        const auto live = open_live_socket(server_.port(), "viewer-token");
        ASSERT_GE(live.fd, 0) << "viewer " << i << ": " << live.error;
        readers.add(i, live.fd, live.past_response);
    }
    readers.start([&](std::size_t i, std::string_view text, std::chrono::system_clock::time_point) {
        std::lock_guard lock(views_mutex);
        views[i].apply(json::parse(text).as_object());
    });
    // Refusals 2 ms apart: the state changes steadily, so the groups take turns.
    auto in = station("main-in");
    for (int n = 0; n < refusals; ++n) {
        EXPECT_EQ(scan(*in, "group-" + std::to_string(n), server_.badge("nobody-" + std::to_string(n))).reason(),
                  wire::UNKNOWN_BADGE);
        std::this_thread::sleep_for(2ms);
    }
    const auto everyone_saw_them = [&] {
        std::lock_guard lock(views_mutex);
        return std::all_of(views.begin(), views.end(), [](const live_view& v) {
            const auto* feed = v.view.if_contains("feed");
            return feed && feed->as_array().size() == static_cast<std::size_t>(refusals);
        });
    };
    eventually(everyone_saw_them, 10s);
    readers.stop();

    EXPECT_TRUE(everyone_saw_them()) << "some dashboard does not show all " << refusals << " refusals";
    EXPECT_EQ(readers.protocol_errors(), 0U) << readers.first_protocol_error();
    EXPECT_EQ(readers.closed(), 0U);
    std::map<std::int64_t, std::size_t> viewers_per_broadcast;
    for (const auto& v : views) {
        EXPECT_NE(std::count(v.types.begin(), v.types.end(), "delta"), 0) << "only whole states";
        for (const auto seq : v.seqs)
            if (seq != 0) ++viewers_per_broadcast[seq];
    }
    std::size_t widest = 0;
    for (const auto& [seq, n] : viewers_per_broadcast) widest = std::max(widest, n);
    EXPECT_GT(widest, 1U);
    EXPECT_LT(widest, viewers) << "a broadcast went to every viewer: no groups";
}

// Issue 19: a second scan under a logged scan id (a replacement kiosk whose
// counter restarted) was answered with the first scan's verdict, another
// person's name, and never recorded. It must be refused with its own error,
// change nothing, and show on the dashboard; a true replay still gets its verdict.
TEST_F(ServerTest, AScanIdReusedForAnotherBadgeIsRefusedAndShownNotAnsweredWithTheOldVerdict) {
    live_viewer live;
    live.ws.connect("127.0.0.1", server_.port(), "/ws/live?token=viewer-token");
    ASSERT_TRUE(live_frame_where(live, [](const json::value&) { return true; }, 5s));
    auto in = station("main-in");
    ASSERT_TRUE(scan(*in, "main-in-1-1", server_.badge("d-001")).admitted());

    in->send(scan_message("main-in-1-1", server_.badge("d-002"), wire::ENTRY));
    const auto reply = in->receive(5s);
    ASSERT_TRUE(reply.has_value()) << in->close_reason();
    ASSERT_TRUE(reply->has_error()) << "answered with another scan's verdict: " << reply->DebugString();
    EXPECT_EQ(reply->error().code(), wire::Error::SCAN_ID_CONFLICT);
    EXPECT_EQ(reply->error().scan_id(), "main-in-1-1");
    EXPECT_NE(reply->error().message().find("badge"), std::string::npos) << reply->error().message();
    EXPECT_EQ(inside("main"), 1);
    auto log = store::open_sqlite_store(server_.data_dir(), store::open_mode::read_only);
    EXPECT_EQ(log->scan_count(), 1);

    const auto again = scan(*in, "main-in-1-1", server_.badge("d-001"));
    EXPECT_TRUE(again.replayed());
    EXPECT_EQ(again.attendee_id(), "d-001");
    const auto shown_conflict = live_frame_where(
        live,
        [](const json::value& v) {
            for (const auto& f : v.at("feed").as_array())
                if (f.at("kind").as_string() == "scan_id_conflict") return true;
            return false;
        },
        5s);
    EXPECT_TRUE(shown_conflict) << "the dashboard's feed did not show the conflict";
    EXPECT_NE(server_.log().find("already used for another scan"), std::string::npos);
}

}  // namespace
}  // namespace admit::test
