// A person's movements in read order: a scan that arrives late is placed
// where it was read, and the logged scans read after it are decided again.
// Each case checks what staff would check: who is where at the end (equal
// to a replay in read order), which scans changed, which are conflicts, and
// that replaying the log in seq order (original records, then the late one,
// then the re-decisions) ends in the same place.
#include "core/timeline.hpp"

#include <gtest/gtest.h>

#include "core/decide.hpp"
#include "core/seoul_event.hpp"

namespace admit::core {
namespace {

using testing::kst;

struct step {
    std::string station;  // its hall and direction come from the station
    int hh, mm;
    bool admitted;
    reason why;
    std::string to;  // hall the scan moved them to; "-" for out; "" for no movement
};

struct timeline_case {
    std::string name;
    std::vector<step> logged;  // in read order, as decided when they arrived
    step late;                 // decided now, read before some of them
    std::string place_at_end;  // "" outside
    std::vector<std::size_t> redecided;  // indexes into `logged` that changed
    std::vector<bool> conflicts;         // per redecided
};

const event_config& event() {
    static const event_config e = [] {
        auto ev = testing::seoul_event();
        ev.halls[0].capacity = 1000;
        return ev;
    }();
    return e;
}

timeline_entry entry_of(const step& s, std::int64_t seq) {
    const auto* st = event().find_station(s.station);
    timeline_entry e;
    e.seq = seq;
    e.read_at = kst(26, s.hh, s.mm);
    e.hall = *hall_index_of(event(), st->hall_id);
    e.dir = st->role == station_role::exit ? direction::exit : direction::entry;
    e.admitted = s.admitted;
    e.why = s.why;
    e.moves = !s.to.empty();
    e.to = s.to == "-" || s.to.empty() ? timeline_entry::outside : *hall_index_of(event(), s.to);
    return e;
}

// The late scan as the engine decides it: with the person where they were when it was read.
void run(const timeline_case& c) {
    SCOPED_TRACE(c.name);
    const std::string who = "guest-101";
    std::vector<timeline_entry> timeline;
    presence replay;  // the log in seq order: the logged scans as they were applied
    for (std::size_t i = 0; i < c.logged.size(); ++i) {
        timeline.push_back(entry_of(c.logged[i], static_cast<std::int64_t>(i + 1)));
        if (timeline.back().moves) replay.apply({who, "", hall_id_of(event(), timeline.back().to)});
    }
    auto late = entry_of(c.late, 100);
    const auto from = first_read_after(timeline, late.read_at);
    const auto place = place_before(timeline, from);

    // Judge the late scan by the place rules, with the person where they were.
    std::optional<movement> moved;
    const auto v = decide_place(event(), late.kind, late.dir, who, hall_id_of(event(), late.hall),
                                hall_id_of(event(), place), moved);
    late.admitted = v.admitted;
    late.why = v.why;
    late.moves = moved.has_value();
    late.to = moved ? *hall_index_of(event(), moved->to_hall) : timeline_entry::outside;
    timeline.insert(timeline.begin() + static_cast<std::ptrdiff_t>(from), late);
    if (moved) replay.apply(*moved);

    const auto replayed = *hall_index_of(event(), replay.hall_of(who));
    const auto changes =
        redecide_later(event(), who, timeline, from + 1, late.moves ? late.to : place, replayed);
    std::vector<std::size_t> changed;
    std::vector<bool> conflicts;
    for (const auto& ch : changes) {
        if (ch.moved) replay.apply(*ch.moved);
        timeline[ch.index] = ch.after;
        if (ch.reapplied) continue;
        changed.push_back(static_cast<std::size_t>(ch.before.seq - 1));
        conflicts.push_back(ch.conflict());
    }
    EXPECT_EQ(changed, c.redecided);
    EXPECT_EQ(conflicts, c.conflicts);
    EXPECT_EQ(hall_id_of(event(), place_before(timeline, timeline.size())), c.place_at_end)
        << "read order";
    EXPECT_EQ(std::string(replay.hall_of(who)), c.place_at_end) << "the log replayed in seq order";
}

const std::string forum(testing::forum_room);
const std::string wego(testing::wego_hall);

TEST(Timeline, ALateScanIsDecidedWhereItWasReadAndTheLaterScansAgain) {
    const std::vector<timeline_case> table{
        {"the issue: entry read offline at 09:39 arrives after the exit read online at 09:47",
         {{"ch-3f-out", 9, 47, false, reason::not_inside, ""}},
         {"ch-3f-in", 9, 39, true, reason::ok, ""},
         "",
         {0},
         {true}},
        {"a refused second entry becomes right once the exit between is known",
         {{"ch-3f-in", 9, 0, true, reason::ok, forum},
          {"ch-3f-in", 9, 40, false, reason::already_inside, ""}},
         {"ch-3f-out", 9, 30, true, reason::ok, ""},
         forum,
         {1},
         {true}},
        {"an exit that now has no entry before it is refused and flagged, not dropped",
         {{"ch-3f-in", 9, 0, true, reason::ok, forum}, {"ch-3f-out", 9, 30, true, reason::ok, "-"}},
         {"ch-3f-out", 9, 10, true, reason::ok, ""},
         "",
         {1},
         {true}},
        {"a move to another hall changes only the hall the exit names (no conflict)",
         {{"ch-3f-in", 9, 0, true, reason::ok, forum}, {"ch-3f-out", 9, 30, true, reason::ok, "-"}},
         {"ch-multi-side", 9, 10, true, reason::ok, ""},
         "",
         {1},
         {false}},
        {"an unchanged move read after the late exit is applied again so seq order agrees",
         {{"ch-3f-in", 9, 0, true, reason::ok, forum}, {"ch-multi-in", 9, 45, true, reason::ok, wego}},
         {"ch-3f-out", 9, 30, true, reason::ok, ""},
         wego,
         {},
         {}},
    };
    for (const auto& c : table) run(c);
}

TEST(Timeline, EqualReadTimesKeepArrivalOrderAndOnlyPlaceDecidingScansBelong) {
    std::vector<timeline_entry> t;
    timeline_entry a;
    a.read_at = kst(26, 9, 0);
    a.seq = 1;
    insert_in_read_order(t, a, true);
    timeline_entry b = a;
    b.seq = 2;
    insert_in_read_order(t, b, true);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[1].seq, 2);
    // A scan decided on arrival goes last, even when another server's clock made it "earlier".
    timeline_entry online = a;
    online.seq = 3;
    online.read_at = a.read_at - std::chrono::milliseconds(5);
    EXPECT_EQ(insert_in_read_order(t, online, false), 2u);
    EXPECT_EQ(t[2].read_at, a.read_at);
    timeline_entry offline = online;
    offline.seq = 4;
    EXPECT_EQ(insert_in_read_order(t, offline, true), 0u) << "a kiosk's clock can place it before";

    scan_record r;
    r.attendee_id = "guest-101";
    r.hall_id = forum;
    r.result = verdict{false, reason::hall_closed, false, "closed"};
    EXPECT_FALSE(belongs_in_timeline(r)) << "a closed hall refuses whoever and wherever";
    r.result = verdict{false, reason::not_inside, false, "no entry"};
    EXPECT_TRUE(belongs_in_timeline(r));
    r.duplicate = true;
    EXPECT_FALSE(belongs_in_timeline(r));
}

}  // namespace
}  // namespace admit::core
