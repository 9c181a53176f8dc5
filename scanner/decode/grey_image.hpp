#pragma once
// Grey (8-bit luminance) pictures as the decoder takes them: a borrowed view
// (grey_frame) over camera or file memory, an owning grey_image, and loading
// a PNG/JPEG/BMP file into one with stb_image.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace admit::scanner {

// A view of grey pixels owned elsewhere (a camera buffer, a grey_image).
// stride is the number of bytes from one row to the next (>= width).
struct grey_frame {
    const std::uint8_t* pixels = nullptr;
    int width = 0;
    int height = 0;
    int stride = 0;
};

// Grey pixels, row-major, no padding.
// Thread safety: plain value; not synchronised.
struct grey_image {
    std::vector<std::uint8_t> pixels;
    int width = 0;
    int height = 0;

    grey_frame view() const { return {pixels.data(), width, height, width}; }
};

struct image_load {
    std::optional<grey_image> image;  // set on success
    std::string error;                // otherwise: what went wrong and where
};

// Loads an image file (PNG, JPEG, BMP, PGM, ...) as grey; colour is converted
// by luminance. Never throws for a missing or corrupt file: returns the error.
image_load load_grey_image(const std::filesystem::path& file);

}  // namespace admit::scanner
