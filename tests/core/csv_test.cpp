// Tests core/csv.hpp: every CSV admit writes quotes fields the same way and
// guards text a spreadsheet would run as a formula.
#include "core/csv.hpp"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace admit::core
