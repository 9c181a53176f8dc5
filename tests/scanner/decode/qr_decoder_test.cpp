#include "decode/qr_decoder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scanner/decode/hard_set.hpp"
#include "scanner/image_ops.hpp"

namespace admit::scanner {
namespace {

using testing::ElementsAre;
using testing::IsEmpty;
using testing::UnorderedElementsAre;

std::vector<std::string> decode(const grey_image& image, decoder_options options = {}) {
    return qr_decoder(std::move(options)).decode(image.view());
}

const std::string token = test::badge_like_token(42);

TEST(qr_decoder, token_is_badge_shaped) {
    EXPECT_EQ(token.size(), 129U);
    EXPECT_EQ(token.rfind("A1.seoul-smart-city-2023.d-0042.delegate.1.", 0), 0U);
}

TEST(qr_decoder, reads_a_plain_badge_qr) {
    EXPECT_THAT(decode(test::qr_image(token, 4)), ElementsAre(token));
}

TEST(qr_decoder, reads_small_modules_of_two_pixels) {
    EXPECT_THAT(decode(test::qr_image(token, 2)), ElementsAre(token));
}

TEST(qr_decoder, reads_a_badge_scaled_down_to_under_two_pixels_per_module) {
    EXPECT_THAT(decode(test::scaled(test::qr_image(token, 4), 0.45)), ElementsAre(token));
}

TEST(qr_decoder, reads_utf8_text_unchanged) {
    const std::string hangul = "김서울 · 서울특별시 · Seoul";
    EXPECT_THAT(decode(test::qr_image(hangul, 4)), ElementsAre(hangul));
}

class rotated_badge : public testing::TestWithParam<double> {};

TEST_P(rotated_badge, is_read) {
    const grey_image image = test::rotated(test::qr_image(token, 4), GetParam());
    EXPECT_THAT(decode(image), ElementsAre(token));
}

INSTANTIATE_TEST_SUITE_P(
    degrees, rotated_badge, testing::Values(15.0, 30.0, 45.0, 90.0, 180.0, -30.0)
);

TEST(qr_decoder, reads_a_blurred_badge) {
    // sigma 1.5 px on 4 px modules: a slightly out-of-focus webcam.
    EXPECT_THAT(decode(test::blurred(test::qr_image(token, 4), 1.5)), ElementsAre(token));
}

TEST(qr_decoder, reads_a_noisy_badge) {
    EXPECT_THAT(decode(test::noisy(test::qr_image(token, 4), 30.0)), ElementsAre(token));
}

TEST(qr_decoder, reads_a_low_contrast_badge) {
    // Dark modules at 110, light at 150: a dim hall, a glossy badge.
    EXPECT_THAT(decode(test::low_contrast(test::qr_image(token, 4), 110, 150)), ElementsAre(token));
}

TEST(qr_decoder, reads_a_badge_photographed_in_a_hall) {
    // 1280x720 camera frame, gradient wall, badge off-centre, tilted, soft and grainy.
    const grey_image badge =
        test::low_contrast(test::rotated(test::qr_image(token, 3), 20.0), 30, 230);
    const grey_image frame =
        test::noisy(test::blurred(test::scene(1280, 720, badge, 820, 300), 1.0), 8.0);
    ASSERT_EQ(frame.width, 1280);
    ASSERT_EQ(frame.height, 720);
    EXPECT_THAT(decode(frame), ElementsAre(token));
}

TEST(qr_decoder, reads_two_badges_in_one_frame) {
    const std::string other = test::badge_like_token(7);
    grey_image frame = test::scene(1280, 720, test::qr_image(token, 3), 100, 150);
    const grey_image second = test::qr_image(other, 3);
    for (int y = 0; y < second.height; ++y) {
        std::copy_n(
            second.pixels.begin() + y * second.width, second.width,
            frame.pixels.begin() + (150 + y) * frame.width + 800
        );
    }
    EXPECT_THAT(decode(frame), UnorderedElementsAre(token, other));
}

// Every corner of every code lies inside the rectangle [x0, x1) x [y0, y1).
void expect_corners_inside(const decoded_code& code, int x0, int y0, int x1, int y1) {
    for (const auto& [x, y] : code.corners) {
        EXPECT_GE(x, x0);
        EXPECT_LT(x, x1);
        EXPECT_GE(y, y0);
        EXPECT_LT(y, y1);
    }
}

TEST(qr_decoder, outlines_a_badge_where_it_is_in_the_frame) {
    const grey_image badge = test::qr_image(token, 3);
    const grey_image frame = test::scene(1280, 720, badge, 100, 150);
    const auto codes = qr_decoder().decode_codes(frame.view());
    ASSERT_EQ(codes.size(), 1U);
    EXPECT_EQ(codes[0].text, token);
    expect_corners_inside(codes[0], 100, 150, 100 + badge.width, 150 + badge.height);
    // Not a point: the outline spans most of the code.
    EXPECT_GT(codes[0].corners[2].first - codes[0].corners[0].first, badge.width / 2);
}

TEST(qr_decoder, reads_a_frame_with_row_padding) {
    // Camera buffers often pad rows; the stride must be honoured.
    const grey_image image = test::qr_image(token, 3);
    const int stride = image.width + 64;
    std::vector<std::uint8_t> padded(static_cast<std::size_t>(stride * image.height), 0);
    for (int y = 0; y < image.height; ++y) {
        std::copy_n(
            image.pixels.begin() + y * image.width, image.width, padded.begin() + y * stride
        );
    }
    const grey_frame frame{padded.data(), image.width, image.height, stride};
    EXPECT_THAT(qr_decoder().decode(frame), ElementsAre(token));
}

TEST(qr_decoder, fast_pass_alone_still_reads_a_clean_badge) {
    decoder_options fast;
    fast.passes.resize(1);
    EXPECT_THAT(decode(test::qr_image(token, 4), fast), ElementsAre(token));
}

TEST(qr_decoder, retry_passes_rescue_a_faint_badge_the_fast_pass_misses) {
    // Modules 110 vs 130 grey: the fast pass sees nothing, try-harder finds it.
    const grey_image faint = test::low_contrast(test::qr_image(token, 4), 110, 130);
    decoder_options fast;
    fast.passes.resize(1);
    EXPECT_THAT(decode(faint, fast), IsEmpty());
    EXPECT_THAT(decode(faint), ElementsAre(token));
}

TEST(qr_decoder, no_passes_reads_nothing) {
    decoder_options none;
    none.passes.clear();
    EXPECT_THAT(decode(test::qr_image(token, 4), none), IsEmpty());
}

TEST(qr_decoder, frames_without_a_code_give_nothing) {
    EXPECT_THAT(decode(test::scene(1280, 720)), IsEmpty());
    EXPECT_THAT(decode(test::noisy(test::scene(1280, 720), 30.0)), IsEmpty());
    for (unsigned seed = 1; seed <= 5; ++seed) {
        EXPECT_THAT(decode(test::texture(640, 480, seed)), IsEmpty()) << "seed " << seed;
    }
}

TEST(qr_decoder, damaged_code_gives_its_own_text_or_nothing_never_another) {
    // Wipe growing bands across the code: past what error correction can fix
    // the decoder must give up, not guess.
    for (int band = 4; band <= 60; band += 8) {
        grey_image image = test::qr_image(token, 4);
        for (int y = image.height / 2; y < image.height / 2 + band && y < image.height; ++y) {
            for (int x = 0; x < image.width; x += 2) {
                image.pixels[static_cast<std::size_t>(y * image.width + x)] = 255;
            }
        }
        const std::vector<std::string> texts = decode(image);
        EXPECT_TRUE(texts.empty() || texts == std::vector<std::string>{token})
            << "band " << band << " px gave " << testing::PrintToString(texts);
    }
}

TEST(qr_decoder, empty_or_invalid_frames_give_nothing) {
    const std::uint8_t pixel = 0;
    EXPECT_THAT(qr_decoder().decode({}), IsEmpty());
    EXPECT_THAT(qr_decoder().decode({&pixel, 1, 1, 1}), IsEmpty());
    EXPECT_THAT(qr_decoder().decode({&pixel, 10, 10, 5}), IsEmpty());
}

// The hard badge set of bench/decode (admit_decode_compare), first 40 frames.
const std::vector<test::hard_case>& hard_cases() {
    static const std::vector<test::hard_case> cases = test::hard_cases(40, 2024);
    return cases;
}

TEST(qr_decoder_hard_set, frames_are_camera_sized_and_reproducible) {
    const test::hard_case& c = hard_cases()[3];
    const grey_image once = test::hard_frame(c);
    EXPECT_EQ(once.width, 1280);
    EXPECT_EQ(once.height, 720);
    EXPECT_EQ(once.pixels, test::hard_frame(c).pixels);
    // The next camera frame differs (fresh noise, slight motion).
    EXPECT_NE(once.pixels, test::hard_frame(c, 1).pixels);
}

// Frames out-of-the-box ZXing cannot read (tiny modules, turned, blurred,
// grainy or washed out); the retries in busy regions must, with the exact text.
class hard_badge : public testing::TestWithParam<int> {};

TEST_P(hard_badge, is_read_with_its_exact_text) {
    const test::hard_case& c = hard_cases()[static_cast<std::size_t>(GetParam())];
    ASSERT_FALSE(c.text.empty()) << test::describe(c);
    EXPECT_THAT(decode(test::hard_frame(c)), ElementsAre(c.text)) << test::describe(c);
}

TEST_P(hard_badge, needs_the_retries) {
    const test::hard_case& c = hard_cases()[static_cast<std::size_t>(GetParam())];
    decoder_options fast;
    fast.passes.resize(1);
    EXPECT_THAT(decode(test::hard_frame(c), fast), IsEmpty()) << test::describe(c);
}

INSTANTIATE_TEST_SUITE_P(cases, hard_badge, testing::Values(3, 5, 9, 21, 24, 38));

// Cases further into the set (the whole set of bench/decode), for the retries
// that only a few frames need.
test::hard_case full_set_case(int index) {
    return test::hard_cases(index + 1, 2024)[static_cast<std::size_t>(index)];
}

decoder_options without_last_pass() {
    decoder_options options;
    options.passes.pop_back();
    return options;
}

TEST(qr_decoder_hard_set, big_region_is_read_as_it_is_not_skipped) {
    // #167: a 480x560 busy region, too big to magnify; only the 2x pass's
    // unmagnified, smoothed read of it finds the badge.
    const test::hard_case c = full_set_case(167);
    ASSERT_FALSE(c.text.empty()) << test::describe(c);
    const grey_image frame = test::hard_frame(c);
    EXPECT_THAT(decode(frame), ElementsAre(c.text)) << test::describe(c);
    decoder_options skip_big;
    for (decode_pass& pass : skip_big.passes) {
        pass.big_region_smooth = -1;
    }
    EXPECT_THAT(decode(frame, skip_big), IsEmpty()) << test::describe(c);
}

TEST_P(hard_badge, is_outlined_around_its_centre_in_frame_pixels) {
    // Read by the retries over (magnified) crops: corners still in frame pixels.
    const test::hard_case& c = hard_cases()[static_cast<std::size_t>(GetParam())];
    const auto codes = qr_decoder().decode_codes(test::hard_frame(c).view());
    ASSERT_EQ(codes.size(), 1U) << test::describe(c);
    double x = 0;
    double y = 0;
    for (const auto& [cx, cy] : codes[0].corners) {
        x += cx / 4.0;
        y += cy / 4.0;
    }
    EXPECT_NEAR(x, c.centre_x, 24) << test::describe(c);
    EXPECT_NEAR(y, c.centre_y, 24) << test::describe(c);
}

class noisy_badge : public testing::TestWithParam<int> {};

TEST_P(noisy_badge, needs_the_smoothed_retry_of_the_busiest_region) {
    const test::hard_case c = full_set_case(GetParam());
    ASSERT_FALSE(c.text.empty()) << test::describe(c);
    const grey_image frame = test::hard_frame(c);
    EXPECT_THAT(decode(frame), ElementsAre(c.text)) << test::describe(c);
    EXPECT_THAT(decode(frame, without_last_pass()), IsEmpty()) << test::describe(c);
}

INSTANTIATE_TEST_SUITE_P(cases, noisy_badge, testing::Values(51, 136, 293));

TEST(qr_decoder, busiest_limits_a_pass_to_the_busiest_regions) {
    const std::string other = test::badge_like_token(7);
    grey_image frame = test::scene(1280, 720, test::qr_image(token, 3), 100, 150);
    const grey_image second = test::qr_image(other, 3);
    for (int y = 0; y < second.height; ++y) {
        std::copy_n(
            second.pixels.begin() + y * second.width, second.width,
            frame.pixels.begin() + (150 + y) * frame.width + 800
        );
    }
    decoder_options regions;
    regions.passes = {{.try_harder = true, .regions_only = true}};
    EXPECT_THAT(decode(frame, regions), UnorderedElementsAre(token, other));
    regions.passes[0].busiest = 1;
    EXPECT_EQ(decode(frame, regions).size(), 1U);
}

// Badge cards with no code: some carry a fake code (finder patterns around
// random modules), some a blocky logo, among print, checks and text.
class hard_frame_without_code : public testing::TestWithParam<int> {};

TEST_P(hard_frame_without_code, gives_nothing) {
    const test::hard_case& c = hard_cases()[static_cast<std::size_t>(GetParam())];
    ASSERT_TRUE(c.text.empty()) << test::describe(c);
    for (int take = 0; take < 3; ++take) {
        EXPECT_THAT(decode(test::hard_frame(c, take)), IsEmpty()) << test::describe(c);
    }
}

INSTANTIATE_TEST_SUITE_P(
    cases, hard_frame_without_code, testing::Values(19, 27, 31, 32, 35, 36, 37)
);

}  // namespace
}  // namespace admit::scanner
