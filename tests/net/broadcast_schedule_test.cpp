// When the dashboards get the live state: --live-interval apart, further when
// broadcasts take long; and with many viewers, groups that take turns so a
// scan waits for one group's sends, not for every viewer's.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <vector>

#include "net/broadcast_schedule.hpp"

namespace admit::net {
namespace {

using namespace std::chrono_literals;
using time_point = broadcast_schedule::time_point;

const time_point t0 = time_point{} + 1h;  // any time well after the clock's zero

TEST(BroadcastSpacing, IsTheLiveIntervalWhileBroadcastsAreQuick) {
    EXPECT_EQ(broadcast_spacing(10ms, 0ms), 10ms);
    EXPECT_EQ(broadcast_spacing(10ms, 7ms), 10ms);  // 1,000 viewers on this machine
    EXPECT_EQ(broadcast_spacing(50ms, 20ms), 50ms);
}

TEST(BroadcastSpacing, LeavesTheThreadAFifthIdleWhenBroadcastsTakeLong) {
    EXPECT_EQ(broadcast_spacing(10ms, 16ms), 20ms);  // thousands of viewers, or a CPU busy with scans
    EXPECT_EQ(broadcast_spacing(10ms, 400ms), 500ms);
}

TEST(DashboardGroups, OneGroupUpTo250ViewersThenOneMorePer250UpTo8) {
    EXPECT_EQ(dashboard_groups(0), 1U);
    EXPECT_EQ(dashboard_groups(10), 1U);
    EXPECT_EQ(dashboard_groups(250), 1U);
    EXPECT_EQ(dashboard_groups(251), 2U);
    EXPECT_EQ(dashboard_groups(1000), 4U);
    EXPECT_EQ(dashboard_groups(100'000), 8U);
}

TEST(DashboardGroups, ViewersAllocatedSideBySideSpreadEvenly) {
    // Sessions as the allocator would place them: at a fixed stride.
    struct session {
        std::array<char, 344> bytes;
    };
    std::vector<session> sessions(1000);
    std::map<std::size_t, int> per_group;
    for (const auto& s : sessions) {
        const auto g = dashboard_group(&s, 4);
        ASSERT_LT(g, 4U);
        ++per_group[g];
        EXPECT_EQ(dashboard_group(&s, 4), g) << "the same viewer, the same group";
    }
    ASSERT_EQ(per_group.size(), 4U);
    for (const auto& [g, n] : per_group) EXPECT_NEAR(n, 250, 50) << "group " << g;
}

TEST(BroadcastSchedule, OneGroupBehavesAsOneBroadcastForEveryone) {
    broadcast_schedule s;
    // The first change after a quiet spell: at once.
    EXPECT_EQ(s.take_due(t0, 1, 1, 10ms), std::vector<std::size_t>{0});
    EXPECT_TRUE(s.take_due(t0 + 1ms, 1, 1, 10ms).empty()) << "nothing new";
    EXPECT_EQ(s.next_due(1, 10ms), time_point::max());
    // Another change 4 ms later waits for the spacing.
    EXPECT_TRUE(s.take_due(t0 + 4ms, 2, 1, 10ms).empty());
    EXPECT_EQ(s.next_due(2, 10ms), t0 + 10ms);
    EXPECT_EQ(s.take_due(t0 + 10ms, 2, 1, 10ms), std::vector<std::size_t>{0});
    // After a quiet spell, at once again.
    EXPECT_EQ(s.take_due(t0 + 500ms, 3, 1, 10ms), std::vector<std::size_t>{0});
}

TEST(BroadcastSchedule, FirstChangeAfterAQuietSpellGoesToEveryGroupAtOnce) {
    broadcast_schedule s;
    EXPECT_EQ(s.take_due(t0, 1, 4, 10ms), (std::vector<std::size_t>{0, 1, 2, 3}));
    EXPECT_EQ(s.take_due(t0 + 300ms, 2, 4, 10ms), (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST(BroadcastSchedule, UnderSteadyChangeGroupsTakeTurnsSpreadOverTheSpacing) {
    broadcast_schedule s;
    std::uint64_t version = 1;
    ASSERT_EQ(s.take_due(t0, version, 4, 10ms).size(), 4U);
    // A change every half millisecond from now on; the broadcaster asks at
    // each change (and next_due() falls on one of them).
    std::map<std::size_t, std::vector<time_point>> turns;
    for (auto now = t0 + 500us; now < t0 + 60ms; now += 500us) {
        ++version;
        for (int ask = 0; ask < 2; ++ask) {
            for (const auto g : s.take_due(now, version, 4, 10ms)) turns[g].push_back(now);
            if (s.next_due(version, 10ms) > now) break;
        }
    }
    // Every group gets the state every 10 ms, and the turns are 2.5 ms apart.
    ASSERT_EQ(turns.size(), 4U);
    std::vector<time_point> all;
    for (const auto& [g, times] : turns) {
        ASSERT_GE(times.size(), 4U) << "group " << g;
        for (std::size_t i = 1; i < times.size(); ++i) EXPECT_EQ(times[i] - times[i - 1], 10ms) << "group " << g;
        all.insert(all.end(), times.begin(), times.end());
    }
    std::sort(all.begin(), all.end());
    for (std::size_t i = 1; i < all.size(); ++i) EXPECT_EQ(all[i] - all[i - 1], 2500us);
}

TEST(BroadcastSchedule, AGroupUpToDateIsNotSentAgain) {
    broadcast_schedule s;
    ASSERT_EQ(s.take_due(t0, 1, 2, 10ms).size(), 2U);
    EXPECT_TRUE(s.take_due(t0 + 20ms, 1, 2, 10ms).empty());
    EXPECT_EQ(s.next_due(1, 10ms), time_point::max());
}

TEST(BroadcastSchedule, ANewNumberOfGroupsStartsThemAfresh) {
    broadcast_schedule s;
    ASSERT_EQ(s.take_due(t0, 1, 1, 10ms).size(), 1U);
    // More viewers came: four groups, none of which has had this version.
    EXPECT_EQ(s.take_due(t0 + 3ms, 1, 4, 10ms).size(), 1U) << "one turn per step, not all at once";
    EXPECT_EQ(s.next_due(1, 10ms), t0 + 3ms + 2500us);
}

}  // namespace
}  // namespace admit::net
