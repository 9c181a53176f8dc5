#include "badges/qr_code.hpp"

#include <qrencode.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

// The one translation unit with stb_image_write's implementation; static so it
// cannot clash with another copy elsewhere in a binary.
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace admit::badges {

namespace {

struct qrcode_deleter {
    void operator()(QRcode* code) const { QRcode_free(code); }
};

void append_bytes(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(context);
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

qr_code qr_code::encode(std::string_view text) {
    if (text.empty()) {
        throw std::invalid_argument("qr_code: cannot encode an empty text");
    }
    // QRcode_encodeData takes a length, so the text need not be NUL-terminated;
    // version 0 lets libqrencode pick the smallest version that fits.
    const std::unique_ptr<QRcode, qrcode_deleter> code(QRcode_encodeData(
        static_cast<int>(text.size()),
        reinterpret_cast<const unsigned char*>(text.data()),
        0,
        QR_ECLEVEL_M
    ));
    if (!code) {
        throw std::invalid_argument(
            "qr_code: cannot encode " + std::to_string(text.size()) +
            " bytes at level M (" + std::strerror(errno) + "); keep badge tokens short"
        );
    }
    const int size = code->width;
    std::vector<std::uint8_t> modules(static_cast<std::size_t>(size * size));
    for (std::size_t i = 0; i < modules.size(); ++i) {
        // Bit 0 of each libqrencode byte is the module colour; the others are metadata.
        modules[i] = code->data[i] & 1U;
    }
    return qr_code(size, code->version, std::move(modules));
}

std::vector<std::uint8_t> qr_code::grey_pixels(int module_px, int quiet_modules) const {
    if (module_px < 1 || quiet_modules < 0) {
        throw std::invalid_argument("qr_code: module_px must be >= 1 and quiet_modules >= 0");
    }
    const int side = pixel_side(module_px, quiet_modules);
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(side * side), 255);
    for (int y = 0; y < size_; ++y) {
        for (int x = 0; x < size_; ++x) {
            if (!dark(x, y)) {
                continue;
            }
            const int left = (x + quiet_modules) * module_px;
            const int top = (y + quiet_modules) * module_px;
            for (int row = top; row < top + module_px; ++row) {
                const auto start = pixels.begin() + row * side + left;
                std::fill(start, start + module_px, std::uint8_t{0});
            }
        }
    }
    return pixels;
}

std::vector<std::uint8_t> qr_png(std::string_view text, int module_px) {
    const qr_code code = qr_code::encode(text);
    const int side = code.pixel_side(module_px);
    const std::vector<std::uint8_t> pixels = code.grey_pixels(module_px);
    std::vector<std::uint8_t> png;
    if (stbi_write_png_to_func(append_bytes, &png, side, side, 1, pixels.data(), side) == 0) {
        throw std::runtime_error("qr_png: PNG encoding failed");
    }
    return png;
}

std::string qr_svg(std::string_view text) {
    const qr_code code = qr_code::encode(text);
    constexpr int quiet = 4;
    const std::string side = std::to_string(code.size() + 2 * quiet);
    std::string svg;
    svg += R"(<?xml version="1.0" encoding="UTF-8"?>)" "\n";
    svg += R"(<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 )" + side +
           " " + side + R"(" shape-rendering="crispEdges">)" "\n";
    svg += R"(<rect x="0" y="0" width=")" + side + R"(" height=")" + side +
           R"(" fill="#ffffff"/>)" "\n";
    // One rectangle per horizontal run of dark modules keeps the file small.
    for (int y = 0; y < code.size(); ++y) {
        int x = 0;
        while (x < code.size()) {
            if (!code.dark(x, y)) {
                ++x;
                continue;
            }
            const int start = x;
            while (x < code.size() && code.dark(x, y)) {
                ++x;
            }
            svg += R"(<rect x=")" + std::to_string(start + quiet) + R"(" y=")" +
                   std::to_string(y + quiet) + R"(" width=")" + std::to_string(x - start) +
                   R"(" height="1" fill="#000000"/>)" "\n";
        }
    }
    svg += "</svg>\n";
    return svg;
}

}  // namespace admit::badges
