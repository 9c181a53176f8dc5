#include "sources/camera_source.hpp"

#include <fcntl.h>
#include <libv4l2.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace admit::scanner {

namespace {

// A camera that fails this many reads in a row is gone (unplugged).
constexpr int max_failures_in_a_row = 5;

int xioctl(int fd, unsigned long request, void* arg) {
    int r = 0;
    do {
        r = v4l2_ioctl(fd, request, arg);
    } while (r == -1 && errno == EINTR);
    return r;
}

std::string fourcc_text(std::uint32_t code) {
    std::string text(4, ' ');
    for (std::size_t i = 0; i < 4; ++i) {
        text[i] = static_cast<char>((code >> (8 * i)) & 0xffU);
    }
    return text;
}

}  // namespace

camera_source::camera_source(camera_options options) : options_(std::move(options)) {
    const std::string where = "camera " + options_.device;
    // Plain open() and VIDIOC_QUERYCAP first, so a wrong path or a non-camera
    // gets its own message (and libv4l2 prints nothing to stderr).
    const int raw_fd = ::open(options_.device.c_str(), O_RDWR);
    if (raw_fd < 0) {
        throw std::runtime_error(
            where + ": cannot open (" + std::strerror(errno) +
            "); check that the camera is plugged in, the path (v4l2-ctl --list-devices) and "
            "that this user is in the 'video' group"
        );
    }
    v4l2_capability caps{};
    int r = 0;
    do {
        r = ::ioctl(raw_fd, VIDIOC_QUERYCAP, &caps);
    } while (r == -1 && errno == EINTR);
    if (r == -1) {
        const std::string why = std::strerror(errno);
        ::close(raw_fd);
        throw std::runtime_error(where + ": is not a V4L2 device (" + why +
                                 "); give a /dev/videoN capture device");
    }
    const std::uint32_t device_caps =
        (caps.capabilities & V4L2_CAP_DEVICE_CAPS) != 0 ? caps.device_caps : caps.capabilities;
    if ((device_caps & V4L2_CAP_VIDEO_CAPTURE) == 0) {
        ::close(raw_fd);
        throw std::runtime_error(where +
                                 ": is not a video capture device; try another /dev/videoN");
    }
    fd_ = v4l2_fd_open(raw_fd, 0);
    if (fd_ < 0) {
        const std::string why = std::strerror(errno);
        ::close(raw_fd);
        throw std::runtime_error(where + ": libv4l2 cannot use it (" + why + ")");
    }
    auto fail = [&](const std::string& why) {
        v4l2_close(fd_);
        fd_ = -1;
        throw std::runtime_error(where + ": " + why);
    };

    // Native grey or YUYV avoid any conversion; YUV420 is libv4l2's converted
    // format for everything else (MJPEG cameras). All keep luminance first.
    for (const std::uint32_t wanted : {V4L2_PIX_FMT_GREY, V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_YUV420}) {
        v4l2_format fmt{};
        fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        fmt.fmt.pix.width = static_cast<std::uint32_t>(options_.width);
        fmt.fmt.pix.height = static_cast<std::uint32_t>(options_.height);
        fmt.fmt.pix.pixelformat = wanted;
        fmt.fmt.pix.field = V4L2_FIELD_NONE;
        if (xioctl(fd_, VIDIOC_S_FMT, &fmt) == 0 && fmt.fmt.pix.pixelformat == wanted) {
            format_ = wanted;
            width_ = static_cast<int>(fmt.fmt.pix.width);
            height_ = static_cast<int>(fmt.fmt.pix.height);
            stride_ = static_cast<int>(fmt.fmt.pix.bytesperline);
            buffer_.resize(fmt.fmt.pix.sizeimage);
            break;
        }
    }
    if (format_ == 0) {
        fail("supports none of GREY, YUYV or YUV420, even through libv4l2; try another camera");
    }
    if (stride_ == 0) {
        stride_ = format_ == V4L2_PIX_FMT_YUYV ? 2 * width_ : width_;
    }
    const std::size_t luma_bytes =
        static_cast<std::size_t>(stride_) * static_cast<std::size_t>(height_);
    if (buffer_.size() < luma_bytes) {
        buffer_.resize(format_ == V4L2_PIX_FMT_YUV420 ? luma_bytes * 3 / 2 : luma_bytes);
    }

    // The frame rate is a request; cameras that cannot set it keep their own.
    v4l2_streamparm parm{};
    parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    parm.parm.capture.timeperframe.numerator = 1;
    parm.parm.capture.timeperframe.denominator = static_cast<std::uint32_t>(options_.fps);
    (void)xioctl(fd_, VIDIOC_S_PARM, &parm);
}

camera_source::~camera_source() {
    if (fd_ >= 0) {
        v4l2_close(fd_);
    }
}

std::string camera_source::pixel_format() const {
    return fourcc_text(format_);
}

next_frame camera_source::next() {
    if (fd_ < 0 || failures_in_a_row_ >= max_failures_in_a_row) {
        return next_frame::end();
    }
    // libv4l2 emulates read() with mmap streaming when the driver lacks it.
    const auto got = v4l2_read(fd_, buffer_.data(), buffer_.size());
    next_frame result;
    result.origin = options_.device + " frame " + std::to_string(frames_read_ + 1);
    if (got <= 0) {
        ++failures_in_a_row_;
        result.what = next_frame::kind::problem;
        result.problem = "camera " + options_.device + ": read failed (" +
                         (got < 0 ? std::strerror(errno) : "no data") +
                         "); check the cable; the kiosk stops after " +
                         std::to_string(max_failures_in_a_row) + " failures in a row";
        return result;
    }
    failures_in_a_row_ = 0;
    ++frames_read_;
    result.what = next_frame::kind::frame;
    result.image.width = width_;
    result.image.height = height_;
    result.image.pixels.resize(static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_));
    const std::size_t width = static_cast<std::size_t>(width_);
    const std::size_t stride = static_cast<std::size_t>(stride_);
    for (std::size_t y = 0; y < static_cast<std::size_t>(height_); ++y) {
        const std::uint8_t* row = buffer_.data() + y * stride;
        std::uint8_t* out = result.image.pixels.data() + y * width;
        if (format_ == V4L2_PIX_FMT_YUYV) {
            // Y0 U Y1 V: luminance is every other byte.
            for (std::size_t x = 0; x < width; ++x) {
                out[x] = row[2 * x];
            }
        } else {
            std::copy(row, row + width, out);
        }
    }
    return result;
}

}  // namespace admit::scanner
