// The CSV writer on its own: what a spreadsheet user sees in each cell. A text
// cell that a spreadsheet would run as a formula (it starts with = + - @, a
// tab or a carriage return) must come out with a leading ' (OWASP's advice
// against CSV injection), still quoted by RFC 4180 where needed; numbers
// and times, negative ones included, stay plain numbers.
#include "reports/csv_writer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <fstream>
#include <iterator>

#include "support/temp_dir.hpp"

namespace admit::reports {
namespace {

using namespace std::chrono;

std::string written(const std::vector<std::array<cell, 4>>& rows) {
    test::temp_dir dir;
    const std::vector<table_spec> tables{
        {table_id::readme,
         "t",
         "test",
         {{"name", column_type::text},
          {"count", column_type::integer},
          {"minutes", column_type::minutes},
          {"at", column_type::time}}}};
    csv_writer csv(dir.path(), tables, core::local_clock{hours{9}}, false);
    for (const auto& r : rows) csv.row(table_id::readme, r);
    csv.close();
    std::ifstream in(dir.path() / "t.csv", std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const core::time_point noon_kst = core::time_point{sys_days{year{2023} / 9 / 25} + hours{3}};

TEST(csv_writer, text_that_a_spreadsheet_would_run_starts_with_a_quote) {
    const std::string out = written({
        {std::string_view(R"(=HYPERLINK("http://x","click"))"), std::int64_t{1}, 1.0, noon_kst},
        {std::string_view("+1+1"), std::int64_t{2}, 2.0, noon_kst},
        {std::string_view("-2+3"), std::int64_t{3}, 3.0, noon_kst},
        {std::string_view("@SUM(A1)"), std::int64_t{4}, 4.0, noon_kst},
        {std::string_view("\t=1"), std::int64_t{5}, 5.0, noon_kst},
        {std::string_view("\r=1"), std::int64_t{6}, 6.0, noon_kst},
    });
    EXPECT_EQ(
        out,
        "name,count,minutes,at\r\n"
        "\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\",1,1.0,2023-09-25 12:00:00\r\n"
        "'+1+1,2,2.0,2023-09-25 12:00:00\r\n"
        "'-2+3,3,3.0,2023-09-25 12:00:00\r\n"
        "'@SUM(A1),4,4.0,2023-09-25 12:00:00\r\n"
        "'\t=1,5,5.0,2023-09-25 12:00:00\r\n"
        "\"'\r=1\",6,6.0,2023-09-25 12:00:00\r\n"
    );
}

TEST(csv_writer, numbers_stay_numbers_even_when_negative) {
    const std::string out = written({
        {std::string_view("Seoul"), std::int64_t{-5}, -1.5, noon_kst},
        {std::string_view("a=b, c"), std::int64_t{0}, 0.0, cell{}},
        {std::string_view(""), cell{}, cell{}, cell{}},
    });
    EXPECT_EQ(
        out,
        "name,count,minutes,at\r\n"
        "Seoul,-5,-1.5,2023-09-25 12:00:00\r\n"
        "\"a=b, c\",0,0.0,\r\n"
        ",,,\r\n"
    );
}

}  // namespace
}  // namespace admit::reports
