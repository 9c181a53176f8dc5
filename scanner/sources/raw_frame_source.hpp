#pragma once
// Raw grey frames from a stream, usually stdin: each frame is exactly
// width * height bytes, one byte per pixel, row after row, no header. Lets any
// capture tool feed the kiosk, e.g.
//   ffmpeg -f v4l2 -i /dev/video0 -f rawvideo -pix_fmt gray - | admit-kiosk --raw 1280x720

#include <cstdint>
#include <istream>
#include <optional>
#include <string_view>

#include "sources/frame_source.hpp"

namespace admit::scanner {

struct frame_size {
    int width = 0;
    int height = 0;
};

// Reads frames until the stream ends. A last partial frame is a problem
// result (it usually means the size given does not match the stream), then end.
// Thread safety: one thread at a time (see frame_source).
class raw_frame_source : public frame_source {
public:
    // in must outlive the source. Throws std::invalid_argument unless the size
    // is between 1x1 and 16384x16384.
    raw_frame_source(std::istream& in, frame_size size);

    // Parses "WIDTHxHEIGHT" as given to --raw, e.g. "1280x720".
    static std::optional<frame_size> parse_size(std::string_view text);

    next_frame next() override;

private:
    std::istream& in_;
    frame_size size_;
    std::uint64_t frames_read_ = 0;
    bool ended_ = false;
};

}  // namespace admit::scanner
