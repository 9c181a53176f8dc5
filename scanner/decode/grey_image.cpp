#include "decode/grey_image.hpp"

#include <memory>
#include <system_error>

// The one translation unit with stb_image's implementation; static so it
// cannot clash with another copy elsewhere in a binary.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>

namespace admit::scanner {

image_load load_grey_image(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        return {std::nullopt, file.string() + ": no such image file; check the path"};
    }
    int width = 0;
    int height = 0;
    int channels = 0;
    // Asking for one channel makes stb_image convert colour to luminance.
    const std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> data(
        stbi_load(file.c_str(), &width, &height, &channels, 1), &stbi_image_free
    );
    if (!data) {
        return {
            std::nullopt,
            file.string() + ": cannot decode image (" + stbi_failure_reason() +
                "); expected PNG, JPEG, BMP or PGM"
        };
    }
    grey_image image;
    image.width = width;
    image.height = height;
    const auto count = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    image.pixels.assign(data.get(), data.get() + count);
    return {std::move(image), {}};
}

}  // namespace admit::scanner
