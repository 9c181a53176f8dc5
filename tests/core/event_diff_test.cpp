// core::diff_events: what a config reload changes, as codes with parameters.

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "core/event_diff.hpp"
#include "seoul_event.hpp"

namespace admit::core {
namespace {

using testing::seoul_event;

std::string param(const event_change& c, const std::string& name) {
    for (const auto& [n, v] : c.params)
        if (n == name) return v;
    return "(none)";
}

hall& hall_of(event_config& e, std::string_view id) {
    for (auto& h : e.halls)
        if (h.id == id) return h;
    throw std::runtime_error("no hall");
}

TEST(EventDiff, TheSameEventHasNoChange) {
    EXPECT_TRUE(diff_events(seoul_event(), seoul_event()).empty());
    EXPECT_EQ(describe_changes({}), "no change");
}

TEST(EventDiff, EachKindOfChangeHasItsCodeAndParameters) {
    const auto before = seoul_event();
    auto after = before;
    hall_of(after, testing::wego_hall).capacity = 120;
    after.sessions.front().end += std::chrono::minutes(30);
    after.stations.push_back(station{"side-door", std::string(testing::wego_hall), station_role::entrance, "hash"});
    after.names_ko["hall:" + std::string(testing::forum_room)] = "3층 대회의실";

    const auto changes = diff_events(before, after);
    std::vector<std::string> codes;
    for (const auto& c : changes) codes.push_back(c.code);
    std::sort(codes.begin(), codes.end());
    EXPECT_EQ(codes, (std::vector<std::string>{"hall_capacity", "hall_renamed", "session_times", "station_added"}));
    const auto of = [&](const std::string& code) {
        for (const auto& c : changes)
            if (c.code == code) return c;
        return event_change{};
    };

    const auto capacity = of("hall_capacity");
    EXPECT_EQ(param(capacity, "hall"), testing::wego_hall);
    EXPECT_EQ(param(capacity, "from"), "300");
    EXPECT_EQ(param(capacity, "to"), "120");
    EXPECT_EQ(capacity.text, "capacity of ch-multipurpose 300 -> 120");
    EXPECT_EQ(param(of("hall_renamed"), "hall"), testing::forum_room);
    EXPECT_EQ(param(of("station_added"), "station"), "side-door");
    EXPECT_EQ(param(of("station_added"), "role"), "entrance");
    const auto times = of("session_times");
    EXPECT_EQ(param(times, "session"), before.sessions.front().id);
    EXPECT_NE(param(times, "end"), param(times, "old_end"));
    EXPECT_NE(describe_changes(changes).find("capacity of ch-multipurpose 300 -> 120"), std::string::npos);
}

TEST(EventDiff, RemovedStationsAndSessionsAreNamed) {
    const auto before = seoul_event();
    auto after = before;
    const auto station_id = after.stations.back().id;
    const auto session_id = after.sessions.back().id;
    after.stations.pop_back();
    after.sessions.pop_back();
    const auto changes = diff_events(before, after);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].code, "station_removed");
    EXPECT_EQ(param(changes[0], "station"), station_id);
    EXPECT_EQ(changes[1].code, "session_removed");
    EXPECT_EQ(param(changes[1], "session"), session_id);
}

}  // namespace
}  // namespace admit::core
