// The control-frame token bucket: a burst is allowed, a flood is not, and a
// connection that keeps to the steady rate is never refused. Time passed in.
#include <gtest/gtest.h>

#include "net/control_frame_limit.hpp"

namespace admit::net {
namespace {

using namespace std::chrono_literals;
const auto t0 = control_frame_limit::clock::time_point{} + 1h;

TEST(ControlFrameLimit, AllowsTheBurstAtOnceThenRefuses) {
    control_frame_limit limit(100, 20);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(limit.allow(t0)) << i;
    EXPECT_FALSE(limit.allow(t0));
}

TEST(ControlFrameLimit, RefillsAtTheSteadyRateUpToTheBurst) {
    control_frame_limit limit(10, 20);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(limit.allow(t0));
    ASSERT_FALSE(limit.allow(t0));
    // 20 a second: 50 ms buys one frame.
    EXPECT_TRUE(limit.allow(t0 + 50ms));
    EXPECT_FALSE(limit.allow(t0 + 50ms));
    // A long quiet spell refills only up to the burst.
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(limit.allow(t0 + 1h)) << i;
    EXPECT_FALSE(limit.allow(t0 + 1h));
}

TEST(ControlFrameLimit, KeepingToTheRateIsNeverRefused) {
    control_frame_limit limit(5, 20);
    for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(limit.allow(t0 + i * 50ms)) << i;
}

TEST(ControlFrameLimit, AFloodIsRefusedAfterTheBurst) {
    control_frame_limit limit(200, 50);
    int allowed = 0;
    // 360k pings in 8 s, as in issue 19: one every 22 us.
    for (int i = 0; i < 360'000; ++i)
        if (limit.allow(t0 + i * 22us)) ++allowed;
    EXPECT_LE(allowed, 200 + 50 * 8 + 1);
}

}  // namespace
}  // namespace admit::net
