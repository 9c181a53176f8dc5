// Look-ups by id in the event model.
#include "core/event.hpp"

#include <gtest/gtest.h>

#include "core/seoul_event.hpp"

namespace admit::core {
namespace {

using testing::seoul_event;

TEST(EventConfig, FindsHallsByIdAndTheirSite) {
    const event_config e = seoul_event();
    const hall* h = e.find_hall("ch-3f-main");
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->name, "City Hall 3F Main Conference Room");
    EXPECT_EQ(h->capacity, 250);
    const site* s = e.find_site(h->site_id);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->name, "Seoul City Hall");
}

TEST(EventConfig, FindsStationsAndCategories) {
    const event_config e = seoul_event();
    const station* st = e.find_station("ddp-art2-out");
    ASSERT_NE(st, nullptr);
    EXPECT_EQ(st->hall_id, "ddp-art2");
    EXPECT_EQ(st->role, station_role::exit);
    const category* c = e.find_category("staff");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->name, "Staff");
    EXPECT_TRUE(c->may_enter_full);
}

TEST(EventConfig, ReturnsNullForUnknownIds) {
    const event_config e = seoul_event();
    for (const std::string_view id : {"", "ddp-art3", "DDP-ART2", "ddp-art2 ", "ddp"}) {
        EXPECT_EQ(e.find_hall(id), nullptr) << id;
    }
    EXPECT_EQ(e.find_station("ch-3f"), nullptr);
    EXPECT_EQ(e.find_category("VIP"), nullptr);
    EXPECT_EQ(e.find_site("busan"), nullptr);
    EXPECT_EQ(event_config{}.find_hall("ddp-art2"), nullptr);
}

}  // namespace
}  // namespace admit::core

namespace admit::core {
namespace {

TEST(StationRole, EveryRoleHasOneSpellingThatReadsBack) {
    for (const auto role : {station_role::entrance, station_role::exit, station_role::both}) {
        EXPECT_EQ(role_from_text(role_text(role)), role) << role_text(role);
    }
    EXPECT_EQ(role_from_text("Entrance"), std::nullopt);
    EXPECT_EQ(role_from_text(""), std::nullopt);
    EXPECT_EQ(role_from_text("in"), std::nullopt);
}

}  // namespace
}  // namespace admit::core
