#include "sources/raw_frame_source.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>

namespace admit::scanner {
namespace {

using testing::HasSubstr;

std::string frames_of(int count, int width, int height) {
    std::string bytes;
    for (int i = 0; i < count; ++i) {
        bytes.append(static_cast<std::size_t>(width * height), static_cast<char>('a' + i));
    }
    return bytes;
}

TEST(raw_frame_source, reads_n_frames_then_ends) {
    std::istringstream in(frames_of(3, 4, 2));
    raw_frame_source source(in, {4, 2});
    for (int i = 0; i < 3; ++i) {
        const next_frame frame = source.next();
        ASSERT_EQ(frame.what, next_frame::kind::frame) << "frame " << i;
        EXPECT_EQ(frame.image.width, 4);
        EXPECT_EQ(frame.image.height, 2);
        EXPECT_EQ(frame.image.pixels, std::vector<std::uint8_t>(8, static_cast<std::uint8_t>('a' + i)));
        EXPECT_EQ(frame.origin, "stdin frame " + std::to_string(i + 1));
    }
    EXPECT_EQ(source.next().what, next_frame::kind::end);
    EXPECT_EQ(source.next().what, next_frame::kind::end);
}

TEST(raw_frame_source, empty_stream_ends_at_once) {
    std::istringstream in("");
    raw_frame_source source(in, {1280, 720});
    EXPECT_EQ(source.next().what, next_frame::kind::end);
}

TEST(raw_frame_source, short_last_frame_is_reported_then_ends) {
    std::istringstream in(frames_of(2, 4, 2) + "xyz");
    raw_frame_source source(in, {4, 2});
    EXPECT_EQ(source.next().what, next_frame::kind::frame);
    EXPECT_EQ(source.next().what, next_frame::kind::frame);
    const next_frame problem = source.next();
    ASSERT_EQ(problem.what, next_frame::kind::problem);
    EXPECT_THAT(problem.problem, HasSubstr("3 bytes, expected 8"));
    EXPECT_THAT(problem.problem, HasSubstr("--raw 4x2"));
    EXPECT_EQ(source.next().what, next_frame::kind::end);
}

TEST(raw_frame_source, parses_sizes) {
    const auto hd = raw_frame_source::parse_size("1280x720");
    ASSERT_TRUE(hd);
    EXPECT_EQ(hd->width, 1280);
    EXPECT_EQ(hd->height, 720);
    EXPECT_TRUE(raw_frame_source::parse_size("640X480"));
    for (const char* bad : {"", "1280", "x720", "1280x", "0x720", "-1x5", "12a0x720", "1280x720x3",
                            "99999x1"}) {
        EXPECT_FALSE(raw_frame_source::parse_size(bad)) << bad;
    }
}

TEST(raw_frame_source, rejects_impossible_sizes) {
    std::istringstream in("");
    EXPECT_THROW(raw_frame_source(in, {0, 720}), std::invalid_argument);
}

}  // namespace
}  // namespace admit::scanner
