#pragma once
// The kiosk's QR reader: the one adapter around ZXing-cpp (no other file
// includes ZXing). Tuned for live video: a fast first pass over the whole
// frame, and only when it finds nothing, targeted retries: crops around the
// frame's busy patches (where a badge may be), each stretched to full contrast
// and, pass by pass, smoothed against noise or magnified for small modules,
// read with try-harder and another binarizer. A crop is small, so a retry
// costs a fraction of a whole-frame try-harder pass. Texts are returned as
// decoded, UTF-8, and only when error correction succeeded; judging them is
// the core's job.

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "decode/grey_image.hpp"

namespace admit::scanner {

// How a pass turns grey into black and white (ZXing's binarizers).
enum class binarizer {
    local_average,    // adapts to uneven light; the usual choice for cameras
    global_histogram  // one threshold per image; rescues some blurred, low-contrast frames
};

struct decode_pass {
    bool try_harder = false;    // more scan lines and finder-pattern checks; several times slower
    bool try_rotate = true;     // also look at the frame turned 90/180/270 degrees
    bool try_downscale = true;  // also look at a downscaled copy (helps large, blurry codes)
    binarizer binarize = binarizer::local_average;
    // Look only in crops around the frame's patches of high local contrast
    // (at most max_regions, busiest first), each stretched to full contrast,
    // instead of at the whole frame.
    bool regions_only = false;
    int smooth = 0;  // regions: box-smoothing radius in pixels against sensor noise (0 = none)
    // regions: look only at the busiest this many (0 = all max_regions); for
    // costly retries, since the badge is nearly always the busiest patch.
    int busiest = 0;
    // regions: enlarge the crop this many times (1-3) for modules under ~2 px;
    // a region that would grow past a megapixel is skipped (big regions hold
    // big modules, which a pass that magnifies less reads).
    int magnify = 1;
    // regions: read a region too big to magnify (see magnify) as it is instead
    // of skipping it, after box-smoothing of this radius (0 = none). A big
    // region holds big modules (2.5 px and more), which a 3x3 box leaves
    // sharp enough while it cuts sensor noise to a third; smoothing costs
    // little here because only big regions, unmagnified, get it. -1 = skip them.
    int big_region_smooth = -1;
};

struct decoder_options {
    // Tried in order until one finds a code. The default: fast over the whole
    // frame, then targeted retries in the busy regions (see BENCHMARKS.md,
    // "QR decode", for what each adds on hard frames).
    std::vector<decode_pass> passes = default_passes();
    int max_codes = 4;    // codes per frame; more than one badge in view is rare
    int max_regions = 3;  // busy patches a regions_only pass looks at

    static std::vector<decode_pass> default_passes();
};

// A code found in a frame and where: its four corners in frame pixels
// (top-left, top-right, bottom-right, bottom-left as ZXing reports them).
struct decoded_code {
    std::string text;
    std::array<std::pair<int, int>, 4> corners{};
};

// Reads QR codes (only QR) from grey frames.
// Thread safety: decode() is const and keeps no state; one decoder may be
// shared by threads.
class qr_decoder {
public:
    explicit qr_decoder(decoder_options options = {}) : options_(std::move(options)) {}

    // The texts of the valid QR codes in the frame, each once, in ZXing's
    // order; empty when there is none or the frame is empty.
    std::vector<std::string> decode(const grey_frame& frame) const;
    // The same codes with where they are in the frame (the door screen outlines them).
    std::vector<decoded_code> decode_codes(const grey_frame& frame) const;

    const decoder_options& options() const { return options_; }

private:
    decoder_options options_;
};

}  // namespace admit::scanner
