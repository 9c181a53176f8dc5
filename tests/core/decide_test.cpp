// The verdict at the door, case by case, on the Seoul event: what a door
// steward or the help desk would see for each kind of scan.
#include "core/decide.hpp"

#include <gtest/gtest.h>

#include <ostream>

#include "core/seoul_event.hpp"

namespace admit::core {
namespace {

using testing::badge_of;
using testing::ddp_art2;
using testing::event_keys;
using testing::forum_room;
using testing::kst;
using testing::wego_hall;

// Which token the person shows.
enum class shows {
    genuine,      // their own badge, version 1
    version_2,    // a reissued badge
    version_3,    // a version never issued
    forged,       // one character of the signature changed
    other_key,    // signed with a key that is not the event's
    other_event,  // a genuine-looking badge for another event
    garbage,      // a QR code that is not a badge
};

struct decide_case {
    std::string name;
    scan_kind kind = scan_kind::badge;
    std::string where;  // station id (badge) or hall id (manual)
    std::string who;
    direction dir = direction::entry;
    time_point at{};
    std::vector<movement> before = {};  // where people are before the scan
    int filled = 0;                     // strangers already inside the scan's hall
    policies rules = {};
    shows token = shows::genuine;
    bool offline = false;
    time_point device_at{};  // when set: the kiosk's clock differs from the server's
    bool door_rules = false; // manual: judged by the doors' rules (the help desk's preview)

    reason want = reason::ok;
    bool admitted = true;
    bool warning = false;
    std::optional<movement> moved = std::nullopt;
    std::string says = "";  // part of the explanation staff see
};

void PrintTo(const decide_case& c, std::ostream* os) {
    *os << c.name;
}

std::string token_for(const decide_case& c) {
    switch (c.token) {
        case shows::genuine:
            return badge_of(c.who);
        case shows::version_2:
            return badge_of(c.who, 2);
        case shows::version_3:
            return badge_of(c.who, 3);
        case shows::forged: {
            std::string t = badge_of(c.who);
            char& ch = t[t.size() - 20];
            ch = ch == 'A' ? 'B' : 'A';
            return t;
        }
        case shows::other_key: {
            static const badge_keys other = badge_keys::generate();
            return sign_badge({"seoul-smart-city-2023", c.who, "guest", 1}, other.secret);
        }
        case shows::other_event:
            return sign_badge({"busan-smart-city-2023", c.who, "guest", 1}, event_keys().secret);
        case shows::garbage:
            return "https://example.org/wifi?password=1234";
    }
    return {};
}

const std::string in_wego(wego_hall);
const std::string in_forum(forum_room);
const std::string in_ddp(ddp_art2);

// Typical moments: during the ceremony's check-in, during the forum, during the assembly.
const time_point at_ceremony = kst(25, 17, 10);
const time_point at_forum = kst(26, 10, 15);
const time_point at_assembly = kst(26, 13, 30);

const policies passback_warn{passback_policy::warn, move_policy::move};
const policies refuse_move{passback_policy::refuse, move_policy::refuse};

// clang-format off
const decide_case cases[] = {
    // The happy path.
    {.name = "delegate_enters_assembly", .where = "ch-multi-in", .who = "del-kazan-1",
     .at = at_assembly, .moved = movement{"del-kazan-1", "", in_wego},
     .says = "Welcome to City Hall Multipurpose Hall."},
    {.name = "winner_enters_ceremony", .where = "ddp-art2-in", .who = "win-003", .at = at_ceremony,
     .moved = movement{"win-003", "", in_ddp}},

    // Station and badge.
    {.name = "unknown_station", .where = "ch-9f-in", .who = "del-kazan-1", .at = at_assembly,
     .want = reason::unknown_station, .admitted = false, .says = "ch-9f-in"},
    {.name = "not_a_badge", .where = "ch-multi-in", .who = "del-kazan-1", .at = at_assembly,
     .token = shows::garbage, .want = reason::malformed_badge, .admitted = false},
    {.name = "forged_signature", .where = "ch-multi-in", .who = "del-kazan-1", .at = at_assembly,
     .token = shows::forged, .want = reason::bad_signature, .admitted = false},
    {.name = "signed_with_another_key", .where = "ch-multi-in", .who = "del-kazan-1",
     .at = at_assembly, .token = shows::other_key, .want = reason::bad_signature,
     .admitted = false},
    {.name = "badge_of_another_event", .where = "ch-multi-in", .who = "del-kazan-1",
     .at = at_assembly, .token = shows::other_event, .want = reason::wrong_event,
     .admitted = false, .says = "busan-smart-city-2023"},
    {.name = "not_in_roster", .where = "ch-multi-in", .who = "del-seattle-9", .at = at_assembly,
     .want = reason::unknown_badge, .admitted = false, .says = "del-seattle-9"},
    {.name = "revoked_old_version", .where = "ddp-art2-in", .who = "guest-ahn", .at = at_ceremony,
     .want = reason::revoked_badge, .admitted = false, .says = "replaced by version 2"},
    {.name = "current_reissued_version", .where = "ddp-art2-in", .who = "guest-ahn",
     .at = at_ceremony, .token = shows::version_2, .moved = movement{"guest-ahn", "", in_ddp}},
    {.name = "version_never_issued", .where = "ddp-art2-in", .who = "guest-ahn",
     .at = at_ceremony, .token = shows::version_3, .want = reason::unknown_badge,
     .admitted = false, .says = "not issued"},

    // Direction against the station's role.
    {.name = "exit_scan_at_entrance", .where = "ddp-art2-in", .who = "win-003",
     .dir = direction::exit, .at = at_ceremony, .before = {{"win-003", "", in_ddp}},
     .want = reason::wrong_direction, .admitted = false},
    {.name = "entry_scan_at_exit", .where = "ddp-art2-out", .who = "win-003", .at = at_ceremony,
     .want = reason::wrong_direction, .admitted = false},
    {.name = "both_station_takes_entries", .where = "ch-multi-side", .who = "vip-mayor",
     .at = at_assembly, .moved = movement{"vip-mayor", "", in_wego}},
    {.name = "both_station_takes_exits", .where = "ch-multi-side", .who = "vip-mayor",
     .dir = direction::exit, .at = at_assembly, .before = {{"vip-mayor", "", in_wego}},
     .moved = movement{"vip-mayor", in_wego, ""}},

    // Session windows, in Seoul time.
    {.name = "before_checkin_opens", .where = "ch-multi-in", .who = "del-kazan-1",
     .at = kst(26, 12, 59), .want = reason::hall_not_open, .admitted = false,
     .says = "check-in for 6th WeGO General Assembly opens at 13:00."},
    {.name = "when_checkin_opens", .where = "ch-multi-in", .who = "del-kazan-1",
     .at = kst(26, 13, 0), .moved = movement{"del-kazan-1", "", in_wego}},
    {.name = "the_day_before", .where = "ch-3f-in", .who = "guest-101", .at = kst(25, 18, 0),
     .want = reason::hall_not_open, .admitted = false, .says = "opens at 09:30 on 26 Sep."},
    {.name = "between_forum_sessions_open", .where = "ch-3f-in", .who = "guest-101",
     .at = kst(26, 11, 0), .moved = movement{"guest-101", "", in_forum}},
    {.name = "at_session_end", .where = "ch-3f-in", .who = "guest-101", .at = kst(26, 13, 0),
     .moved = movement{"guest-101", "", in_forum}},
    // Issue 21: read at 13:00:00 and decided at 13:00:00.3 was refused
    // "ended at 13:00"; the end second is inside the window.
    {.name = "within_the_end_second", .where = "ch-3f-in", .who = "guest-101",
     .at = kst(26, 13, 0) + std::chrono::milliseconds(999), .moved = movement{"guest-101", "", in_forum}},
    {.name = "the_second_after_the_end", .where = "ch-3f-in", .who = "guest-101",
     .at = kst(26, 13, 0) + std::chrono::seconds(1), .want = reason::hall_closed, .admitted = false,
     .says = "ended at 13:00."},
    {.name = "after_last_session", .where = "ch-3f-in", .who = "guest-101",
     .at = kst(26, 13, 1), .want = reason::hall_closed, .admitted = false,
     .says = "Forum session 3: The Smart City Index ended at 13:00."},
    {.name = "ceremony_hall_next_day", .where = "ddp-art2-in", .who = "win-003",
     .at = kst(26, 10, 0), .want = reason::hall_closed, .admitted = false,
     .says = "ended at 20:00 on 25 Sep."},

    // Categories.
    {.name = "guest_at_assembly", .where = "ch-multi-in", .who = "guest-101", .at = at_assembly,
     .want = reason::category_not_allowed, .admitted = false,
     .says = "Guest may not enter 6th WeGO General Assembly."},
    {.name = "press_at_assembly", .where = "ch-multi-in", .who = "press-yonhap-1",
     .at = at_assembly, .moved = movement{"press-yonhap-1", "", in_wego}},
    {.name = "guest_at_open_ceremony", .where = "ddp-art2-in", .who = "guest-101",
     .at = at_ceremony, .moved = movement{"guest-101", "", in_ddp}},

    // Anti-passback and other halls.
    {.name = "second_entry_refused", .where = "ch-multi-in", .who = "del-makati-2",
     .at = at_assembly, .before = {{"del-makati-2", "", in_wego}},
     .want = reason::already_inside, .admitted = false,
     .says = "Already inside City Hall Multipurpose Hall"},
    {.name = "second_entry_warned", .where = "ch-multi-in", .who = "del-makati-2",
     .at = at_assembly, .before = {{"del-makati-2", "", in_wego}}, .rules = passback_warn,
     .warning = true},
    {.name = "entry_moves_from_other_hall", .where = "ch-multi-in", .who = "spk-keynote",
     .at = at_assembly, .before = {{"spk-keynote", "", in_forum}},
     .moved = movement{"spk-keynote", in_forum, in_wego},
     .says = "(exit from City Hall 3F Main Conference Room recorded)."},
    {.name = "entry_refused_while_in_other_hall", .where = "ch-multi-in", .who = "spk-keynote",
     .at = at_assembly, .before = {{"spk-keynote", "", in_forum}}, .rules = refuse_move,
     .want = reason::in_other_hall, .admitted = false,
     .says = "Still recorded inside City Hall 3F Main Conference Room"},

    // Capacity: the forum room seats 250; staff may enter a full hall.
    {.name = "last_seat", .where = "ch-3f-in", .who = "guest-101", .at = at_forum, .filled = 249,
     .moved = movement{"guest-101", "", in_forum}},
    {.name = "hall_full", .where = "ch-3f-in", .who = "guest-101", .at = at_forum, .filled = 250,
     .want = reason::hall_full, .admitted = false, .says = "Hall is full (250/250)."},
    {.name = "vip_into_full_hall", .where = "ch-3f-in", .who = "vip-mayor", .at = at_forum,
     .filled = 250, .want = reason::hall_full, .admitted = false},
    {.name = "staff_into_full_hall", .where = "ch-3f-in", .who = "staff-012", .at = at_forum,
     .filled = 250, .moved = movement{"staff-012", "", in_forum}},
    {.name = "over_capacity_after_staff", .where = "ch-3f-in", .who = "guest-101",
     .at = at_forum, .filled = 251, .want = reason::hall_full, .admitted = false,
     .says = "Hall is full (251/250)."},
    {.name = "full_hall_entered_from_other_hall", .where = "ch-3f-in", .who = "guest-101",
     .at = at_forum, .before = {{"guest-101", "", in_ddp}}, .filled = 250,
     .want = reason::hall_full, .admitted = false},
    {.name = "passback_checked_before_capacity", .where = "ch-3f-in", .who = "guest-101",
     .at = at_forum, .before = {{"guest-101", "", in_forum}}, .filled = 249,
     .want = reason::already_inside, .admitted = false},

    // Exits.
    {.name = "exit_from_this_hall", .where = "ch-multi-out", .who = "del-kazan-1",
     .dir = direction::exit, .at = at_assembly, .before = {{"del-kazan-1", "", in_wego}},
     .moved = movement{"del-kazan-1", in_wego, ""}},
    {.name = "exit_while_recorded_elsewhere", .where = "ch-multi-out", .who = "del-kazan-1",
     .dir = direction::exit, .at = at_assembly, .before = {{"del-kazan-1", "", in_forum}},
     .warning = true, .moved = movement{"del-kazan-1", in_forum, ""},
     .says = "still recorded inside City Hall 3F Main Conference Room."},
    {.name = "exit_without_entry", .where = "ch-multi-out", .who = "del-kazan-1",
     .dir = direction::exit, .at = at_assembly, .want = reason::not_inside, .admitted = false,
     .says = "No entry recorded; exit recorded and flagged."},
    {.name = "exit_after_hours", .where = "ddp-art2-out", .who = "win-003",
     .dir = direction::exit, .at = kst(26, 1, 0), .before = {{"win-003", "", in_ddp}},
     .moved = movement{"win-003", in_ddp, ""}},
    {.name = "exit_by_guest_from_closed_category_hall", .where = "ch-multi-out",
     .who = "guest-101", .dir = direction::exit, .at = at_assembly,
     .before = {{"guest-101", "", in_wego}}, .moved = movement{"guest-101", in_wego, ""}},

    // Offline kiosks: judged by the kiosk's clock, when the person stood at the door.
    {.name = "offline_judged_by_device_time", .where = "ch-multi-in", .who = "del-kazan-1",
     .at = kst(26, 18, 30), .offline = true, .device_at = kst(26, 17, 0),
     .moved = movement{"del-kazan-1", "", in_wego}},
    {.name = "online_judged_by_server_time", .where = "ch-multi-in", .who = "del-kazan-1",
     .at = kst(26, 18, 30), .offline = false, .device_at = kst(26, 17, 0),
     .want = reason::hall_closed, .admitted = false},
    {.name = "offline_before_opening", .where = "ch-multi-in", .who = "del-kazan-1",
     .at = at_assembly, .offline = true, .device_at = kst(26, 12, 30),
     .want = reason::hall_not_open, .admitted = false},

    // Manual check-in and check-out at the help desk: forced by staff.
    {.name = "manual_when_hall_closed", .kind = scan_kind::manual, .where = in_ddp,
     .who = "guest-101", .at = kst(26, 10, 0), .moved = movement{"guest-101", "", in_ddp},
     .says = "by staff"},
    {.name = "manual_category_not_on_list", .kind = scan_kind::manual, .where = in_wego,
     .who = "guest-101", .at = at_assembly, .moved = movement{"guest-101", "", in_wego}},
    {.name = "manual_into_full_hall", .kind = scan_kind::manual, .where = in_forum,
     .who = "guest-101", .at = at_forum, .filled = 250,
     .moved = movement{"guest-101", "", in_forum}},
    {.name = "manual_moves_despite_refuse_policy", .kind = scan_kind::manual, .where = in_wego,
     .who = "spk-keynote", .at = at_assembly, .before = {{"spk-keynote", "", in_forum}},
     .rules = refuse_move, .moved = movement{"spk-keynote", in_forum, in_wego}},
    {.name = "manual_already_inside", .kind = scan_kind::manual, .where = in_wego,
     .who = "del-kazan-1", .at = at_assembly, .before = {{"del-kazan-1", "", in_wego}},
     .want = reason::already_inside, .admitted = false},
    {.name = "manual_already_inside_warn_policy", .kind = scan_kind::manual, .where = in_wego,
     .who = "del-kazan-1", .at = at_assembly, .before = {{"del-kazan-1", "", in_wego}},
     .rules = passback_warn, .want = reason::already_inside, .admitted = false},
    {.name = "manual_unknown_hall", .kind = scan_kind::manual, .where = "ch-rooftop",
     .who = "del-kazan-1", .at = at_assembly, .want = reason::unknown_station,
     .admitted = false, .says = "ch-rooftop"},
    {.name = "manual_unknown_person", .kind = scan_kind::manual, .where = in_wego,
     .who = "del-nowhere-1", .at = at_assembly, .want = reason::unknown_badge,
     .admitted = false},
    {.name = "manual_checkout", .kind = scan_kind::manual, .where = in_wego, .who = "vip-mayor",
     .dir = direction::exit, .at = at_assembly, .before = {{"vip-mayor", "", in_wego}},
     .moved = movement{"vip-mayor", in_wego, ""}},
    {.name = "manual_checkout_not_inside", .kind = scan_kind::manual, .where = in_wego,
     .who = "vip-mayor", .dir = direction::exit, .at = at_assembly,
     .want = reason::not_inside, .admitted = false},

    // The help desk's preview: the same check-ins by hand, judged by the
    // doors' rules, say which rule the staff would override.
    {.name = "preview_hall_not_open", .kind = scan_kind::manual, .where = in_wego,
     .who = "guest-101", .at = kst(25, 17, 0), .door_rules = true,
     .want = reason::hall_not_open, .admitted = false, .says = "opens at 13:00 on 26 Sep"},
    {.name = "preview_category_not_on_list", .kind = scan_kind::manual, .where = in_wego,
     .who = "guest-101", .at = at_assembly, .door_rules = true,
     .want = reason::category_not_allowed, .admitted = false, .says = "may not enter"},
    {.name = "preview_full_hall", .kind = scan_kind::manual, .where = in_forum,
     .who = "guest-101", .at = at_forum, .filled = 250, .door_rules = true,
     .want = reason::hall_full, .admitted = false},
    {.name = "preview_within_the_rules", .kind = scan_kind::manual, .where = in_wego,
     .who = "del-kazan-1", .at = at_assembly, .door_rules = true,
     .moved = movement{"del-kazan-1", "", in_wego}},
};
// clang-format on

class Decide : public ::testing::TestWithParam<decide_case> {};

TEST_P(Decide, GivesTheExpectedVerdict) {
    const decide_case& c = GetParam();
    event_config event = testing::seoul_event();
    event.rules = c.rules;
    const roster people = testing::seoul_roster();

    scan s;
    s.scan_id = "k1-" + c.name;
    s.kind = c.kind;
    s.dir = c.dir;
    s.server_time = c.at;
    s.device_time = c.device_at == time_point{} ? c.at : c.device_at;
    s.offline = c.offline;
    std::string hall_id;
    if (c.kind == scan_kind::badge) {
        s.station_id = c.where;
        s.payload = token_for(c);
        const station* st = event.find_station(c.where);
        hall_id = st ? st->hall_id : "";
    } else {
        s.hall_id = c.where;
        s.attendee_id = c.who;
        s.actor = "desk-lee";
        s.note = "badge left at hotel";
        s.door_rules = c.door_rules;
        hall_id = c.where;
    }

    presence where;
    for (int i = 0; i < c.filled; ++i) {
        where.apply({"seat-" + std::to_string(i), "", hall_id});
    }
    for (const movement& m : c.before) {
        where.apply(m);
    }

    const scan_record r = decide({event, people, where, event_keys().pub}, s);

    EXPECT_EQ(reason_code(r.result.why), reason_code(c.want)) << r.result.explanation;
    EXPECT_EQ(r.result.admitted, c.admitted) << r.result.explanation;
    EXPECT_EQ(r.result.warning, c.warning) << r.result.explanation;
    EXPECT_EQ(r.moved, c.moved) << r.result.explanation;
    EXPECT_NE(r.result.explanation.find(c.says), std::string::npos)
        << "explanation \"" << r.result.explanation << "\" lacks \"" << c.says << "\"";
    EXPECT_FALSE(r.result.explanation.empty());
    EXPECT_EQ(r.hall_id, hall_id);
    EXPECT_EQ(r.seq, 0);

    // Applying what was decided never double-counts and never loses anyone.
    const int before = where.inside(hall_id);
    where.apply(r.moved.value_or(movement{}));
    if (!r.moved) {
        EXPECT_EQ(where.inside(hall_id), before);
    } else if (r.moved->to_hall == hall_id) {
        EXPECT_EQ(where.inside(hall_id), before + 1);
        EXPECT_EQ(where.hall_of(c.who), hall_id);
    } else {
        EXPECT_EQ(where.hall_of(c.who), "");
    }
}

std::string case_name(const ::testing::TestParamInfo<decide_case>& param) {
    return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(SeoulWeek, Decide, ::testing::ValuesIn(cases), case_name);

TEST(DecideRecord, CopiesTheScanAndNamesThePerson) {
    const event_config event = testing::seoul_event();
    const roster people = testing::seoul_roster();
    const presence where;
    scan s;
    s.scan_id = "kiosk-7:000042";
    s.station_id = "ch-multi-in";
    s.payload = badge_of("del-ulaanbaatar-1");
    s.device_time = kst(26, 13, 40);
    s.server_time = kst(26, 13, 45);
    s.offline = true;
    s.shown = verdict{true, reason::ok, false, "Welcome"};

    const scan_record r = decide({event, people, where, event_keys().pub}, s);
    EXPECT_EQ(r.scan_id, "kiosk-7:000042");
    EXPECT_EQ(r.kind, scan_kind::badge);
    EXPECT_EQ(r.station_id, "ch-multi-in");
    EXPECT_EQ(r.hall_id, "ch-multipurpose");
    EXPECT_EQ(r.attendee_id, "del-ulaanbaatar-1");
    EXPECT_EQ(r.category, "delegate");
    EXPECT_EQ(r.payload, s.payload);
    EXPECT_EQ(r.dir, direction::entry);
    EXPECT_EQ(r.device_time, s.device_time);
    EXPECT_EQ(r.server_time, s.server_time);
    EXPECT_TRUE(r.offline);
    EXPECT_EQ(r.shown, s.shown);
    EXPECT_TRUE(r.result.admitted);
    EXPECT_FALSE(r.conflicts());
    EXPECT_FALSE(r.annulled);
}

TEST(DecideRecord, ManualScanKeepsActorAndNote) {
    const event_config event = testing::seoul_event();
    const roster people = testing::seoul_roster();
    const presence where;
    scan s;
    s.scan_id = "desk:1";
    s.kind = scan_kind::manual;
    s.hall_id = "ddp-art2";
    s.attendee_id = "fin-017";
    s.server_time = s.device_time = kst(25, 17, 20);
    s.actor = "desk-lee";
    s.note = "lost badge";

    const scan_record r = decide({event, people, where, event_keys().pub}, s);
    EXPECT_TRUE(r.result.admitted);
    EXPECT_EQ(r.kind, scan_kind::manual);
    EXPECT_EQ(r.actor, "desk-lee");
    EXPECT_EQ(r.note, "lost badge");
    EXPECT_EQ(r.attendee_id, "fin-017");
    EXPECT_EQ(r.category, "finalist");
    EXPECT_EQ(r.station_id, "");
}

TEST(DecideRecord, UnreadableBadgeNamesNobody) {
    const event_config event = testing::seoul_event();
    const roster people = testing::seoul_roster();
    const presence where;
    scan s;
    s.station_id = "ch-3f-in";
    s.payload = "A1.not-a-badge";
    s.server_time = kst(26, 10, 0);
    const scan_record r = decide({event, people, where, event_keys().pub}, s);
    EXPECT_EQ(r.result.why, reason::malformed_badge);
    EXPECT_EQ(r.attendee_id, "");
    EXPECT_EQ(r.payload, "A1.not-a-badge");
    EXPECT_FALSE(r.moved.has_value());
}

TEST(DecideRecord, UsesASignatureCheckDoneAhead) {
    const event_config event = testing::seoul_event();
    const roster people = testing::seoul_roster();
    const presence where;
    scan s;
    s.station_id = "ch-3f-in";
    s.payload = testing::badge_of("del-kazan-1");
    s.server_time = kst(26, 10, 0);
    EXPECT_TRUE(decide({event, people, where, event_keys().pub}, s).result.admitted);
    // The check done on the network thread is what counts.
    s.checked = badge_check{reason::bad_signature, std::nullopt};
    EXPECT_EQ(decide({event, people, where, event_keys().pub}, s).result.why, reason::bad_signature);
    s.checked = verify_badge(s.payload, event_keys().pub);
    EXPECT_TRUE(decide({event, people, where, event_keys().pub}, s).result.admitted);
}

TEST(DecideRecord, OfflineVerdictThatDiffersIsAConflict) {
    const event_config event = testing::seoul_event();
    const roster people = testing::seoul_roster();
    presence where;
    where.apply({"del-makati-2", "", "ch-multipurpose"});
    scan s;
    s.station_id = "ch-multi-in";
    s.payload = badge_of("del-makati-2");
    s.server_time = s.device_time = kst(26, 14, 5);
    s.offline = true;
    s.shown = verdict{true, reason::ok, false, "Welcome"};
    const scan_record r = decide({event, people, where, event_keys().pub}, s);
    EXPECT_EQ(r.result.why, reason::already_inside);
    EXPECT_TRUE(r.conflicts());
}

TEST(Decide, HallWithoutSessionsIsOpenToEveryCategoryAtAnyTime) {
    event_config event = testing::seoul_event();
    std::erase_if(event.sessions, [](const session& s) { return s.hall_id == "ch-multipurpose"; });
    const roster people = testing::seoul_roster();
    const presence where;
    for (const time_point t : {kst(24, 3, 0), kst(26, 13, 30), kst(27, 23, 59)}) {
        scan s;
        s.station_id = "ch-multi-in";
        s.payload = badge_of("guest-101");
        s.server_time = s.device_time = t;
        const scan_record r = decide({event, people, where, event_keys().pub}, s);
        EXPECT_TRUE(r.result.admitted) << r.result.explanation;
        EXPECT_EQ(r.result.why, reason::ok);
    }
}

TEST(Decide, OneOfSeveralActiveSessionsAdmittingTheCategoryIsEnough) {
    event_config event = testing::seoul_event();
    // A press-only briefing whose check-in overlaps the assembly's.
    event.sessions.push_back({"press-brief", "Press briefing", "ch-multipurpose", kst(26, 13, 0),
                              kst(26, 13, 45), {"press"}, std::chrono::minutes{30}});
    const roster people = testing::seoul_roster();
    const presence where;
    scan s;
    s.station_id = "ch-multi-in";
    s.server_time = s.device_time = kst(26, 12, 40);  // only the briefing is open
    s.payload = badge_of("press-yonhap-1");
    EXPECT_TRUE(decide({event, people, where, event_keys().pub}, s).result.admitted);
    s.payload = badge_of("del-kazan-1");
    const scan_record r = decide({event, people, where, event_keys().pub}, s);
    EXPECT_EQ(r.result.why, reason::category_not_allowed);
    EXPECT_EQ(r.result.explanation, "WeGO delegate may not enter Press briefing.");
    s.server_time = s.device_time = kst(26, 13, 10);  // both open
    EXPECT_TRUE(decide({event, people, where, event_keys().pub}, s).result.admitted);
}

TEST(Decide, ADayAtCityHallKeepsCountsRight) {
    const event_config event = testing::seoul_event();
    const roster people = testing::seoul_roster();
    presence where;
    int n = 0;
    auto scan_at = [&](const char* station, const char* who, direction dir, time_point t) {
        scan s;
        s.scan_id = "day-" + std::to_string(++n);
        s.station_id = station;
        s.payload = badge_of(who);
        s.dir = dir;
        s.server_time = s.device_time = t;
        const scan_record r = decide({event, people, where, event_keys().pub}, s);
        if (r.moved) {
            where.apply(*r.moved);
        }
        return r.result;
    };
    const auto in = direction::entry;
    const auto out = direction::exit;

    EXPECT_TRUE(scan_at("ch-3f-in", "spk-keynote", in, kst(26, 9, 40)).admitted);
    EXPECT_TRUE(scan_at("ch-3f-in", "del-kazan-1", in, kst(26, 9, 45)).admitted);
    EXPECT_FALSE(scan_at("ch-3f-in", "del-kazan-1", in, kst(26, 9, 46)).admitted);  // passback
    EXPECT_EQ(where.inside("ch-3f-main"), 2);

    // Lunch: the delegate walks out; the speaker forgets to scan out.
    EXPECT_TRUE(scan_at("ch-3f-out", "del-kazan-1", out, kst(26, 12, 55)).admitted);
    EXPECT_TRUE(scan_at("ch-multi-in", "del-kazan-1", in, kst(26, 13, 20)).admitted);
    EXPECT_TRUE(scan_at("ch-multi-in", "spk-keynote", in, kst(26, 13, 25)).admitted);
    EXPECT_EQ(where.inside("ch-3f-main"), 0);
    EXPECT_EQ(where.inside("ch-multipurpose"), 2);

    // An exit scanned at the wrong hall still takes them out of the right one.
    const verdict v = scan_at("ch-3f-out", "spk-keynote", out, kst(26, 17, 40));
    EXPECT_TRUE(v.admitted);
    EXPECT_TRUE(v.warning);
    EXPECT_EQ(where.inside("ch-multipurpose"), 1);
    EXPECT_FALSE(scan_at("ch-3f-out", "spk-keynote", out, kst(26, 17, 41)).admitted);
    EXPECT_EQ(where.inside("ch-3f-main"), 0);
    EXPECT_EQ(where.total_inside(), 1u);
}

TEST(ClearHall, ExitsEveryoneStillInsideInIdOrder) {
    presence where;
    for (const char* id : {"del-makati-2", "vip-mayor", "del-kazan-1"}) {
        where.apply({id, "", "ch-multipurpose"});
    }
    where.apply({"guest-101", "", "ch-3f-main"});
    const time_point at = kst(26, 23, 0);

    const auto records = clear_hall(where, "ch-multipurpose", at);
    ASSERT_EQ(records.size(), 3u);
    const char* want[] = {"del-kazan-1", "del-makati-2", "vip-mayor"};
    for (std::size_t i = 0; i < records.size(); ++i) {
        const scan_record& r = records[i];
        EXPECT_EQ(r.attendee_id, want[i]);
        EXPECT_EQ(r.scan_id, std::string("clear:ch-multipurpose:") + want[i] + ":1695736800000");
        EXPECT_EQ(r.kind, scan_kind::clear);
        EXPECT_EQ(r.dir, direction::exit);
        EXPECT_EQ(r.hall_id, "ch-multipurpose");
        EXPECT_EQ(r.server_time, at);
        EXPECT_EQ(r.device_time, at);
        EXPECT_EQ(r.result, (verdict{true, reason::ok, false, "Scheduled clear-out"}));
        EXPECT_EQ(r.moved, (movement{want[i], "ch-multipurpose", ""}));
        EXPECT_EQ(r.seq, 0);
    }

    for (const auto& r : records) {
        where.apply(*r.moved);
    }
    EXPECT_EQ(where.inside("ch-multipurpose"), 0);
    EXPECT_EQ(where.inside("ch-3f-main"), 1);
    EXPECT_TRUE(clear_hall(where, "ch-multipurpose", at).empty());
}

TEST(ClearHall, EmptyHallGivesNoRecords) {
    EXPECT_TRUE(clear_hall(presence{}, "ddp-art2", kst(25, 23, 0)).empty());
}

TEST(CurrentSession, FollowsTheCheckinWindows) {
    const event_config event = testing::seoul_event();
    struct case_t {
        std::string_view hall;
        time_point t;
        const char* want;  // session id, or nullptr
    };
    const case_t table[] = {
        {ddp_art2, kst(25, 16, 59), nullptr},
        {ddp_art2, kst(25, 17, 0), "prize-ceremony"},
        {ddp_art2, kst(25, 20, 0), "prize-ceremony"},
        {ddp_art2, kst(25, 20, 1), nullptr},
        {forum_room, kst(26, 9, 29), nullptr},
        {forum_room, kst(26, 9, 30), "forum-1"},
        {forum_room, kst(26, 10, 49), "forum-1"},
        {forum_room, kst(26, 10, 55), "forum-1"},  // forum-2 check-in open too: earliest wins
        {forum_room, kst(26, 11, 1), "forum-2"},
        {forum_room, kst(26, 12, 30), "forum-3"},
        {forum_room, kst(26, 13, 1), nullptr},
        {wego_hall, kst(26, 13, 0), "wego-ga"},
        {wego_hall, kst(26, 10, 0), nullptr},
        {"ch-rooftop", kst(26, 10, 0), nullptr},
    };
    for (const auto& c : table) {
        const session* s = current_session(event, c.hall, c.t);
        if (c.want == nullptr) {
            EXPECT_EQ(s, nullptr) << c.hall << " " << c.t.time_since_epoch().count();
        } else {
            ASSERT_NE(s, nullptr) << c.hall << " " << c.want;
            EXPECT_EQ(s->id, c.want);
        }
    }
}

// A late-entry allowance keeps a session's door open after its end, to the second.
TEST(Decide, ALateEntryAllowanceKeepsTheDoorOpenThatLong) {
    auto event = testing::seoul_event();
    for (auto& s : event.sessions)
        if (s.id == "forum-3") s.late_entry = std::chrono::minutes{10};
    const roster people = testing::seoul_roster();
    presence where;
    const decide_input in{event, people, where, event_keys().pub};
    scan s;
    s.scan_id = "late";
    s.station_id = "ch-3f-in";
    s.payload = badge_of("guest-101");
    s.server_time = s.device_time = kst(26, 13, 10);
    EXPECT_TRUE(decide(in, s).result.admitted) << "13:10:00 is the allowance's last second";
    s.server_time = s.device_time = kst(26, 13, 10) + std::chrono::seconds(1);
    const auto after = decide(in, s);
    EXPECT_FALSE(after.result.admitted);
    EXPECT_EQ(after.result.why, reason::hall_closed);
}

}  // namespace
}  // namespace admit::core
