// Offline verdicts, table-driven: the cached rules, the badge's claims, what
// the kiosk remembers, and the time, in; the verdict out. No I/O, no clock.
#include "kiosk/offline_judge.hpp"

#include <gtest/gtest.h>

namespace admit::scanner {
namespace {

using namespace std::chrono;

const core::time_point noon{sys_days{2023y / September / 26} + 3h};  // 12:00 KST

std::shared_ptr<const protocol::station_rules> rules(const core::badge_keys& keys) {
    auto r = std::make_shared<protocol::station_rules>();
    auto& e = r->event;
    e.id = "seoul";
    e.name = "Seoul";
    e.zone = core::local_clock{minutes{540}};
    e.halls = {
        {"forum", "Main Conference Room", "city-hall", 10, std::nullopt},
        {"wego", "Multipurpose Hall", "city-hall", 200, std::nullopt}};
    e.stations = {
        {"forum-in", "forum", core::station_role::entrance, {}},
        {"forum-out", "forum", core::station_role::exit, {}}};
    e.categories = {
        {"delegate", "WeGO delegate", "#2471a3", false},
        {"staff", "Staff", "#2c3e50", true},
        {"press", "Press", "#888", false}};
    e.sessions = {
        {"forum-1", "Forum", "forum", noon - 2h, noon + 4h, {"delegate", "staff"}, minutes{30}}};
    r->badge_key = keys.pub;
    r->revoked = {{"d-lost", 2}};
    return r;
}

struct row {
    const char* what;
    std::string station;
    std::string attendee;
    std::string category;
    std::uint32_t version;
    core::direction dir;
    offline_memory memory;
    bool admitted;
    core::reason why;
    int hall_delta;
};

TEST(offline_judge, decides_like_the_server_with_what_the_kiosk_knows) {
    const auto keys = core::badge_keys::generate();
    const auto r = rules(keys);
    const std::vector<row> table{
        {"delegate enters",
         "forum-in",
         "d-1",
         "delegate",
         1,
         core::direction::entry,
         {},
         true,
         core::reason::ok,
         1},
        {"press may not enter the forum",
         "forum-in",
         "p-1",
         "press",
         1,
         core::direction::entry,
         {},
         false,
         core::reason::category_not_allowed,
         0},
        {"revoked badge (reissued version 2)",
         "forum-in",
         "d-lost",
         "delegate",
         1,
         core::direction::entry,
         {},
         false,
         core::reason::revoked_badge,
         0},
        {"the reissued badge itself",
         "forum-in",
         "d-lost",
         "delegate",
         2,
         core::direction::entry,
         {},
         true,
         core::reason::ok,
         1},
        {"already let in by this kiosk",
         "forum-in",
         "d-1",
         "delegate",
         1,
         core::direction::entry,
         {1, 0, {{"d-1", "forum"}}},
         false,
         core::reason::already_inside,
         0},
        {"full at capacity minus margin 5 (5 of 10)",
         "forum-in",
         "d-2",
         "delegate",
         1,
         core::direction::entry,
         {3, 2, {}},
         false,
         core::reason::hall_full,
         0},
        {"one place left before the margin",
         "forum-in",
         "d-2",
         "delegate",
         1,
         core::direction::entry,
         {3, 1, {}},
         true,
         core::reason::ok,
         1},
        {"staff may enter a full hall",
         "forum-in",
         "s-1",
         "staff",
         1,
         core::direction::entry,
         {9, 0, {}},
         true,
         core::reason::ok,
         1},
        {"exit of someone this kiosk saw enter",
         "forum-out",
         "d-1",
         "delegate",
         1,
         core::direction::exit,
         {1, 0, {{"d-1", "forum"}}},
         true,
         core::reason::ok,
         -1},
        {"exit of someone unknown here is flagged",
         "forum-out",
         "d-3",
         "delegate",
         1,
         core::direction::exit,
         {},
         false,
         core::reason::not_inside,
         0},
        {"entry at an exit",
         "forum-out",
         "d-1",
         "delegate",
         1,
         core::direction::entry,
         {},
         false,
         core::reason::wrong_direction,
         0},
    };
    for (const auto& t : table) {
        const offline_judge judge(r, t.station, 5);
        const auto token =
            core::sign_badge({"seoul", t.attendee, t.category, t.version}, keys.secret);
        const auto d = judge.decide("k-1-1", token, t.dir, noon, t.memory);
        EXPECT_EQ(d.record.result.admitted, t.admitted)
            << t.what << ": " << d.record.result.explanation;
        EXPECT_EQ(d.record.result.why, t.why) << t.what << ": " << d.record.result.explanation;
        EXPECT_EQ(d.hall_delta, t.hall_delta) << t.what;
        EXPECT_TRUE(d.record.offline) << t.what;
        EXPECT_EQ(d.capacity, 10) << t.what;
    }
}

TEST(offline_judge, refuses_bad_badges_and_says_the_estimate_when_nearly_full) {
    const auto keys = core::badge_keys::generate();
    const auto other = core::badge_keys::generate();
    const offline_judge judge(rules(keys), "forum-in", 5);
    EXPECT_EQ(
        judge.decide("a", "garbage", core::direction::entry, noon, {}).record.result.why,
        core::reason::malformed_badge
    );
    const auto forged = core::sign_badge({"seoul", "d-1", "delegate", 1}, other.secret);
    EXPECT_EQ(
        judge.decide("b", forged, core::direction::entry, noon, {}).record.result.why,
        core::reason::bad_signature
    );
    const auto elsewhere = core::sign_badge({"busan", "d-1", "delegate", 1}, keys.secret);
    EXPECT_EQ(
        judge.decide("c", elsewhere, core::direction::entry, noon, {}).record.result.why,
        core::reason::wrong_event
    );

    const auto token = core::sign_badge({"seoul", "d-9", "delegate", 1}, keys.secret);
    const auto full = judge.decide("d", token, core::direction::entry, noon, {4, 2, {}});
    EXPECT_EQ(full.record.result.why, core::reason::hall_full);
    EXPECT_NE(full.record.result.explanation.find("about 6/10"), std::string::npos)
        << full.record.result.explanation;
    EXPECT_EQ(full.inside, 6);
    EXPECT_EQ(full.category_name, "WeGO delegate");
}

// The kiosk judges offline with the server's offset table, so a refusal's
// "opens at 09:00" is in venue time on either side of a daylight-saving change.
TEST(offline_judge, rules_carry_the_events_offsets_across_a_change) {
    const auto keys = core::badge_keys::generate();
    auto r = std::make_shared<protocol::station_rules>(*rules(keys));
    const core::time_point change{sys_days{2026y / October / 25} + 1h};
    r->event.zone = core::local_clock{{{core::time_point{}, minutes{120}}, {change, minutes{60}}}};
    std::string error;
    const auto back = protocol::rules_from_json(protocol::rules_to_json(*r), error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->event.zone, r->event.zone);
    EXPECT_EQ(back->event.zone.offset_at(change), minutes{60});
    // Rules cached from a server before time zones: one fixed offset.
    const auto old = protocol::rules_from_json(
        R"({"format":1,"event":{"id":"seoul","utc_offset_minutes":540},"public_key":")" +
            core::key_to_text(keys.pub) + "\"}",
        error
    );
    ASSERT_TRUE(old) << error;
    EXPECT_EQ(old->event.zone, core::local_clock{minutes{540}});
}

}  // namespace
}  // namespace admit::scanner
