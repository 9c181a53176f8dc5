#pragma once
// A deterministic set of hard 1280x720 camera frames of badges, for measuring
// QR decoders against each other (bench/decode) and for the decoder's tests:
// small modules (1.5-4 px), turned up to 45 degrees, tilted in depth, blurred,
// noisy, washed out or unevenly lit, on a wall with print-like clutter; about
// one frame in ten shows a badge card with no code at all. Each case can be
// rendered as several consecutive camera frames (fresh noise, slight motion).
// The same seed gives the same pixels on every machine with the same libm.
// Thread safety: pure functions; call from any thread.

#include <string>
#include <vector>

#include "decode/grey_image.hpp"

namespace admit::scanner::test {

// How one hard frame is made. Angles in degrees, lengths in frame pixels.
struct hard_case {
    int index = 0;
    std::string text;       // the encoded token; empty when the frame has no code
    double module_px = 3;   // side of one module on the sensor (before tilt)
    double degrees = 0;     // in-plane rotation
    double tilt_x = 0;      // perspective: scale change per module across x (e.g. 0.004)
    double tilt_y = 0;      // ... and across y
    double centre_x = 640;  // where the code's centre falls in the frame
    double centre_y = 360;
    double blur_sigma = 0;    // Gaussian defocus, pixels
    double noise_stddev = 0;  // sensor noise, grey levels
    int dark = 20;            // grey of a black module after exposure
    int light = 230;          // grey of white paper
    double shading = 0;       // uneven light across the badge: fraction of light lost at one edge
    unsigned seed = 0;        // for noise and clutter
};

// count cases from seed: a fixed mix of the difficulties above.
std::vector<hard_case> hard_cases(int count = 300, unsigned seed = 2024);

// The case as a 1280x720 grey frame. take 0 is the case itself; takes 1, 2, ...
// are the next camera frames: fresh sensor noise, the badge moved by a pixel
// or two and turned by under a degree.
grey_image hard_frame(const hard_case& c, int take = 0);

// One line for logs: "#17 m=2.1px rot=33 tilt=... blur=0.9 noise=12 range=95..160".
std::string describe(const hard_case& c);

}  // namespace admit::scanner::test
