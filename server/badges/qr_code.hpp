#pragma once
// QR codes for badges, made with libqrencode: the module matrix, a PNG, an SVG
// and a grey raster (the kiosk's tests and the badge PDF draw from the matrix).
// Always error-correction level M and 8-bit (byte) mode, so any UTF-8 text
// round-trips unchanged and a badge survives a crease or a smudge.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace admit::badges {

// The modules of one QR symbol, without quiet zone.
// Thread safety: immutable value; share freely.
class qr_code {
public:
    // Encodes text (level M, 8-bit mode). Throws std::invalid_argument when the
    // text is empty or too long for any QR version (over about 2,300 bytes).
    static qr_code encode(std::string_view text);

    int size() const { return size_; }  // modules per side
    int version() const { return version_; }
    bool dark(int x, int y) const {
        return modules_[static_cast<std::size_t>(y * size_ + x)] != 0;
    }

    // Grey pixels (0 = dark, 255 = light), row-major, no padding, side
    // (size + 2 * quiet_modules) * module_px.
    std::vector<std::uint8_t> grey_pixels(int module_px, int quiet_modules = 4) const;
    int pixel_side(int module_px, int quiet_modules = 4) const {
        return (size_ + 2 * quiet_modules) * module_px;
    }

private:
    qr_code(int size, int version, std::vector<std::uint8_t> modules)
        : size_(size), version_(version), modules_(std::move(modules)) {}

    int size_ = 0;
    int version_ = 0;
    std::vector<std::uint8_t> modules_;  // 1 = dark
};

// A grey PNG file's bytes of the QR for text, module_px pixels per module and
// the standard 4-module quiet zone.
std::vector<std::uint8_t> qr_png(std::string_view text, int module_px);

// A standalone SVG document of the QR for text: one unit per module, 4-module
// quiet zone, one <rect> per dark module, crisp edges. Scales to any size.
std::string qr_svg(std::string_view text);

}  // namespace admit::badges
