#include "badges/qr_code.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <stdexcept>
#include <string>

#include "badges/tool_run.hpp"

namespace admit::badges {
namespace {

using testing::HasSubstr;

// Shaped like a signed badge token: A1.<event>.<attendee>.<category>.<version>.<86 base64url>.
std::string badge_token(int number, const std::string& category = "delegate") {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::mt19937 random(static_cast<unsigned>(number));
    std::string token = "A1.seoul-smart-city-2023.d-" + std::to_string(1000 + number) + "." +
                        category + ".1.";
    for (int i = 0; i < 86; ++i) {
        token += alphabet[random() % alphabet.size()];
    }
    return token;
}

class qr_png_zbar : public testing::TestWithParam<int> {};

TEST_P(qr_png_zbar, independent_decoder_reads_back_the_token) {
    if (!test::have_tool("zbarimg")) {
        GTEST_SKIP() << "zbarimg (zbar-tools) is not installed";
    }
    const test::temp_folder dir("qr-png");
    const int module_px = GetParam();
    for (int n = 0; n < 5; ++n) {
        const std::string token = badge_token(n, n % 2 == 0 ? "delegate" : "vip");
        const auto file = dir.path() / ("badge-" + std::to_string(n) + ".png");
        test::write_file(file, qr_png(token, module_px));
        EXPECT_EQ(test::zbar_decode(file), token) << "module " << module_px << " px, " << token;
    }
}

INSTANTIATE_TEST_SUITE_P(module_px, qr_png_zbar, testing::Values(2, 4, 8));

TEST(qr_code, png_is_a_png_of_the_expected_side) {
    const std::string token = badge_token(1);
    const qr_code code = qr_code::encode(token);
    const std::vector<std::uint8_t> png = qr_png(token, 4);
    ASSERT_GT(png.size(), 24U);
    EXPECT_EQ(std::string(png.begin() + 1, png.begin() + 4), "PNG");
    // IHDR width and height, big-endian, at bytes 16..23.
    auto be32 = [&](std::size_t at) {
        return (png[at] << 24) | (png[at + 1] << 16) | (png[at + 2] << 8) | png[at + 3];
    };
    EXPECT_EQ(be32(16), (code.size() + 8) * 4);
    EXPECT_EQ(be32(20), (code.size() + 8) * 4);
}

TEST(qr_code, badge_token_fits_a_small_version_at_level_m) {
    const qr_code code = qr_code::encode(badge_token(3));
    EXPECT_EQ(badge_token(3).size(), 129U);
    EXPECT_EQ(code.size(), 17 + 4 * code.version());
    // 130 bytes at level M need version 7 (45 modules): about 1 mm per module on a badge.
    EXPECT_LE(code.version(), 8);
}

TEST(qr_code, grey_pixels_have_a_white_quiet_zone_and_dark_finder_corner) {
    const qr_code code = qr_code::encode("hello");
    const int side = code.pixel_side(3);
    const std::vector<std::uint8_t> pixels = code.grey_pixels(3);
    ASSERT_EQ(pixels.size(), static_cast<std::size_t>(side * side));
    for (int i = 0; i < 12; ++i) {
        EXPECT_EQ(pixels[static_cast<std::size_t>(i * side + i)], 255) << "quiet zone at " << i;
    }
    EXPECT_EQ(pixels[static_cast<std::size_t>(12 * side + 12)], 0);  // finder pattern corner
}

TEST(qr_code, utf8_hangul_round_trips_through_zbar) {
    if (!test::have_tool("zbarimg")) {
        GTEST_SKIP() << "zbarimg (zbar-tools) is not installed";
    }
    const test::temp_folder dir("qr-hangul");
    const std::string text = "김서울 Seoul 서울특별시청";
    test::write_file(dir.path() / "hangul.png", qr_png(text, 4));
    EXPECT_EQ(test::zbar_decode(dir.path() / "hangul.png"), text);
}

TEST(qr_code, empty_and_oversized_texts_are_refused) {
    EXPECT_THROW(qr_code::encode(""), std::invalid_argument);
    try {
        (void)qr_code::encode(std::string(3000, 'x'));
        FAIL() << "3000 bytes cannot fit a QR at level M";
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("3000 bytes"));
    }
}

TEST(qr_svg, is_well_formed_and_its_rectangles_are_the_modules) {
    const std::string token = badge_token(4);
    const qr_code code = qr_code::encode(token);
    const std::string svg = qr_svg(token);

    EXPECT_EQ(svg.rfind("<?xml version=\"1.0\"", 0), 0U);
    const std::string side = std::to_string(code.size() + 8);
    EXPECT_THAT(svg, HasSubstr("viewBox=\"0 0 " + side + " " + side + "\""));
    // Well-formed in the simple form we write: one <svg> root, every other
    // element self-closed, the root closed last.
    EXPECT_EQ(std::count(svg.begin(), svg.end(), '<'), std::count(svg.begin(), svg.end(), '>'));
    const std::regex element(R"(<(/?)([a-z?]+)[^<>]*?(/?)>)");
    int open_svg = 0;
    int rects = 0;
    std::vector<std::uint8_t> painted(static_cast<std::size_t>(code.size() * code.size()), 0);
    const std::regex rect(
        R"re(<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)" fill="#000000"/>)re"
    );
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), element);
         it != std::sregex_iterator(); ++it) {
        const std::string name = (*it)[2];
        if (name == "svg") {
            open_svg += (*it)[1].length() == 0 ? 1 : -1;
            EXPECT_GE(open_svg, 0);
        } else if (name == "rect") {
            EXPECT_EQ((*it)[3], "/") << "unclosed " << it->str();
            EXPECT_EQ(open_svg, 1) << "rect outside the root";
        }
    }
    EXPECT_EQ(open_svg, 0);
    EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");

    // Painting the black rectangles reproduces the module matrix exactly.
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), rect);
         it != std::sregex_iterator(); ++it) {
        ++rects;
        const int x = std::stoi((*it)[1]) - 4;
        const int y = std::stoi((*it)[2]) - 4;
        const int w = std::stoi((*it)[3]);
        ASSERT_EQ(std::stoi((*it)[4]), 1);
        for (int dx = 0; dx < w; ++dx) {
            ASSERT_TRUE(x + dx >= 0 && x + dx < code.size() && y >= 0 && y < code.size());
            ++painted[static_cast<std::size_t>(y * code.size() + x + dx)];
        }
    }
    EXPECT_GT(rects, code.size());
    for (int y = 0; y < code.size(); ++y) {
        for (int x = 0; x < code.size(); ++x) {
            EXPECT_EQ(painted[static_cast<std::size_t>(y * code.size() + x)],
                      code.dark(x, y) ? 1 : 0)
                << "module " << x << "," << y;
        }
    }
}

}  // namespace
}  // namespace admit::badges
