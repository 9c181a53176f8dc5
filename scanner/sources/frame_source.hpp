#pragma once
// Where the kiosk's grey frames come from: a camera, image files, or raw
// frames piped on stdin. The scan loop calls next() until it says end; a
// problem with one input (an unreadable file, a short frame) is reported as a
// result and the loop may go on, since one bad photo must not stop a kiosk.

#include <cstdint>
#include <string>

#include "decode/grey_image.hpp"

namespace admit::scanner {

struct next_frame {
    enum class kind : std::uint8_t {
        frame,    // image holds a frame
        problem,  // this input could not be read; problem says why; call next() again
        end       // no more frames
    };
    kind what = kind::end;
    grey_image image;
    std::string origin;   // "badges/d-0042.png", "stdin frame 3", "/dev/video0 frame 17"
    std::string problem;  // what is wrong, where, what to do

    static next_frame end() { return {}; }
};

// A source of grey frames.
// Thread safety: a source is used by one thread at a time.
class frame_source {
public:
    frame_source() = default;
    frame_source(const frame_source&) = delete;
    frame_source& operator=(const frame_source&) = delete;
    virtual ~frame_source() = default;

    virtual next_frame next() = 0;
};

}  // namespace admit::scanner
