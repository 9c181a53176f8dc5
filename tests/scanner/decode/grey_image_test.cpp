#include "decode/grey_image.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "scanner/image_ops.hpp"

namespace admit::scanner {
namespace {

using testing::HasSubstr;

class grey_image_files : public testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("admit-grey-image-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path dir_;
};

TEST_F(grey_image_files, png_round_trips_pixel_for_pixel) {
    const grey_image original = test::scene(64, 48);
    test::write_png(dir_ / "scene.png", original);
    const image_load loaded = load_grey_image(dir_ / "scene.png");
    ASSERT_TRUE(loaded.image) << loaded.error;
    EXPECT_EQ(loaded.image->width, 64);
    EXPECT_EQ(loaded.image->height, 48);
    EXPECT_EQ(loaded.image->pixels, original.pixels);
}

TEST_F(grey_image_files, view_covers_the_whole_image) {
    const grey_image image = test::scene(10, 5);
    const grey_frame view = image.view();
    EXPECT_EQ(view.pixels, image.pixels.data());
    EXPECT_EQ(view.width, 10);
    EXPECT_EQ(view.height, 5);
    EXPECT_EQ(view.stride, 10);
}

TEST_F(grey_image_files, missing_file_is_reported_with_its_path) {
    const image_load loaded = load_grey_image(dir_ / "nope.png");
    EXPECT_FALSE(loaded.image);
    EXPECT_THAT(loaded.error, HasSubstr("nope.png"));
    EXPECT_THAT(loaded.error, HasSubstr("no such image file"));
}

TEST_F(grey_image_files, corrupt_file_is_reported_with_its_path) {
    std::ofstream(dir_ / "broken.png") << "this is not a PNG";
    const image_load loaded = load_grey_image(dir_ / "broken.png");
    EXPECT_FALSE(loaded.image);
    EXPECT_THAT(loaded.error, HasSubstr("broken.png"));
    EXPECT_THAT(loaded.error, HasSubstr("cannot decode image"));
}

}  // namespace
}  // namespace admit::scanner
