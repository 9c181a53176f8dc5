// Tests core/csv.hpp: every CSV admit writes quotes fields the same way and
// guards text a spreadsheet would run as a formula; what it writes reads back.
#include "core/csv.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace admit::core {
namespace {

TEST(csv, field_is_quoted_only_when_needed) {
    EXPECT_EQ(csv_field("plain"), "plain");
    EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
    EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(csv_field("김민준"), "김민준");
}

TEST(csv, text_a_spreadsheet_would_run_is_written_with_a_quote) {
    EXPECT_EQ(
        csv_field(R"(=HYPERLINK("http://x","click"))"), R"x("'=HYPERLINK(""http://x"",""click"")")x"
    );
    EXPECT_EQ(csv_field("+1+1"), "'+1+1");
    EXPECT_EQ(csv_field("-2+3"), "'-2+3");
    EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
    EXPECT_EQ(csv_field("\t=1"), "'\t=1");
    EXPECT_EQ(csv_field("\r=1"), "\"'\r=1\"");
    EXPECT_EQ(csv_field("a=b"), "a=b");
}

TEST(csv, reports_leave_edge_spaces_unquoted_files_read_back_quote_them) {
    std::string report;
    append_csv_field(report, " padded ");
    EXPECT_EQ(report, " padded ");
    EXPECT_EQ(csv_field(" padded "), "\" padded \"");
    std::string guarded;
    append_csv_field(guarded, "=1,2");
    EXPECT_EQ(guarded, "\"'=1,2\"");
}

TEST(csv, split_reads_quoted_fields_and_line_ends) {
    const auto t = split_csv("id,name\r\n\"a,1\",\"two\nlines \"\"x\"\"\"\n\nb,\rc,d");
    ASSERT_TRUE(t.problems.empty()) << t.problems[0].message;
    ASSERT_EQ(t.records.size(), 4U);  // the blank line is left out
    EXPECT_EQ(t.records[1].line, 2U);
    EXPECT_EQ(t.records[1].fields, (std::vector<std::string>{"a,1", "two\nlines \"x\""}));
    EXPECT_EQ(t.records[2].line, 5U);
    EXPECT_EQ(t.records[2].fields, (std::vector<std::string>{"b", ""}));
    EXPECT_EQ(t.records[3].fields, (std::vector<std::string>{"c", "d"}));
}

TEST(csv, what_is_written_reads_back) {
    const std::vector<std::string> texts = {"plain", " edge ",   "a,b",         "say \"hi\"",
                                            "=1+1",  "'=quoted", "two\r\nlines"};
    std::string line;
    for (const auto& t : texts) {
        if (!line.empty()) line += ',';
        line += csv_field(t);
    }
    const auto table = split_csv(without_utf8_bom("\xEF\xBB\xBF" + line + "\r\n"));
    ASSERT_TRUE(table.problems.empty());
    ASSERT_EQ(table.records.size(), 1U);
    ASSERT_EQ(table.records[0].fields.size(), texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i)
        EXPECT_EQ(without_formula_guard(table.records[0].fields[i]), texts[i]);
}

TEST(csv, split_reports_bad_quotes_with_their_line) {
    const auto junk = split_csv("a,b\n\"x\"y,z\n");
    ASSERT_EQ(junk.problems.size(), 1U);
    EXPECT_EQ(junk.problems[0].line, 2U);
    EXPECT_NE(
        junk.problems[0].message.find("text after a closing quote (\"y\")"), std::string::npos
    );
    const auto open = split_csv("a,b\nc,\"never\nclosed\n");
    ASSERT_EQ(open.problems.size(), 1U);
    EXPECT_EQ(open.problems[0].line, 2U);
    EXPECT_NE(open.problems[0].message.find("never closed"), std::string::npos);
}

}  // namespace
}  // namespace admit::core
