// Occupancy: one hall per person, counts never negative, whatever order the
// movements arrive in.
#include "core/presence.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace admit::core {
namespace {

TEST(Presence, EmptyAtStart) {
    const presence p;
    EXPECT_EQ(p.hall_of("anyone"), "");
    EXPECT_EQ(p.inside("ddp-art2"), 0);
    EXPECT_TRUE(p.people_in("ddp-art2").empty());
    EXPECT_EQ(p.total_inside(), 0u);
}

TEST(Presence, EntryAndExitChangeTheCount) {
    presence p;
    p.apply({"win-003", "", "ddp-art2"});
    p.apply({"fin-017", "", "ddp-art2"});
    EXPECT_EQ(p.inside("ddp-art2"), 2);
    EXPECT_EQ(p.hall_of("win-003"), "ddp-art2");

    p.apply({"win-003", "ddp-art2", ""});
    EXPECT_EQ(p.inside("ddp-art2"), 1);
    EXPECT_EQ(p.hall_of("win-003"), "");
    EXPECT_EQ(p.total_inside(), 1u);
}

TEST(Presence, NeverNegative) {
    presence p;
    // Exits of people never seen entering (lost entry scans, replays).
    p.apply({"guest-101", "ch-multipurpose", ""});
    p.apply({"guest-101", "ch-multipurpose", ""});
    EXPECT_EQ(p.inside("ch-multipurpose"), 0);
    p.apply({"guest-101", "", "ch-multipurpose"});
    EXPECT_EQ(p.inside("ch-multipurpose"), 1);
    p.apply({"guest-101", "ch-multipurpose", ""});
    p.apply({"guest-101", "ch-multipurpose", ""});
    EXPECT_EQ(p.inside("ch-multipurpose"), 0);
    EXPECT_EQ(p.total_inside(), 0u);
}

TEST(Presence, APersonIsInOneHallAtATime) {
    presence p;
    p.apply({"del-kazan-1", "", "ch-3f-main"});
    // An entry elsewhere whose from_hall is stale or empty still leaves the hall we knew.
    p.apply({"del-kazan-1", "", "ch-multipurpose"});
    EXPECT_EQ(p.hall_of("del-kazan-1"), "ch-multipurpose");
    EXPECT_EQ(p.inside("ch-3f-main"), 0);
    EXPECT_EQ(p.inside("ch-multipurpose"), 1);
    EXPECT_EQ(p.total_inside(), 1u);
}

TEST(Presence, TrustsTheCurrentPlaceOverFromHall) {
    presence p;
    p.apply({"press-yonhap-1", "", "ddp-art2"});
    // The record says they left the forum room, but we have them at DDP.
    p.apply({"press-yonhap-1", "ch-3f-main", ""});
    EXPECT_EQ(p.inside("ddp-art2"), 0);
    EXPECT_EQ(p.inside("ch-3f-main"), 0);
    EXPECT_EQ(p.hall_of("press-yonhap-1"), "");
}

TEST(Presence, EnteringTheSameHallTwiceCountsOnce) {
    presence p;
    p.apply({"staff-012", "", "ddp-art2"});
    p.apply({"staff-012", "", "ddp-art2"});
    EXPECT_EQ(p.inside("ddp-art2"), 1);
}

TEST(Presence, PeopleInIsSorted) {
    presence p;
    for (const char* id : {"del-makati-2", "vip-mayor", "del-kazan-1", "spk-keynote"}) {
        p.apply({id, "", "ch-multipurpose"});
    }
    p.apply({"guest-101", "", "ch-3f-main"});
    const std::vector<std::string> want{"del-kazan-1", "del-makati-2", "spk-keynote", "vip-mayor"};
    EXPECT_EQ(p.people_in("ch-multipurpose"), want);
    EXPECT_EQ(p.people_in("ch-3f-main"), std::vector<std::string>{"guest-101"});
}

TEST(Presence, ClearEmptiesEverything) {
    presence p;
    p.apply({"a", "", "h1"});
    p.apply({"b", "", "h2"});
    p.clear();
    EXPECT_EQ(p.total_inside(), 0u);
    EXPECT_EQ(p.inside("h1"), 0);
    EXPECT_EQ(p.hall_of("b"), "");
    p.apply({"a", "", "h1"});
    EXPECT_EQ(p.inside("h1"), 1);
}

// Thousands of people moving about (the maps grow and rehash many times):
// every count and place agrees with a plain recount of where each one is.
TEST(Presence, ManyPeopleMovingAgreeWithARecount) {
    presence p;
    const std::vector<std::string> halls{"", "ddp-art2", "ch-3f-main", "ch-multipurpose"};
    std::map<std::string, std::string> where;  // the model: person -> hall ("" outside)
    std::uint32_t state = 2023;
    const auto next = [&state] { return state = state * 1664525U + 1013904223U; };
    for (int step = 0; step < 40'000; ++step) {
        const std::string person = "p-" + std::to_string(next() % 5000);
        const std::string& to = halls[next() % halls.size()];
        p.apply({person, where[person], to});
        where[person] = to;
    }
    std::map<std::string, int> inside;
    std::size_t total = 0;
    for (const auto& [person, hall] : where) {
        EXPECT_EQ(p.hall_of(person), hall) << person;
        if (!hall.empty()) {
            ++inside[hall];
            ++total;
        }
    }
    for (const auto& hall : halls) {
        if (!hall.empty()) {
            EXPECT_EQ(p.inside(hall), inside[hall]) << hall;
        }
    }
    EXPECT_EQ(p.total_inside(), total);
}

}  // namespace
}  // namespace admit::core
