#include "sources/file_source.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>

#include <unistd.h>

#include "decode/qr_decoder.hpp"
#include "scanner/image_ops.hpp"

namespace admit::scanner {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

class file_source_test : public testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("admit-file-source-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path dir_;
};

TEST_F(file_source_test, folder_gives_its_images_in_name_order_and_they_decode) {
    test::write_png(dir_ / "b.png", test::qr_image(test::badge_like_token(2), 3));
    test::write_png(dir_ / "a.PNG", test::qr_image(test::badge_like_token(1), 3));
    std::ofstream(dir_ / "notes.txt") << "not an image";
    file_source source = file_source::from_folder(dir_);
    ASSERT_EQ(source.files().size(), 2U);

    const qr_decoder decoder;
    next_frame first = source.next();
    ASSERT_EQ(first.what, next_frame::kind::frame) << first.problem;
    EXPECT_EQ(first.origin, (dir_ / "a.PNG").string());
    EXPECT_THAT(decoder.decode(first.image.view()), ElementsAre(test::badge_like_token(1)));
    next_frame second = source.next();
    ASSERT_EQ(second.what, next_frame::kind::frame) << second.problem;
    EXPECT_THAT(decoder.decode(second.image.view()), ElementsAre(test::badge_like_token(2)));
    EXPECT_EQ(source.next().what, next_frame::kind::end);
}

TEST_F(file_source_test, missing_file_is_reported_and_the_list_goes_on) {
    test::write_png(dir_ / "ok.png", test::scene(32, 32));
    file_source source({dir_ / "missing.png", dir_ / "ok.png"});
    const next_frame missing = source.next();
    ASSERT_EQ(missing.what, next_frame::kind::problem);
    EXPECT_THAT(missing.problem, HasSubstr((dir_ / "missing.png").string()));
    EXPECT_THAT(missing.problem, HasSubstr("no such image file"));
    EXPECT_EQ(source.next().what, next_frame::kind::frame);
    EXPECT_EQ(source.next().what, next_frame::kind::end);
}

TEST_F(file_source_test, undecodable_file_is_reported_with_its_name) {
    std::ofstream(dir_ / "truncated.jpg") << "\xff\xd8\xff\xe0 not really a jpeg";
    file_source source({dir_ / "truncated.jpg"});
    const next_frame broken = source.next();
    ASSERT_EQ(broken.what, next_frame::kind::problem);
    EXPECT_THAT(broken.problem, HasSubstr("truncated.jpg"));
    EXPECT_THAT(broken.problem, HasSubstr("cannot decode image"));
    EXPECT_EQ(source.next().what, next_frame::kind::end);
}

TEST_F(file_source_test, missing_folder_fails_at_start_with_its_path) {
    try {
        (void)file_source::from_folder(dir_ / "no-such-folder");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("no-such-folder"));
        EXPECT_THAT(e.what(), HasSubstr("cannot read folder"));
    }
}

TEST_F(file_source_test, empty_list_ends_at_once) {
    file_source source({});
    EXPECT_EQ(source.next().what, next_frame::kind::end);
}

}  // namespace
}  // namespace admit::scanner
