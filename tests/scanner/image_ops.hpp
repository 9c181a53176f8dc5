#pragma once
// Test helpers that make camera-like pictures of badges: QR rasters, rotation,
// blur, noise, low contrast and a 1280x720 scene with a gradient background.
// Deterministic (fixed seeds), so a failing case fails the same way again.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "decode/grey_image.hpp"

namespace admit::scanner::test {

// A token shaped like a real one (129 chars): A1.<event>.<attendee>.<category>.1.<86 base64url>.
std::string badge_like_token(int attendee_number);

// The QR of text as a grey image with a 4-module quiet zone.
grey_image qr_image(std::string_view text, int module_px);

// Rotated by degrees about the centre onto a canvas big enough to hold it,
// bilinear, the new corners filled with fill.
grey_image rotated(const grey_image& image, double degrees, std::uint8_t fill = 255);

// Gaussian blur with standard deviation sigma pixels (separable, clamped edges).
grey_image blurred(const grey_image& image, double sigma);

// Adds Gaussian noise of standard deviation stddev grey levels.
grey_image noisy(const grey_image& image, double stddev, unsigned seed = 7);

// Maps 0..255 linearly onto low..high (a dim, washed-out photo).
grey_image low_contrast(const grey_image& image, std::uint8_t low, std::uint8_t high);

// Nearest-neighbour scaling by factor (< 1 shrinks).
grey_image scaled(const grey_image& image, double factor);

// A width x height scene: a diagonal grey gradient (a lit wall) with image
// pasted with its top-left corner at (x, y).
grey_image scene(int width, int height, const grey_image& image, int x, int y);
grey_image scene(int width, int height);  // the background alone

// A picture of random noise blobs: texture with no code in it.
grey_image texture(int width, int height, unsigned seed);

// Writes a grey PNG; throws std::runtime_error on failure.
void write_png(const std::filesystem::path& file, const grey_image& image);

}  // namespace admit::scanner::test
