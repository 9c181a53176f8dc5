// What the dashboard is told about stations and alerts, through the real
// admit-server: a station's "last seen" moves with its scans (not only with
// hello and heartbeats), and alerts stay until staff acknowledge them, however
// many routine refusals follow.

#include <fmt/format.h>

#include "net/server_fixture.hpp"

namespace admit::test {
namespace {

std::string last_seen(const json::value& stations, const std::string& id) {
    for (const auto& s : stations.as_array()) {
        if (s.at("id").as_string() != id) continue;
        const auto& seen = s.at("last_seen");
        return seen.is_string() ? std::string(seen.as_string()) : std::string();
    }
    return {};
}

class DashboardStateTest : public ServerTest {
protected:
    json::array alerts() { return get_json("/api/alerts").as_array(); }
    std::vector<std::string> alert_kinds() {
        std::vector<std::string> kinds;
        for (const auto& a : alerts()) kinds.emplace_back(a.at("kind").as_string());
        return kinds;
    }
    std::int64_t alert_id(const std::string& kind) {
        for (const auto& a : alerts())
            if (a.at("kind").as_string() == kind) return a.at("id").as_int64();
        return -1;
    }
};

TEST_F(DashboardStateTest, LastSeenMovesWithScansWithoutHeartbeats) {
    auto door = station("side-both");
    const auto after_hello = last_seen(get_json("/api/stations"), "side-both");
    ASSERT_FALSE(after_hello.empty());
    // Scans only, no heartbeat: each one is a sign of life.
    int n = 0;
    const bool moved = eventually([&] {
        scan(*door, fmt::format("seen-{}", ++n), "not a badge");
        return last_seen(get_json("/api/stations"), "side-both") > after_hello;
    });
    EXPECT_TRUE(moved) << "last seen stayed " << after_hello << " after " << n << " scans";
}

TEST_F(DashboardStateTest, HallFullAlertStaysUntilStaffAcknowledgeIt) {
    // The main hall holds 3; the fourth delegate is refused: hall full.
    auto door = station("main-in");
    for (const auto* id : {"d-001", "d-002", "d-003"}) ASSERT_TRUE(scan(*door, id, server_.badge(id)).admitted());
    const auto full = scan(*door, "d-004", server_.badge("d-004"));
    ASSERT_EQ(full.reason(), wire::HALL_FULL) << full.DebugString();
    ASSERT_EQ(alert_kinds(), std::vector<std::string>{"hall_full"});
    const auto alert = alerts().at(0).as_object();
    EXPECT_EQ(alert.at("params").at("hall").as_string(), "main");
    EXPECT_EQ(alert.at("params").at("capacity").as_int64(), 3);

    // Routine refusals push it out of the 50-entry feed, not out of the alerts.
    // The same badge read again at once is a duplicate read (the duplicate
    // window), not another refusal: the alert does not count it.
    for (int i = 0; i < 60; ++i) scan(*door, fmt::format("junk-{}", i), "WIFI:S:guest;;");
    for (int i = 0; i < 2; ++i) {
        const auto again = scan(*door, fmt::format("d-004-{}", i), server_.badge("d-004"));
        EXPECT_TRUE(again.duplicate()) << again.DebugString();
    }
    ASSERT_EQ(alert_kinds(), std::vector<std::string>{"hall_full"});
    EXPECT_EQ(alerts().at(0).at("count").as_int64(), 1);

    const auto id = alert_id("hall_full");
    const auto path = fmt::format("/api/alerts/{}/ack", id);
    EXPECT_EQ(http_post(server_.port(), path, "{}", "viewer-token").status, 403) << "viewers may not acknowledge";
    EXPECT_EQ(alert_kinds(), std::vector<std::string>{"hall_full"});
    const auto ack = http_post(server_.port(), path, "{}", "staff-token");
    EXPECT_EQ(ack.status, 200) << ack.body;
    EXPECT_TRUE(alerts().empty()) << "gone for every viewer";
    EXPECT_EQ(http_post(server_.port(), path, "{}", "staff-token").status, 404) << "already acknowledged";
    EXPECT_EQ(http_post(server_.port(), "/api/alerts/x1/ack", "{}", "staff-token").status, 400);
}

TEST_F(DashboardStateTest, StationThatGoesOfflineRaisesAnAlert) {
    {
        auto door = station("main-out");
        ASSERT_TRUE(alerts().empty());
    }
    EXPECT_TRUE(eventually([&] { return alert_id("station_offline") > 0; })) << json::serialize(alerts());
    for (const auto& a : alerts()) {
        if (a.at("kind").as_string() == "station_offline") {
            EXPECT_EQ(a.at("params").at("station").as_string(), "main-out");
            EXPECT_EQ(a.at("params").at("hall").as_string(), "main");
        }
    }
}

}  // namespace
}  // namespace admit::test
