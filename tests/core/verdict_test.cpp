// Reason codes are what logs, CSV exports and dashboards show; they must be
// stable and parse back to the same reason.
#include "core/verdict.hpp"

#include <gtest/gtest.h>

#include <set>

namespace admit::core {
namespace {

struct code_case {
    reason r;
    std::string_view code;
};

const code_case all_codes[] = {
    {reason::ok, "ok"},
    {reason::malformed_badge, "malformed_badge"},
    {reason::bad_signature, "bad_signature"},
    {reason::wrong_event, "wrong_event"},
    {reason::unknown_badge, "unknown_badge"},
    {reason::revoked_badge, "revoked_badge"},
    {reason::category_not_allowed, "category_not_allowed"},
    {reason::hall_not_open, "hall_not_open"},
    {reason::hall_closed, "hall_closed"},
    {reason::wrong_direction, "wrong_direction"},
    {reason::already_inside, "already_inside"},
    {reason::not_inside, "not_inside"},
    {reason::hall_full, "hall_full"},
    {reason::unknown_station, "unknown_station"},
    {reason::in_other_hall, "in_other_hall"},
};

TEST(ReasonCode, EveryReasonHasItsSnakeCaseName) {
    for (const auto& c : all_codes) {
        EXPECT_EQ(reason_code(c.r), c.code);
    }
}

TEST(ReasonCode, TableCoversEveryReasonOnce) {
    std::set<int> seen;
    for (const auto& c : all_codes) {
        seen.insert(static_cast<int>(c.r));
    }
    EXPECT_EQ(seen.size(), std::size_t{reason_max});
    EXPECT_EQ(*seen.begin(), 1);
    EXPECT_EQ(*seen.rbegin(), int{reason_max});
}

TEST(ReasonCode, RoundTripsThroughText) {
    for (int i = 1; i <= reason_max; ++i) {
        const auto r = static_cast<reason>(i);
        const auto back = reason_from_code(reason_code(r));
        ASSERT_TRUE(back.has_value()) << i;
        EXPECT_EQ(*back, r);
    }
}

TEST(ReasonCode, ValuesOutsideTheEnumHaveNoCode) {
    EXPECT_EQ(reason_code(static_cast<reason>(0)), "");
    EXPECT_EQ(reason_code(static_cast<reason>(reason_max + 1)), "");
    EXPECT_EQ(reason_code(static_cast<reason>(255)), "");
}

TEST(ReasonFromCode, RejectsAnythingElse) {
    const std::string_view bad_codes[] = {
        "", "OK", "Hall_Full", "hall full", "hall-full", " ok", "ok ", "hall_ful", "15", "full",
        std::string_view("ok\0", 3)};
    for (const std::string_view bad : bad_codes) {
        EXPECT_FALSE(reason_from_code(bad).has_value()) << "\"" << bad << "\"";
    }
}

}  // namespace
}  // namespace admit::core
