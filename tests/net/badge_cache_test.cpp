// The cache of verified badges: same answers as verify_badge; forged badges
// remembered apart, so they never push genuine ones out; garbage never remembered.
#include <gtest/gtest.h>

#include "net/badge_cache.hpp"

namespace admit::net {
namespace {

TEST(BadgeCache, AnswersLikeVerifyBadge) {
    const auto keys = core::badge_keys::generate();
    badge_cache cache(keys.pub);
    const auto genuine = core::sign_badge({"ev", "p-1", "guest", 1}, keys.secret);
    for (int i = 0; i < 2; ++i) {  // the second answer comes from memory
        const auto r = cache.check(genuine);
        ASSERT_EQ(r.why, core::reason::ok);
        EXPECT_EQ(r.claims->attendee_id, "p-1");
    }
    auto forged = genuine;
    forged[forged.size() - 2] = forged[forged.size() - 2] == 'A' ? 'B' : 'A';
    EXPECT_EQ(cache.check(forged).why, core::reason::bad_signature);
    EXPECT_EQ(cache.check("garbage").why, core::reason::malformed_badge);
    const auto other = core::badge_keys::generate();
    EXPECT_EQ(cache.check(core::sign_badge({"ev", "p-1", "guest", 1}, other.secret)).why, core::reason::bad_signature);
}

TEST(BadgeCache, StaysCorrectPastItsCapacity) {
    const auto keys = core::badge_keys::generate();
    badge_cache cache(keys.pub, 4);
    for (int i = 0; i < 10; ++i) {
        const auto token = core::sign_badge({"ev", "p-" + std::to_string(i), "guest", 1}, keys.secret);
        EXPECT_EQ(cache.check(token).claims->attendee_id, "p-" + std::to_string(i));
    }
}

TEST(BadgeCache, RemembersForgeriesApartFromGenuineBadges) {
    const auto keys = core::badge_keys::generate();
    const auto forger = core::badge_keys::generate();
    badge_cache cache(keys.pub, 100, 3);
    const auto genuine = core::sign_badge({"ev", "p-1", "guest", 1}, keys.secret);
    ASSERT_EQ(cache.check(genuine).why, core::reason::ok);
    for (int i = 0; i < 10; ++i) {
        const auto forged = core::sign_badge({"ev", "p-" + std::to_string(i), "guest", 1}, forger.secret);
        for (int again = 0; again < 2; ++again) EXPECT_EQ(cache.check(forged).why, core::reason::bad_signature);
        EXPECT_LE(cache.size().forged, 3u);
    }
    EXPECT_EQ(cache.check("garbage").why, core::reason::malformed_badge);
    EXPECT_EQ(cache.size().genuine, 1u) << "ten forgeries did not push the genuine badge out";
    EXPECT_GE(cache.size().forged, 1u);
    EXPECT_EQ(cache.check(genuine).claims->attendee_id, "p-1");
}

}  // namespace
}  // namespace admit::net
