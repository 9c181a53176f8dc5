// The workbook writer on its own: awkward text, typed cells, the header row
// and the split of a sheet past Excel's row limit (with a small injected
// limit). Every workbook is read back by the independent reader
// (tests/reports/xlsx_matches_csv.py --json: zipfile + XML, CRCs checked),
// so these check what Excel would show, not what we meant to write.

#include "reports/xlsx_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "reports/report_time.hpp"

namespace admit::reports {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono;
using namespace std::string_literals;

class xlsx_writer_test : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("admit-xlsx-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path book() const { return dir_ / "book.xlsx"; }

    // The workbook as the independent reader sees it; fails the test when it cannot be read.
    json::array read_sheets() const {
        const std::string cmd = "python3 '" ADMIT_SOURCE_DIR
                                "/tests/reports/xlsx_matches_csv.py' --json '" +
                                book().string() + "'";
        std::string text;
        if (auto* p = ::popen(cmd.c_str(), "r")) {
            char buf[65536];
            for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
            EXPECT_EQ(::pclose(p), 0) << "the reader could not read " << book();
        }
        boost::system::error_code ec;
        auto v = json::parse(text, ec);
        if (ec || !v.is_object()) {
            ADD_FAILURE() << "reader output is not JSON: " << text.substr(0, 500);
            return {};
        }
        return v.at("sheets").as_array();
    }

    static std::vector<std::string> names(const json::array& sheets) {
        std::vector<std::string> out;
        for (const auto& s : sheets) out.emplace_back(s.at("name").as_string());
        return out;
    }
    // Row r (0 = header) as the reader's cells.
    static const json::array& row(const json::value& sheet, std::size_t r) {
        return sheet.at("rows").as_array().at(r).as_array();
    }
    static std::string text(const json::value& cell) {
        EXPECT_TRUE(cell.is_object() && cell.at("t") == "s") << json::serialize(cell);
        return cell.is_object() ? std::string(cell.at("v").as_string()) : "";
    }
    static double number(const json::value& cell) {
        EXPECT_TRUE(cell.is_object() && cell.at("t") == "n") << json::serialize(cell);
        return cell.is_object() ? cell.at("v").to_number<double>() : -1;
    }
    static std::string format(const json::value& cell) {
        return cell.is_object() ? std::string(cell.at("fmt").as_string()) : "";
    }

    std::vector<std::string> files_in_dir() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename());
        return out;
    }

    fs::path dir_;
};

TEST_F(xlsx_writer_test, awkward_text_reads_back_as_written) {
    const std::vector<table_spec> tables{
        {table_id::readme, "notes", "Notes", {{"id", column_type::integer}, {"note"}}}};
    const std::string long_text(40'000, 'x');
    const std::vector<std::string> written{
        "<b>Tom & \"Jerry\"</b> 'quoted' >",
        "회의실 B, 김민지 (서울특별시)",
        "line one\r\nline two\tand a tab",
        "bell\x07, start-of-heading\x01, unit separator\x1F, form feed\x0C"s,
        "a NUL\0 inside"s,
        "  leading and trailing blanks  ",
        "_x0041_ is not an A",
        "emoji \xF0\x9F\x98\x80 and \xE2\x82\xAC",
        long_text,
    };
    {
        xlsx_writer w(book(), dir_, tables, core::local_clock{hours{9}});
        std::int64_t id = 0;
        for (const auto& s : written) {
            const std::array<cell, 2> cells{++id, std::string_view(s)};
            w.row(table_id::readme, cells);
        }
        const std::array<cell, 2> broken{++id, std::string_view("cut \xFF\xC3 UTF-8 \xED\xA0\x80")};
        w.row(table_id::readme, broken);
        w.close();
    }
    const auto sheets = read_sheets();
    ASSERT_EQ(sheets.size(), 1u);
    const auto& notes = sheets[0];
    ASSERT_EQ(notes.at("rows").as_array().size(), written.size() + 2);
    for (std::size_t i = 0; i + 1 < written.size(); ++i) {
        EXPECT_EQ(text(row(notes, i + 1).at(1)), written[i]) << "row " << i + 1;
        EXPECT_EQ(number(row(notes, i + 1).at(0)), static_cast<double>(i + 1));
    }
    // Excel's limit is 32,767 characters in a cell.
    EXPECT_EQ(text(row(notes, written.size()).at(1)), std::string(32'767, 'x'));
    // Bytes that are not UTF-8 become U+FFFD instead of making the file unreadable.
    EXPECT_EQ(
        text(row(notes, written.size() + 1).at(1)),
        "cut \xEF\xBF\xBD\xEF\xBF\xBD UTF-8 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
    );
}

TEST_F(xlsx_writer_test, cells_are_typed_and_the_header_is_bold_frozen_and_filtered) {
    const std::vector<table_spec> tables{
        {table_id::readme,
         "figures",
         "Figures",
         {{"name", column_type::text, 30},
          {"count", column_type::integer, 10},
          {"at", column_type::time, 19},
          {"minutes", column_type::minutes, 12},
          {"rate", column_type::rate, 14},
          {"blank", column_type::text, 8}}}};
    const auto at = core::time_point{
        sys_days{year{2023} / September / 25} + hours{8} + minutes{31} + seconds{5} +
        milliseconds{900}};
    {
        xlsx_writer w(book(), dir_, tables, core::local_clock{hours{9}});
        const std::array<cell, 6> a{
            std::string_view("Art Hall 2"), std::int64_t{1234}, at, 55.5, 0.6667, cell{}};
        const std::array<cell, 6> b{
            std::string_view(""), std::int64_t{-7}, cell{}, 0.0, 1.0, cell{}};
        w.row(table_id::readme, a);
        w.row(table_id::readme, b);
        w.close();
    }
    const auto sheets = read_sheets();
    ASSERT_EQ(sheets.size(), 1u);
    const auto& s = sheets[0];
    EXPECT_EQ(s.at("name"), "figures");
    EXPECT_TRUE(s.at("frozen").as_bool());
    EXPECT_EQ(s.at("autofilter"), "A1:F3");
    EXPECT_EQ(s.at("filter_name"), "'figures'!$A$1:$F$3");

    const auto& header = row(s, 0);
    ASSERT_EQ(header.size(), 6u);
    EXPECT_EQ(text(header.at(0)), "name");
    EXPECT_EQ(text(header.at(4)), "rate");
    for (const auto& c : header) EXPECT_TRUE(c.at("bold").as_bool()) << json::serialize(c);

    const auto& first = row(s, 1);
    EXPECT_EQ(text(first.at(0)), "Art Hall 2");
    EXPECT_FALSE(first.at(0).at("bold").as_bool());
    EXPECT_EQ(number(first.at(1)), 1234);
    // 17:31:05 in Seoul (UTC+9), cut to the second, as a date-time.
    EXPECT_EQ(number(first.at(2)), excel_serial(at, core::local_clock{hours{9}}));
    EXPECT_NEAR(number(first.at(2)), 45194.0 + (17 * 3600 + 31 * 60 + 5) / 86400.0, 1e-9);
    EXPECT_EQ(format(first.at(2)), "yyyy-mm-dd hh:mm:ss");
    EXPECT_EQ(number(first.at(3)), 55.5);
    EXPECT_EQ(format(first.at(3)), "0.0");
    EXPECT_EQ(number(first.at(4)), 0.6667);
    EXPECT_EQ(format(first.at(4)), "0.0%");
    EXPECT_EQ(first.size(), 5u) << "an empty cell is left out";

    const auto& second = row(s, 2);
    EXPECT_TRUE(second.at(0).is_null()) << "an empty string is an empty cell";
    EXPECT_EQ(number(second.at(1)), -7);
    EXPECT_TRUE(second.at(2).is_null());
    EXPECT_EQ(number(second.at(3)), 0);

    // Widths as given (Excel stores them with a little padding), and the
    // number formats on the whole column, so cells typed in later match.
    const auto& widths = s.at("widths").as_array();
    ASSERT_EQ(widths.size(), 6u);
    const double want[] = {30, 10, 19, 12, 14, 8};
    for (std::size_t i = 0; i < 6; ++i) {
        const double got = widths[i].at("width").to_number<double>();
        EXPECT_GE(got, want[i]) << "column " << i + 1;
        EXPECT_LT(got, want[i] + 1) << "column " << i + 1;
    }
    EXPECT_EQ(widths[2].at("style"), "yyyy-mm-dd hh:mm:ss");
    EXPECT_EQ(widths[4].at("style"), "0.0%");
    EXPECT_EQ(files_in_dir(), std::vector<std::string>{"book.xlsx"}) << "temporary files left";
}

TEST_F(xlsx_writer_test, a_sheet_past_the_row_limit_continues_on_the_next_sheet) {
    // A limit of 4 rows (header + 3) stands in for Excel's 1,048,576.
    const std::string long_name(31, 'n');
    const std::vector<table_spec> tables{
        {table_id::readme, "scans", "Scans", {{"seq", column_type::integer}, {"who"}}},
        {table_id::days, long_name, "Long", {{"seq", column_type::integer}}},
        {table_id::day_categories, "exactly_full", "Full", {{"seq", column_type::integer}}},
    };
    {
        xlsx_writer w(book(), dir_, tables, core::local_clock{hours{9}}, 4);
        for (std::int64_t i = 1; i <= 8; ++i) {
            const std::array<cell, 2> scan{i, std::string_view("김민지")};
            w.row(table_id::readme, scan);
            if (i <= 5) w.row(table_id::days, std::array<cell, 1>{i});
            if (i <= 3) w.row(table_id::day_categories, std::array<cell, 1>{i});
        }
        w.close();
    }
    const auto sheets = read_sheets();
    const auto long_2 = long_name.substr(0, 27) + " (2)";
    EXPECT_EQ(
        names(sheets), (std::vector<std::string>{
                           "scans", "scans (2)", "scans (3)", long_name, long_2, "exactly_full"})
    );
    ASSERT_EQ(sheets.size(), 6u);
    // Every part has the header, a frozen pane and its own filter; the rows go on in order.
    std::int64_t seq = 0;
    for (std::size_t p = 0; p < 3; ++p) {
        const auto& s = sheets[p];
        const auto& rows = s.at("rows").as_array();
        ASSERT_EQ(rows.size(), p < 2 ? 4u : 3u) << names(sheets)[p];
        EXPECT_TRUE(s.at("frozen").as_bool());
        EXPECT_EQ(text(row(s, 0).at(0)), "seq");
        EXPECT_EQ(s.at("autofilter"), p < 2 ? "A1:B4" : "A1:B3");
        for (std::size_t r = 1; r < rows.size(); ++r) {
            EXPECT_EQ(number(row(s, r).at(0)), static_cast<double>(++seq));
            EXPECT_EQ(text(row(s, r).at(1)), "김민지");
        }
    }
    EXPECT_EQ(seq, 8);
    EXPECT_EQ(sheets[4].at("rows").as_array().size(), 3u);  // rows 4 and 5 of the long one
    EXPECT_EQ(sheets[5].at("rows").as_array().size(), 4u);  // full, and no empty "(2)"
    EXPECT_EQ(files_in_dir(), std::vector<std::string>{"book.xlsx"}) << "temporary files left";
}

TEST_F(xlsx_writer_test, an_export_that_stops_early_leaves_no_files) {
    const std::vector<table_spec> tables{
        {table_id::readme, "scans", "Scans", {{"seq", column_type::integer}}}};
    {
        xlsx_writer w(book(), dir_, tables, core::local_clock{hours{9}});
        w.row(table_id::readme, std::array<cell, 1>{std::int64_t{1}});
        // No close(): as when reading the log fails half way.
    }
    EXPECT_TRUE(files_in_dir().empty());
}

}  // namespace
}  // namespace admit::reports
