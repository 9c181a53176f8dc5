// Tests admin/demo_roster: the demo crowd looks like the Seoul event's and
// imports cleanly through the real roster reader.
#include "admin/demo_roster.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "config/event_loader.hpp"
#include "config/roster_csv.hpp"

namespace admit::admin {
namespace {

const core::event_config& seoul() {
    static const auto config = config::load_config(ADMIT_SOURCE_DIR "/deploy/seoul-2023.toml");
    return config.event;
}

TEST(demo_roster, has_the_announced_crowd) {
    const auto people = make_demo_roster(seoul(), 400, 7);
    ASSERT_EQ(people.size(), 400U);
    std::map<std::string, int> by_category;
    std::set<std::string> delegate_cities;
    bool hangul = false;
    bool latin = false;
    for (const auto& p : people) {
        ++by_category[p.category];
        if (p.category == "delegate") {
            delegate_cities.insert(p.city);
        }
        // Hangul syllables start with the UTF-8 lead byte 0xEA..0xED.
        const auto lead = static_cast<unsigned char>(p.name.at(0));
        hangul = hangul || (lead >= 0xEA && lead <= 0xED);
        latin = latin || (lead >= 'A' && lead <= 'Z');
    }
    EXPECT_EQ(by_category["delegate"], 200);
    EXPECT_EQ(by_category["finalist"], 21);
    EXPECT_EQ(delegate_cities.size(), 71U);
    for (const char* category : {"vip", "speaker", "press", "staff", "guest"}) {
        EXPECT_GT(by_category[category], 0) << category;
    }
    EXPECT_TRUE(hangul);
    EXPECT_TRUE(latin);
}

TEST(demo_roster, same_seed_same_roster_other_seed_other_roster) {
    EXPECT_EQ(make_demo_roster(seoul(), 300, 42), make_demo_roster(seoul(), 300, 42));
    EXPECT_NE(make_demo_roster(seoul(), 300, 42), make_demo_roster(seoul(), 300, 43));
}

TEST(demo_roster, csv_of_any_size_imports_without_problems) {
    for (const std::size_t count : {1U, 7U, 50U, 1000U}) {
        const auto people = make_demo_roster(seoul(), count, 1);
        EXPECT_EQ(people.size(), count);
        const auto parsed = config::parse_roster_csv(config::roster_to_csv(people), seoul());
        ASSERT_TRUE(parsed.ok()) << count << ": line " << parsed.problems.at(0).line << ": "
                                 << parsed.problems[0].message;
        EXPECT_EQ(parsed.people, people);
    }
}

TEST(demo_roster, uses_only_the_event_categories) {
    core::event_config small;
    small.categories.push_back({"delegate", "Delegate", "#000000", false});
    small.categories.push_back({"visitor", "Visitor", "#000000", false});
    const auto people = make_demo_roster(small, 100, 3);
    ASSERT_EQ(people.size(), 100U);
    std::set<std::string> ids;
    for (const auto& p : people) {
        EXPECT_TRUE(p.category == "delegate" || p.category == "visitor") << p.category;
        ids.insert(p.id);
    }
    EXPECT_EQ(ids.size(), 100U);
}

}  // namespace
}  // namespace admit::admin
