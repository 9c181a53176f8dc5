// How far apart the dashboards' broadcasts are: --live-interval, unless
// broadcasts take so long that sending them would fill the dashboards' thread.
#include <gtest/gtest.h>

#include "net/live_session.hpp"

namespace admit::net {
namespace {

using namespace std::chrono_literals;

TEST(BroadcastSpacing, IsTheLiveIntervalWhileBroadcastsAreQuick) {
    EXPECT_EQ(broadcast_spacing(10ms, 0ms), 10ms);
    EXPECT_EQ(broadcast_spacing(10ms, 7ms), 10ms);    // 1,000 viewers on this machine
    EXPECT_EQ(broadcast_spacing(50ms, 20ms), 50ms);
}

TEST(BroadcastSpacing, LeavesTheThreadAFifthIdleWhenBroadcastsTakeLong) {
    EXPECT_EQ(broadcast_spacing(10ms, 16ms), 20ms);   // thousands of viewers, or a CPU busy with scans
    EXPECT_EQ(broadcast_spacing(10ms, 400ms), 500ms);
}

}  // namespace
}  // namespace admit::net
