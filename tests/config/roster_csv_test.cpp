// Tests config/roster_csv: spreadsheet exports read as the people in them,
// and each kind of bad row is reported on its own line with the reason.
#include "config/roster_csv.hpp"

#include <gtest/gtest.h>

#include <string>

namespace admit::config {
namespace {

core::event_config seoul_categories() {
    core::event_config event;
    event.id = "seoul-smart-city-2023";
    for (const char* id : {"vip", "speaker", "finalist", "delegate", "press", "staff", "guest"}) {
        event.categories.push_back({id, id, "#000000", false});
    }
    return event;
}

TEST(roster_csv, reads_quoted_fields_hangul_and_any_column_order) {
    const std::string text =
        "name,id,category,organisation,city,country,email\n"
        "김민준,del-0001,delegate,\"Seoul Metropolitan Government, Smart City Bureau\",Seoul,"
        "Republic of Korea,minjun.kim@example.org\n"
        "\"Batbayar \"\"Bata\"\" Ganbold\",del-0002,delegate,City of Ulaanbaatar,Ulaanbaatar,"
        "Mongolia,\n"
        "\"Maria Santos\nDela Cruz\",fin-01,finalist,Makati City,Makati,Philippines,\n";
    const auto result = parse_roster_csv(text, seoul_categories());
    ASSERT_TRUE(result.ok()) << result.problems.at(0).line << ": " << result.problems[0].message;
    ASSERT_EQ(result.people.size(), 3U);

    EXPECT_EQ(result.people[0].id, "del-0001");
    EXPECT_EQ(result.people[0].name, "김민준");
    EXPECT_EQ(result.people[0].organisation, "Seoul Metropolitan Government, Smart City Bureau");
    EXPECT_EQ(result.people[0].email, "minjun.kim@example.org");
    EXPECT_EQ(result.people[0].badge_version, 1U);
    EXPECT_EQ(result.people[1].name, "Batbayar \"Bata\" Ganbold");
    EXPECT_EQ(result.people[1].email, "");
    EXPECT_EQ(result.people[2].name, "Maria Santos\nDela Cruz");
    EXPECT_EQ(result.people[2].country, "Philippines");
}

TEST(roster_csv, strips_bom_and_reads_crlf_with_only_required_columns) {
    const std::string text =
        "\xEF\xBB\xBFid,name,category\r\n"
        "vip-01,박지훈,vip\r\n"
        "\r\n"
        "press-01,Kim Ji-won,press\r\n";
    const auto result = parse_roster_csv(text, seoul_categories());
    ASSERT_TRUE(result.ok()) << result.problems.at(0).message;
    ASSERT_EQ(result.people.size(), 2U);
    EXPECT_EQ(result.people[0].id, "vip-01");
    EXPECT_EQ(result.people[0].name, "박지훈");
    EXPECT_EQ(result.people[1].name, "Kim Ji-won");
    EXPECT_EQ(result.people[1].organisation, "");
}

TEST(roster_csv, extra_columns_are_ignored) {
    const auto result = parse_roster_csv(
        "id,dietary,name,category\ng-1,vegan,Alex Kim,guest\n",
        seoul_categories()
    );
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.people.at(0).name, "Alex Kim");
}

// A romanised name beside a Hangul one, for the badge.
TEST(roster_csv, reads_an_optional_romanised_name) {
    const auto result = parse_roster_csv(
        "id,name,name_latin,category\nd-1,김민준,Kim Minjun,guest\nd-2,Ana Souza,,guest\n",
        seoul_categories()
    );
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.people.at(0).name_latin, "Kim Minjun");
    EXPECT_EQ(result.people.at(1).name_latin, "");
}

struct bad_row_case {
    const char* name;
    std::string rows;  // after the header (line 1) and one good row (line 2)
    std::size_t line;
    std::string message;
    std::size_t accepted = 1;  // good rows, the one before and any in rows
};

class bad_row : public testing::TestWithParam<bad_row_case> {};

TEST_P(bad_row, is_reported_with_its_line_and_nothing_is_accepted_from_it) {
    const bad_row_case& c = GetParam();
    const std::string text =
        "id,name,category,organisation,city,country,email\n"
        "del-0001,김민준,delegate,City of Seoul,Seoul,Republic of Korea,kim@example.org\n" +
        c.rows;
    const auto result = parse_roster_csv(text, seoul_categories());
    std::string all;
    for (const auto& p : result.problems) {
        all += std::to_string(p.line) + ": " + p.message + "\n";
    }
    ASSERT_EQ(result.problems.size(), 1U) << all;
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(result.problems[0].line, c.line);
    EXPECT_EQ(result.problems[0].message, c.message);
    EXPECT_EQ(result.people.size(), c.accepted);
}

const bad_row_case bad_rows[] = {
    {"wrong_field_count", "del-0002,Lee Seo-yeon,delegate,Busan,Korea\n", 3,
     "the row has 5 fields but the header has 7; quote fields that contain commas"},
    {"invalid_id", "del 0002,Lee Seo-yeon,delegate,,,,\n", 3,
     "id \"del 0002\" is not valid; ids use letters, digits, '-' and '_' (1 to 64 characters)"},
    {"duplicate_id", "g-1,A,guest,,,,\ndel-0001,이서연,delegate,,,,\n", 4,
     "id \"del-0001\" is already used on line 2; give each person their own id", 2},
    {"duplicate_id_after_multiline_field", "\"g-1\",\"Two\nLines\",guest,,,,\ndel-0001,X,guest,,,,\n",
     5, "id \"del-0001\" is already used on line 2; give each person their own id", 2},
    {"empty_name", "g-1,,guest,,,,\n", 3, "\"g-1\" has an empty name; fill in the name"},
    {"unknown_category", "g-1,Alex,vvip,,,,\n", 3,
     "category \"vvip\" is not one of the event's categories; use one of: vip, speaker, "
     "finalist, delegate, press, staff, guest"},
    {"invalid_utf8", "g-1,Ren\xE9 Dupont,guest,,,,\n", 3,
     "the row is not valid UTF-8; save the file as UTF-8 (\"CSV UTF-8\" in Excel)"},
    {"email_without_at", "g-1,Alex,guest,,,,alex.example.org\n", 3,
     "email \"alex.example.org\" has no '@'; correct it or leave it empty"},
    {"unclosed_quote", "g-1,\"Alex,guest,,,,\n", 3,
     "a quoted field is never closed; add the closing '\"' (a quote inside a field is written "
     "as \"\")"},
};

INSTANTIATE_TEST_SUITE_P(
    cases,
    bad_row,
    testing::ValuesIn(bad_rows),
    [](const testing::TestParamInfo<bad_row_case>& p) { return std::string{p.param.name}; }
);

TEST(roster_csv, every_bad_row_is_reported_in_one_pass) {
    const auto result = parse_roster_csv(
        "id,name,category\na,,guest\nb,B,nope\nc,C,guest\nd d,D,guest\n",
        seoul_categories()
    );
    ASSERT_EQ(result.problems.size(), 3U);
    EXPECT_EQ(result.problems[0].line, 2U);
    EXPECT_EQ(result.problems[1].line, 3U);
    EXPECT_EQ(result.problems[2].line, 5U);
}

TEST(roster_csv, header_without_required_column_is_refused) {
    const auto result = parse_roster_csv("id,name,organisation\na,A,Org\n", seoul_categories());
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.problems[0].line, 1U);
    EXPECT_EQ(
        result.problems[0].message,
        "the header has no \"category\" column; the first line must name at least "
        "id,name,category"
    );
    EXPECT_TRUE(result.people.empty());
}

TEST(roster_csv, empty_file_is_refused) {
    const auto result = parse_roster_csv("", seoul_categories());
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.problems[0].line, 1U);
}

TEST(roster_csv, writing_then_reading_gives_the_same_people) {
    std::vector<core::attendee> people = {
        {"del-0001", "김민준", "delegate", "Seoul Metropolitan Government", "Seoul",
         "Republic of Korea", "kim@example.org", 1},
        {"g-1", "O'Brien, \"Pat\"", "guest", "Line one\r\nline two", " Dublin", "Ireland", "", 1},
    };
    const std::string csv = roster_to_csv(people);
    EXPECT_TRUE(csv.starts_with("id,name,category,organisation,city,country,email\r\n"));
    EXPECT_NE(csv.find("\"O'Brien, \"\"Pat\"\"\""), std::string::npos) << csv;
    const auto result = parse_roster_csv(csv, seoul_categories());
    ASSERT_TRUE(result.ok()) << result.problems.at(0).message;
    ASSERT_EQ(result.people.size(), 2U);
    EXPECT_EQ(result.people[0], people[0]);
    EXPECT_EQ(result.people[1].name, people[1].name);
    EXPECT_EQ(result.people[1].organisation, people[1].organisation);
}

TEST(roster_csv, such_text_reads_back_without_the_quote) {
    // A roster written by admit (demo-roster) imports as the same people.
    std::vector<core::attendee> people = {
        {"-dash", "=HYPERLINK(\"http://x\",\"click\")", "guest", "+1+1", "@Seoul", "", "", 1},
        {"g-2", "'=already quoted", "guest", "-2+3", "'plain", "", "", 1},
    };
    const auto result = parse_roster_csv(roster_to_csv(people), seoul_categories());
    ASSERT_TRUE(result.ok()) << result.problems.at(0).message;
    ASSERT_EQ(result.people.size(), 2U);
    EXPECT_EQ(result.people[0], people[0]);
    EXPECT_EQ(result.people[1], people[1]);
}
}  // namespace
}  // namespace admit::config
