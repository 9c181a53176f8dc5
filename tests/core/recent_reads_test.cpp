// The duplicate window, as the door sees it: a badge read twice at one hall
// within the window gets the first read's verdict, flagged duplicate, and
// moves no one; a read after the window, in the other direction or at
// another hall is judged on its own.
#include "core/recent_reads.hpp"

#include <gtest/gtest.h>

#include "core/decide.hpp"
#include "core/seoul_event.hpp"

namespace admit::core {
namespace {

using namespace std::chrono_literals;
using testing::badge_of;
using testing::event_keys;
using testing::forum_room;
using testing::kst;

scan read_at(std::string station, direction dir, time_point t, std::string id) {
    scan s;
    s.scan_id = std::move(id);
    s.station_id = std::move(station);
    s.payload = badge_of("guest-101");
    s.dir = dir;
    s.server_time = s.device_time = t;
    return s;
}

struct door {
    event_config event = testing::seoul_event();
    roster people = testing::seoul_roster();
    presence where;
    recent_reads recent;

    // Decides as the engine does: a counted read is remembered, its movement applied.
    scan_record read(const scan& s) {
        auto r = decide({event, people, where, event_keys().pub, &recent}, s);
        if (r.moved) where.apply(*r.moved);
        recent.remember(r);
        return r;
    }
};

struct window_case {
    std::string name;
    std::string second_station;
    direction second_dir;
    std::chrono::milliseconds after;
    bool duplicate;
    bool admitted;
    reason why;
};

TEST(DuplicateWindow, ASecondReadIsTheFirstReadsVerdictOnlyWithinTheWindow) {
    const time_point t0 = kst(26, 10, 5);
    const std::vector<window_case> table{
        {"second camera at the door, 0.4 s later", "ch-3f-in", direction::entry, 400ms, true, true, reason::ok},
        {"at the window's end, 2 s later", "ch-3f-in", direction::entry, 2000ms, true, true, reason::ok},
        {"after the window: judged, already inside", "ch-3f-in", direction::entry, 2001ms, false, false,
         reason::already_inside},
        {"the exit 1 s later is not a copy", "ch-3f-out", direction::exit, 1000ms, false, true, reason::ok},
        {"another hall 1 s later is not a copy", "ddp-art2-in", direction::entry, 1000ms, false, false,
         reason::hall_closed},
    };
    for (const auto& c : table) {
        SCOPED_TRACE(c.name);
        door d;
        const auto first = d.read(read_at("ch-3f-in", direction::entry, t0, "a"));
        ASSERT_TRUE(first.result.admitted) << first.result.explanation;
        const auto second = d.read(read_at(c.second_station, c.second_dir, t0 + c.after, "b"));
        EXPECT_EQ(second.duplicate, c.duplicate);
        EXPECT_EQ(second.result.admitted, c.admitted) << second.result.explanation;
        EXPECT_EQ(second.result.why, c.why) << second.result.explanation;
        if (c.duplicate) {
            EXPECT_EQ(second.result, first.result) << "the same colour and words as the first read";
            EXPECT_FALSE(second.moved) << "a duplicate moves no one";
            EXPECT_EQ(d.where.inside(forum_room), 1);
        }
    }
}

TEST(DuplicateWindow, ARefusalReadTwiceIsOneRefusalAndADuplicate) {
    door d;
    const time_point t0 = kst(26, 9, 0);  // before check-in opens
    const auto first = d.read(read_at("ch-3f-in", direction::entry, t0, "a"));
    ASSERT_EQ(first.result.why, reason::hall_not_open);
    const auto second = d.read(read_at("ch-3f-in", direction::entry, t0 + 1s, "b"));
    EXPECT_TRUE(second.duplicate);
    EXPECT_EQ(second.result, first.result);
}

TEST(DuplicateWindow, TheWindowRunsFromTheLastCountedReadNotFromTheLastDuplicate) {
    door d;
    const time_point t0 = kst(26, 10, 5);
    d.read(read_at("ch-3f-in", direction::entry, t0, "a"));
    EXPECT_TRUE(d.read(read_at("ch-3f-in", direction::entry, t0 + 1500ms, "b")).duplicate);
    // 3 s after the counted read, 1.5 s after the duplicate: judged again.
    const auto third = d.read(read_at("ch-3f-in", direction::entry, t0 + 3000ms, "c"));
    EXPECT_FALSE(third.duplicate);
    EXPECT_EQ(third.result.why, reason::already_inside);
}

TEST(DuplicateWindow, InOutAndInAgainAtOnceAreThreeScans) {
    door d;
    const time_point t0 = kst(26, 10, 5);
    d.read(read_at("ch-3f-in", direction::entry, t0, "a"));
    EXPECT_TRUE(d.read(read_at("ch-3f-out", direction::exit, t0 + 500ms, "b")).result.admitted);
    const auto again = d.read(read_at("ch-3f-in", direction::entry, t0 + 1000ms, "c"));
    EXPECT_FALSE(again.duplicate) << "only the badge's last counted read can be copied";
    EXPECT_TRUE(again.result.admitted);
    EXPECT_EQ(d.where.inside(forum_room), 1);
}

TEST(DuplicateWindow, AReissuedBadgeShownAfterTheOldOneIsNotACopyOfIt) {
    door d;  // guest-ahn's badge was reissued: version 2 is the valid one
    const time_point t0 = kst(26, 10, 5);
    auto old_badge = read_at("ch-3f-in", direction::entry, t0, "a");
    old_badge.payload = badge_of("guest-ahn", 1);
    EXPECT_EQ(d.read(old_badge).result.why, reason::revoked_badge);
    auto new_badge = read_at("ch-3f-in", direction::entry, t0 + 500ms, "b");
    new_badge.payload = badge_of("guest-ahn", 2);
    const auto r = d.read(new_badge);
    EXPECT_FALSE(r.duplicate);
    EXPECT_TRUE(r.result.admitted) << r.result.explanation;
}

TEST(DuplicateWindow, ALateOfflineReadJustBeforeTheCountedOneIsADuplicate) {
    door d;
    const time_point t0 = kst(26, 10, 5);
    d.read(read_at("ch-3f-in", direction::entry, t0, "a"));
    auto late = read_at("ch-3f-in", direction::entry, t0 - 800ms, "b");
    late.offline = true;
    late.server_time = t0 + 5s;
    EXPECT_TRUE(d.read(late).duplicate);
}

TEST(DuplicateWindow, ZeroTurnsItOffAndStaffCheckInsAreNeverDuplicates) {
    door off;
    off.event.rules.duplicate_window = 0ms;
    const time_point t0 = kst(26, 10, 5);
    off.read(read_at("ch-3f-in", direction::entry, t0, "a"));
    const auto second = off.read(read_at("ch-3f-in", direction::entry, t0 + 100ms, "b"));
    EXPECT_FALSE(second.duplicate);
    EXPECT_EQ(second.result.why, reason::already_inside);

    door desk;
    desk.read(read_at("ch-3f-in", direction::entry, t0, "a"));
    scan manual;
    manual.scan_id = "desk-1";
    manual.kind = scan_kind::manual;
    manual.hall_id = std::string(forum_room);
    manual.attendee_id = "guest-101";
    manual.server_time = manual.device_time = t0 + 100ms;
    const auto forced = desk.read(manual);
    EXPECT_FALSE(forced.duplicate);
    EXPECT_EQ(forced.result.why, reason::already_inside);
}

TEST(DuplicateWindow, ForgetsReadsOlderThanAskedAndPutsBackWhatAFailedCommitChanged) {
    door d;
    const time_point t0 = kst(26, 10, 5);
    auto first = decide({d.event, d.people, d.where, event_keys().pub, &d.recent},
                        read_at("ch-3f-in", direction::entry, t0, "a"));
    const auto key = recent_reads::key_of(first);
    ASSERT_FALSE(key.empty());
    const auto previous = d.recent.remember(first);
    EXPECT_FALSE(previous);
    d.recent.restore(key, previous);
    EXPECT_EQ(d.recent.size(), 0u) << "undone: the read was never stored";
    d.recent.remember(first);
    d.recent.forget_before(t0 + 1ms);
    EXPECT_EQ(d.recent.size(), 0u);
}

}  // namespace
}  // namespace admit::core
