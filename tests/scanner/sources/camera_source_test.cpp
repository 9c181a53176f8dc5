#include "sources/camera_source.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

namespace admit::scanner {
namespace {

using testing::HasSubstr;

// No camera on a build machine: only the start-up failures can be checked here.
std::string open_error(const std::string& device) {
    try {
        camera_source camera({.device = device});
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

TEST(camera_source, missing_device_fails_with_a_clear_message) {
    const std::string message = open_error("/dev/video-admit-missing");
    EXPECT_THAT(message, HasSubstr("camera /dev/video-admit-missing: cannot open"));
    EXPECT_THAT(message, HasSubstr("No such file or directory"));
    EXPECT_THAT(message, HasSubstr("plugged in"));
}

TEST(camera_source, a_file_that_is_not_a_camera_is_refused) {
    const auto file = std::filesystem::temp_directory_path() /
                      ("admit-not-a-camera-" + std::to_string(::getpid()));
    std::ofstream(file) << "plain file";
    const std::string message = open_error(file.string());
    std::filesystem::remove(file);
    EXPECT_THAT(message, HasSubstr("is not a V4L2 device"));
    EXPECT_THAT(message, HasSubstr(file.string()));
}

}  // namespace
}  // namespace admit::scanner
