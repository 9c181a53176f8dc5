#pragma once
// The kiosk's QR reader: the one adapter around ZXing-cpp (no other file
// includes ZXing). Tuned for live video: a fast first pass, and only when it
// finds nothing, slower retries (try-harder, another binarizer). Texts are
// returned as decoded, UTF-8; judging them is the core's job.

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
    bool try_harder = false;  // more scan lines and finder-pattern checks; several times slower
    bool try_rotate = true;   // also look at the frame turned 90/180/270 degrees
    bool try_downscale = true;  // also look at a downscaled copy (helps large, blurry codes)
    binarizer binarize = binarizer::local_average;
};

struct decoder_options {
    // Tried in order until one finds a code. The default: fast, then thorough.
    std::vector<decode_pass> passes = {
        {.try_harder = false, .try_rotate = true, .try_downscale = true,
         .binarize = binarizer::local_average},
        {.try_harder = true, .try_rotate = true, .try_downscale = true,
         .binarize = binarizer::local_average},
        {.try_harder = true, .try_rotate = true, .try_downscale = true,
         .binarize = binarizer::global_histogram},
    };
    int max_codes = 4;  // codes per frame; more than one badge in view is rare
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

    const decoder_options& options() const { return options_; }

private:
    decoder_options options_;
};

}  // namespace admit::scanner
