// The event's local time as a table of offsets: lookups, local -> UTC with
// the rule for the hour that is skipped (spring) or repeated (autumn), local
// days of 23 and 25 hours, and the next daily clear-out across a change.
#include "core/local_clock.hpp"

#include <gtest/gtest.h>

namespace admit::core {
namespace {

using namespace std::chrono;

time_point utc(int y, unsigned mo, unsigned d, int h, int mi = 0) {
    return time_point{sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi}};
}
local_time_point local(int y, unsigned mo, unsigned d, int h, int mi = 0) {
    return local_time_point{local_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi}};
}

// Europe/Berlin in 2026: CEST from 29 Mar 01:00 UTC, CET again from 25 Oct 01:00 UTC
// (clocks go 03:00 -> 02:00, so 02:00-02:59 happens twice).
const local_clock berlin{{
    {time_point{}, minutes{60}},
    {utc(2026, 3, 29, 1), minutes{120}},
    {utc(2026, 10, 25, 1), minutes{60}},
}};
// America/New_York in 2026: EDT from 8 Mar 07:00 UTC (clocks go 02:00 -> 03:00,
// so 02:00-02:59 does not happen), EST again from 1 Nov 06:00 UTC.
const local_clock new_york{{
    {time_point{}, minutes{-300}},
    {utc(2026, 3, 8, 7), minutes{-240}},
    {utc(2026, 11, 1, 6), minutes{-300}},
}};

TEST(local_clock, offset_at_follows_the_changes) {
    EXPECT_EQ(berlin.offset_at(utc(2000, 1, 1, 0)), minutes{60}) << "the first offset holds before";
    EXPECT_EQ(berlin.offset_at(utc(2026, 10, 25, 0, 59)), minutes{120});
    EXPECT_EQ(berlin.offset_at(utc(2026, 10, 25, 1)), minutes{60})
        << "a change takes effect at its instant";
    EXPECT_EQ(berlin.offset_at(utc(2030, 1, 1, 0)), minutes{60}) << "the last offset holds after";
    EXPECT_EQ(new_york.offset_at(utc(2026, 3, 8, 7)), minutes{-240});
    EXPECT_TRUE(local_clock{minutes{540}}.fixed());
    EXPECT_EQ(local_clock{}.offset_at(utc(2026, 1, 1, 0)), minutes{0});
}

struct to_utc_case {
    const char* what;
    const local_clock* clock;
    local_time_point local;
    time_point expected;
};

class to_utc : public testing::TestWithParam<to_utc_case> {};

TEST_P(to_utc, reads_local_times_by_the_rule) {
    const auto& c = GetParam();
    EXPECT_EQ(c.clock->to_utc(c.local), c.expected) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    berlin_and_new_york,
    to_utc,
    testing::Values(
        to_utc_case{"summer time", &berlin, local(2026, 10, 24, 9), utc(2026, 10, 24, 7)},
        to_utc_case{
            "before the repeated hour", &berlin, local(2026, 10, 25, 1, 59),
            utc(2026, 10, 24, 23, 59)},
        to_utc_case{
            "repeated 02:00 is the first one (CEST)", &berlin, local(2026, 10, 25, 2),
            utc(2026, 10, 25, 0)},
        to_utc_case{
            "repeated 02:30 is the first one (CEST)", &berlin, local(2026, 10, 25, 2, 30),
            utc(2026, 10, 25, 0, 30)},
        to_utc_case{
            "03:00 after the change is CET", &berlin, local(2026, 10, 25, 3), utc(2026, 10, 25, 2)},
        to_utc_case{"winter time", &berlin, local(2026, 10, 26, 9), utc(2026, 10, 26, 8)},
        to_utc_case{
            "before the skipped hour", &new_york, local(2026, 3, 8, 1, 59), utc(2026, 3, 8, 6, 59)},
        to_utc_case{
            "skipped 02:00 moves forward to 03:00 EDT", &new_york, local(2026, 3, 8, 2),
            utc(2026, 3, 8, 7)},
        to_utc_case{
            "skipped 02:30 moves forward to 03:30 EDT", &new_york, local(2026, 3, 8, 2, 30),
            utc(2026, 3, 8, 7, 30)},
        to_utc_case{"03:00 EDT", &new_york, local(2026, 3, 8, 3), utc(2026, 3, 8, 7)},
        to_utc_case{
            "repeated 01:30 in November is the first one (EDT)", &new_york,
            local(2026, 11, 1, 1, 30), utc(2026, 11, 1, 5, 30)}
    )
);

TEST(local_clock, local_days_across_a_change_are_25_and_23_hours) {
    const auto oct25 = local_days{year{2026} / 10 / 25};
    EXPECT_EQ(berlin.day_of(utc(2026, 10, 24, 22)), oct25) << "local midnight CEST";
    EXPECT_EQ(berlin.day_of(utc(2026, 10, 24, 21, 59)), oct25 - days{1});
    EXPECT_EQ(berlin.day_start(oct25), utc(2026, 10, 24, 22));
    EXPECT_EQ(berlin.day_start(oct25 + days{1}) - berlin.day_start(oct25), hours{25});
    const auto mar8 = local_days{year{2026} / 3 / 8};
    EXPECT_EQ(new_york.day_start(mar8 + days{1}) - new_york.day_start(mar8), hours{23});
    EXPECT_EQ(new_york.to_local(utc(2026, 3, 8, 7)), local(2026, 3, 8, 3));
}

TEST(local_clock, clear_out_runs_once_on_the_day_of_a_change) {
    // A 02:30 clear-out in the repeated hour runs at the first 02:30 only.
    const auto first = next_local_time(utc(2026, 10, 24, 23), minutes{150}, berlin);
    EXPECT_EQ(first, utc(2026, 10, 25, 0, 30));
    EXPECT_EQ(next_local_time(first, minutes{150}, berlin), utc(2026, 10, 26, 1, 30))
        << "not again at the second 02:30 (01:30 UTC on the 25th)";
    // A 02:30 clear-out in the skipped hour runs at 03:30 EDT that day.
    const auto skipped = next_local_time(utc(2026, 3, 8, 5), minutes{150}, new_york);
    EXPECT_EQ(skipped, utc(2026, 3, 8, 7, 30));
    EXPECT_EQ(next_local_time(skipped, minutes{150}, new_york), utc(2026, 3, 9, 6, 30));
    // 23:30 each evening in Berlin: 21:30 UTC in summer, 22:30 UTC in winter.
    EXPECT_EQ(
        next_local_time(utc(2026, 10, 24, 12), minutes{23 * 60 + 30}, berlin),
        utc(2026, 10, 24, 21, 30)
    );
    EXPECT_EQ(
        next_local_time(utc(2026, 10, 24, 21, 30), minutes{23 * 60 + 30}, berlin),
        utc(2026, 10, 25, 22, 30)
    );
}

}  // namespace
}  // namespace admit::core
