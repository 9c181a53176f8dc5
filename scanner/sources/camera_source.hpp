#pragma once
// Frames from a V4L2 camera (USB webcam, Pi camera) through libv4l2, which
// also handles cameras with odd native formats. Asks for GREY, then YUYV,
// then YUV420 (libv4l2 converts from MJPEG and others), and keeps only the
// luminance, which is all a QR decoder needs.

#include <cstdint>
#include <string>
#include <vector>

#include "sources/frame_source.hpp"

namespace admit::scanner {

struct camera_options {
    std::string device = "/dev/video0";
    int width = 1280;  // the camera may pick the nearest size it supports
    int height = 720;
    int fps = 15;  // enough for a walking queue; halves the CPU of 30
};

// An open camera. Construction opens and configures the device and throws
// std::runtime_error naming the device and what to do when it is missing, is
// not a capture device or supports no usable format (start-up errors).
// Thread safety: one thread at a time (see frame_source).
class camera_source : public frame_source {
public:
    explicit camera_source(camera_options options);
    ~camera_source() override;

    next_frame next() override;

    int width() const { return width_; }
    int height() const { return height_; }
    std::string pixel_format() const;  // "GREY", "YUYV" or "YU12"

private:
    camera_options options_;
    int fd_ = -1;
    int width_ = 0;
    int height_ = 0;
    int stride_ = 0;  // bytes per row of the (first) plane
    std::uint32_t format_ = 0;
    std::vector<std::uint8_t> buffer_;
    std::uint64_t frames_read_ = 0;
    int failures_in_a_row_ = 0;
};

}  // namespace admit::scanner
