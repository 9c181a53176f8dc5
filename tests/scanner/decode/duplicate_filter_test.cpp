#include "decode/duplicate_filter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace admit::scanner {
namespace {

using namespace std::chrono_literals;

struct sighting {
    std::string payload;
    std::chrono::milliseconds at;  // since the kiosk started
    bool accepted;
};

struct filter_case {
    std::string name;
    std::chrono::milliseconds window;
    std::vector<sighting> sightings;
};

class duplicate_filter_table : public testing::TestWithParam<filter_case> {};

TEST_P(duplicate_filter_table, accepts_only_new_scans) {
    const filter_case& c = GetParam();
    duplicate_filter filter(c.window);
    const duplicate_filter::clock_time start{};
    for (std::size_t i = 0; i < c.sightings.size(); ++i) {
        const sighting& s = c.sightings[i];
        EXPECT_EQ(filter.accept(s.payload, start + s.at), s.accepted)
            << "sighting " << i << ": " << s.payload << " at " << s.at.count() << " ms";
    }
}

INSTANTIATE_TEST_SUITE_P(
    cases,
    duplicate_filter_table,
    testing::Values(
        filter_case{"first_sighting_is_a_scan", 3s, {{"A", 0ms, true}}},
        filter_case{"same_badge_in_next_frames_is_ignored", 3s,
                    {{"A", 0ms, true}, {"A", 66ms, false}, {"A", 133ms, false}}},
        filter_case{"same_badge_after_the_window_is_a_new_scan", 3s,
                    {{"A", 0ms, true}, {"A", 3000ms, true}}},
        filter_case{"just_inside_the_window_is_ignored", 3s,
                    {{"A", 0ms, true}, {"A", 2999ms, false}}},
        // A badge held in front of the camera for 10 s is one scan, not four.
        filter_case{"held_badge_keeps_extending_the_window", 3s,
                    {{"A", 0ms, true}, {"A", 2500ms, false}, {"A", 5000ms, false},
                     {"A", 7500ms, false}, {"A", 10000ms, false}, {"A", 13000ms, true}}},
        filter_case{"different_badges_do_not_block_each_other", 3s,
                    {{"A", 0ms, true}, {"B", 10ms, true}, {"A", 20ms, false}, {"B", 30ms, false},
                     {"C", 40ms, true}}},
        filter_case{"custom_window", 500ms,
                    {{"A", 0ms, true}, {"A", 400ms, false}, {"A", 900ms, true}}},
        filter_case{"zero_window_accepts_every_sighting", 0ms,
                    {{"A", 0ms, true}, {"A", 0ms, true}, {"A", 1ms, true}}},
        filter_case{"payloads_compare_exactly", 3s,
                    {{"A1.x", 0ms, true}, {"A1.x ", 1ms, true}, {"a1.x", 2ms, true}}}
    ),
    [](const testing::TestParamInfo<filter_case>& p) { return p.param.name; }
);

TEST(duplicate_filter, default_window_is_three_seconds) {
    EXPECT_EQ(duplicate_filter().window(), std::chrono::milliseconds(3000));
}

TEST(duplicate_filter, forgets_old_badges_so_memory_stays_bounded) {
    duplicate_filter filter(3s);
    const duplicate_filter::clock_time start{};
    for (int i = 0; i < 1000; ++i) {
        EXPECT_TRUE(filter.accept("badge-" + std::to_string(i), start + i * 100ms));
    }
    // 1000 badges over 100 s; only those of the last one or two windows remain.
    EXPECT_LE(filter.remembered(), 61U);
    EXPECT_FALSE(filter.accept("badge-999", start + 100s));
    EXPECT_TRUE(filter.accept("badge-0", start + 100s));
}

TEST(duplicate_filter, clear_forgets_everything) {
    duplicate_filter filter;
    const duplicate_filter::clock_time start{};
    EXPECT_TRUE(filter.accept("A", start));
    filter.clear();
    EXPECT_TRUE(filter.accept("A", start + 1ms));
}

}  // namespace
}  // namespace admit::scanner
