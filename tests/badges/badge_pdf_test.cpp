#include "badges/badge_pdf.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "badges/tool_run.hpp"

namespace admit::badges {
namespace {

using testing::HasSubstr;

const std::string token =
    "A1.seoul-smart-city-2023.d-0042.delegate.1."
    "Qm9keS1vZi10aGUtc2lnbmF0dXJlLWlzLTY0LWJ5dGVzLWJhc2U2NHVybC1uby1wYWRkaW5nLXRoaXMtaXM";

badge_print delegate(const std::string& name, const std::string& id) {
    badge_print b;
    b.person.id = id;
    b.person.name = name;
    b.person.category = "delegate";
    b.person.organisation = "Seoul Metropolitan Government";
    b.person.city = "Seoul";
    b.person.country = "KR";
    b.category_name = "WeGO Delegate";
    b.colour = "#2e86c1";
    b.event_name = "6th WeGO General Assembly";
    b.token = token;
    return b;
}

std::vector<badge_print> some_badges(int count) {
    const std::vector<std::string> names = {"김서울", "Maria Fernández", "박지민", "John Smith",
                                            "이하늘"};
    std::vector<badge_print> badges;
    for (int i = 0; i < count; ++i) {
        badges.push_back(delegate(names[static_cast<std::size_t>(i) % names.size()],
                                  "d-" + std::to_string(i)));
    }
    return badges;
}

// Page objects in the PDF ("/Type /Page", not "/Type /Pages").
int pdf_pages(const std::string& pdf) {
    const std::regex page(R"(/Type\s*/Page[^s])");
    return static_cast<int>(std::distance(std::sregex_iterator(pdf.begin(), pdf.end(), page),
                                          std::sregex_iterator()));
}

// The page size in points, as written in the first /MediaBox (std::regex: the
// PDF holds NUL bytes that a C regex would stop at).
std::string media_box(const std::string& pdf) {
    std::smatch m;
    const std::regex box(R"(/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\])");
    if (!std::regex_search(pdf, m, box)) {
        return "none";
    }
    return std::to_string(std::lround(std::stod(m[1]))) + "x" +
           std::to_string(std::lround(std::stod(m[2])));
}

TEST(badge_pdf, a6_layout_has_one_a6_page_per_badge) {
    const test::temp_folder dir("badges-a6");
    const auto out = dir.path() / "badges.pdf";
    write_badges_pdf(out, some_badges(3), page_layout::a6_single);
    const std::string pdf = test::read_file(out);
    EXPECT_EQ(pdf.rfind("%PDF-", 0), 0U);
    EXPECT_EQ(pdf_pages(pdf), 3);
    EXPECT_EQ(badge_page_count(3, page_layout::a6_single), 3);
    // A6 is 105 x 148 mm = 297.6 x 419.5 pt.
    EXPECT_EQ(media_box(pdf), "298x420");
}

TEST(badge_pdf, a4_layout_puts_four_badges_on_each_sheet) {
    const test::temp_folder dir("badges-a4");
    const auto out = dir.path() / "badges.pdf";
    write_badges_pdf(out, some_badges(5), page_layout::a4_four_up);
    const std::string pdf = test::read_file(out);
    EXPECT_EQ(pdf_pages(pdf), 2);
    EXPECT_EQ(badge_page_count(5, page_layout::a4_four_up), 2);
    EXPECT_EQ(badge_page_count(8, page_layout::a4_four_up), 2);
    EXPECT_EQ(media_box(pdf), "595x842");  // A4: 210 x 297 mm
}

TEST(badge_pdf, embeds_the_korean_font_for_hangul_names) {
    const test::temp_folder dir("badges-font");
    const auto out = dir.path() / "badges.pdf";
    write_badges_pdf(out, some_badges(1), page_layout::a6_single);
    // Hangul glyphs come from Noto Sans CJK KR, embedded as a subset.
    EXPECT_THAT(test::read_file(out), HasSubstr("NotoSansCJK"));
}

TEST(badge_pdf, text_of_the_pdf_holds_the_names_and_the_category) {
    if (!test::have_tool("pdftotext")) {
        GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
    }
    const test::temp_folder dir("badges-text");
    const auto out = dir.path() / "badges.pdf";
    write_badges_pdf(out, some_badges(4), page_layout::a4_four_up);
    const test::tool_output text = test::run_tool("pdftotext '" + out.string() + "' -");
    ASSERT_EQ(text.exit_code, 0);
    EXPECT_THAT(text.out, HasSubstr("김서울"));
    EXPECT_THAT(text.out, HasSubstr("Maria Fernández"));
    EXPECT_THAT(text.out, HasSubstr("WeGO Delegate"));
}

TEST(badge_pdf, printed_badge_qr_scans_back_to_the_token) {
    if (!test::have_tool("zbarimg")) {
        GTEST_SKIP() << "zbarimg (zbar-tools) is not installed";
    }
    const test::temp_folder dir("badges-png");
    // 150 dpi: a cheap print or a phone photo of the badge.
    test::write_file(dir.path() / "badge.png", badge_png(delegate("김서울", "d-0042"), 150));
    EXPECT_EQ(test::zbar_decode(dir.path() / "badge.png"), token);
}

TEST(badge_pdf, long_names_and_odd_colours_still_print) {
    const test::temp_folder dir("badges-odd");
    badge_print b = delegate(std::string(20, 'W') + " " + std::string(30, 'M') + " 김서울김서울김서울",
                             "d-1");
    b.person.organisation = "";
    b.colour = "not-a-colour";
    const auto out = dir.path() / "odd.pdf";
    write_badges_pdf(out, {b}, page_layout::a6_single);
    EXPECT_EQ(pdf_pages(test::read_file(out)), 1);
}

TEST(badge_pdf, nothing_to_print_is_an_error) {
    const test::temp_folder dir("badges-none");
    EXPECT_THROW(write_badges_pdf(dir.path() / "none.pdf", {}, page_layout::a6_single),
                 std::invalid_argument);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "none.pdf"));
}

TEST(badge_pdf, unwritable_path_is_reported_with_the_path) {
    try {
        write_badges_pdf("/nonexistent-admit-folder/badges.pdf", some_badges(1),
                         page_layout::a6_single);
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("/nonexistent-admit-folder/badges.pdf"));
    }
}

// Staff tell a reissued badge by eye and type the id when the QR is damaged;
// a Hangul name carries its romanised form; the badge says when the event is.
TEST(badge_pdf, prints_the_id_the_version_the_romanised_name_and_the_dates) {
    if (!test::have_tool("pdftotext")) {
        GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
    }
    const test::temp_folder dir("badges-id");
    badge_print b = delegate("김서울", "d-0042");
    b.person.name_latin = "Kim Seoul";
    b.person.badge_version = 2;
    b.event_dates = "25\u201326 Sep 2023";
    const auto out = dir.path() / "badge.pdf";
    write_badges_pdf(out, {b}, page_layout::a6_single);
    const test::tool_output text = test::run_tool("pdftotext '" + out.string() + "' -");
    ASSERT_EQ(text.exit_code, 0);
    EXPECT_THAT(text.out, HasSubstr("김서울"));
    EXPECT_THAT(text.out, HasSubstr("Kim Seoul"));
    EXPECT_THAT(text.out, HasSubstr("d-0042"));
    EXPECT_THAT(text.out, HasSubstr("v2"));
    EXPECT_THAT(text.out, HasSubstr("25\u201326 Sep 2023"));
}

core::session session_at(int day, int hour, int end_day, int end_hour) {
    using namespace std::chrono;
    // Local time in Seoul (UTC+9).
    auto at = [](int d, int h) {
        return core::time_point(sys_days(year{2023} / September / d) + hours(h - 9));
    };
    core::session s;
    s.start = at(day, hour);
    s.end = end_day > 30 ? core::time_point(sys_days(year{2023} / October / (end_day - 30)) + hours(end_hour - 9))
                         : at(end_day, end_hour);
    return s;
}

TEST(badge_pdf, event_dates_are_the_local_days_of_its_sessions) {
    core::event_config event;
    event.zone = core::local_clock{std::chrono::hours(9)};
    EXPECT_EQ(event_dates_text(event), "");
    event.sessions = {session_at(26, 10, 26, 12)};
    EXPECT_EQ(event_dates_text(event), "26 Sep 2023");
    // 17:30 on the 25th to 17:30 on the 26th, Seoul time; 08:30 UTC is still the 25th in Seoul.
    event.sessions = {session_at(26, 14, 26, 17), session_at(25, 17, 25, 20)};
    EXPECT_EQ(event_dates_text(event), "25\u201326 Sep 2023");
    event.sessions.push_back(session_at(30, 9, 32, 18));
    EXPECT_EQ(event_dates_text(event), "25 Sep \u2013 2 Oct 2023");
}

}  // namespace
}  // namespace admit::badges
