// The roster: find by id, replace on re-import.
#include "core/roster.hpp"

#include <gtest/gtest.h>

#include "core/seoul_event.hpp"

namespace admit::core {
namespace {

attendee person(std::string id, std::string category, std::uint32_t version = 1) {
    attendee a;
    a.id = std::move(id);
    a.name = "Test Person";
    a.category = std::move(category);
    a.badge_version = version;
    return a;
}

TEST(Roster, FindsPeopleById) {
    const roster people = testing::seoul_roster();
    EXPECT_EQ(people.size(), 11u);
    const attendee* a = people.find("del-ulaanbaatar-1");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->category, "delegate");
    EXPECT_EQ(a->city, "Ulaanbaatar");
    const attendee* mayor = people.find(std::string_view("vip-mayor-and-more").substr(0, 9));
    ASSERT_NE(mayor, nullptr);
    EXPECT_EQ(mayor->name, "김서울");
}

TEST(Roster, UnknownIdsAreNotFound) {
    const roster people = testing::seoul_roster();
    for (const std::string_view id : {"", "vip", "VIP-MAYOR", "vip-mayor ", "nobody"}) {
        EXPECT_EQ(people.find(id), nullptr) << id;
    }
    EXPECT_EQ(roster{}.find("vip-mayor"), nullptr);
}

TEST(Roster, UpsertAddsAndReplaces) {
    roster people;
    people.upsert(person("guest-1", "guest"));
    people.upsert(person("guest-2", "guest"));
    ASSERT_EQ(people.size(), 2u);

    // A reissued badge: same person, new version and category.
    people.upsert(person("guest-1", "press", 2));
    ASSERT_EQ(people.size(), 2u);
    const attendee* a = people.find("guest-1");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->category, "press");
    EXPECT_EQ(a->badge_version, 2u);
}

TEST(Roster, LaterDuplicateInTheListWins) {
    const roster people({person("spk-1", "guest"), person("spk-1", "speaker", 3)});
    ASSERT_EQ(people.size(), 1u);
    EXPECT_EQ(people.find("spk-1")->category, "speaker");
    EXPECT_EQ(people.all().at("spk-1").badge_version, 3u);
}

TEST(RosterImport, KeepsReissuedVersionsAndCountsTheChanges) {
    const std::vector<attendee> existing{person("a", "guest", 3), person("b", "guest"), person("c", "press")};
    std::vector<attendee> incoming{person("a", "guest"), person("b", "speaker"), person("d", "vip")};
    const auto counts = prepare_import(existing, incoming);
    EXPECT_EQ(counts.added, 1u);      // d
    EXPECT_EQ(counts.updated, 1u);    // b changed category
    EXPECT_EQ(counts.unchanged, 1u);  // a, once its version is kept
    EXPECT_EQ(counts.kept, 1u);       // c is not in the file
    EXPECT_EQ(incoming[0].badge_version, 3u) << "an import must never undo a reissue";
    EXPECT_EQ(incoming[2].badge_version, 1u);
}

}  // namespace
}  // namespace admit::core
