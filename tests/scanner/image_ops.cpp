#include "scanner/image_ops.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

#include "badges/qr_code.hpp"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace admit::scanner::test {

namespace {

std::uint8_t clamp_byte(double v) {
    return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

grey_image blank(int width, int height, std::uint8_t fill) {
    grey_image out;
    out.width = width;
    out.height = height;
    out.pixels.assign(static_cast<std::size_t>(width) * static_cast<std::size_t>(height), fill);
    return out;
}

std::uint8_t& at(grey_image& image, int x, int y) {
    return image.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(image.width) +
                        static_cast<std::size_t>(x)];
}

std::uint8_t at(const grey_image& image, int x, int y) {
    x = std::clamp(x, 0, image.width - 1);
    y = std::clamp(y, 0, image.height - 1);
    return image.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(image.width) +
                        static_cast<std::size_t>(x)];
}

}  // namespace

std::string badge_like_token(int attendee_number) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::mt19937 random(static_cast<unsigned>(attendee_number));
    std::string number = std::to_string(attendee_number);
    number.insert(0, 4 - std::min<std::size_t>(4, number.size()), '0');
    std::string token = "A1.seoul-smart-city-2023.d-" + number + ".delegate.1.";
    for (int i = 0; i < 86; ++i) {
        token += alphabet[random() % alphabet.size()];
    }
    return token;
}

grey_image qr_image(std::string_view text, int module_px) {
    const badges::qr_code code = badges::qr_code::encode(text);
    grey_image out;
    out.width = out.height = code.pixel_side(module_px);
    out.pixels = code.grey_pixels(module_px);
    return out;
}

grey_image rotated(const grey_image& image, double degrees, std::uint8_t fill) {
    const double a = degrees * std::numbers::pi / 180.0;
    const double c = std::cos(a);
    const double s = std::sin(a);
    const int w = static_cast<int>(std::ceil(std::abs(image.width * c) + std::abs(image.height * s)));
    const int h = static_cast<int>(std::ceil(std::abs(image.width * s) + std::abs(image.height * c)));
    grey_image out = blank(w, h, fill);
    const double cx = image.width / 2.0;
    const double cy = image.height / 2.0;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            // Inverse mapping: where in the source does this output pixel come from?
            const double dx = x + 0.5 - w / 2.0;
            const double dy = y + 0.5 - h / 2.0;
            const double sx = c * dx + s * dy + cx - 0.5;
            const double sy = -s * dx + c * dy + cy - 0.5;
            if (sx < -0.5 || sy < -0.5 || sx > image.width - 0.5 || sy > image.height - 0.5) {
                continue;
            }
            const int x0 = static_cast<int>(std::floor(sx));
            const int y0 = static_cast<int>(std::floor(sy));
            const double fx = sx - x0;
            const double fy = sy - y0;
            const double top = at(image, x0, y0) * (1 - fx) + at(image, x0 + 1, y0) * fx;
            const double bottom = at(image, x0, y0 + 1) * (1 - fx) + at(image, x0 + 1, y0 + 1) * fx;
            at(out, x, y) = clamp_byte(top * (1 - fy) + bottom * fy);
        }
    }
    return out;
}

grey_image blurred(const grey_image& image, double sigma) {
    const int radius = std::max(1, static_cast<int>(std::ceil(3 * sigma)));
    std::vector<double> kernel(static_cast<std::size_t>(2 * radius + 1));
    double sum = 0;
    for (int i = -radius; i <= radius; ++i) {
        const double v = std::exp(-(i * i) / (2 * sigma * sigma));
        kernel[static_cast<std::size_t>(i + radius)] = v;
        sum += v;
    }
    for (double& v : kernel) v /= sum;
    grey_image pass = blank(image.width, image.height, 0);
    for (int y = 0; y < image.height; ++y) {
        for (int x = 0; x < image.width; ++x) {
            double acc = 0;
            for (int i = -radius; i <= radius; ++i) {
                acc += kernel[static_cast<std::size_t>(i + radius)] * at(image, x + i, y);
            }
            at(pass, x, y) = clamp_byte(acc);
        }
    }
    grey_image out = blank(image.width, image.height, 0);
    for (int y = 0; y < image.height; ++y) {
        for (int x = 0; x < image.width; ++x) {
            double acc = 0;
            for (int i = -radius; i <= radius; ++i) {
                acc += kernel[static_cast<std::size_t>(i + radius)] *
                       at(static_cast<const grey_image&>(pass), x, y + i);
            }
            at(out, x, y) = clamp_byte(acc);
        }
    }
    return out;
}

grey_image noisy(const grey_image& image, double stddev, unsigned seed) {
    std::mt19937 random(seed);
    std::normal_distribution<double> noise(0.0, stddev);
    grey_image out = image;
    for (std::uint8_t& p : out.pixels) {
        p = clamp_byte(p + noise(random));
    }
    return out;
}

grey_image low_contrast(const grey_image& image, std::uint8_t low, std::uint8_t high) {
    grey_image out = image;
    for (std::uint8_t& p : out.pixels) {
        p = clamp_byte(low + (high - low) * (p / 255.0));
    }
    return out;
}

grey_image scaled(const grey_image& image, double factor) {
    const int w = std::max(1, static_cast<int>(std::lround(image.width * factor)));
    const int h = std::max(1, static_cast<int>(std::lround(image.height * factor)));
    grey_image out = blank(w, h, 0);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            at(out, x, y) = at(image, static_cast<int>(x / factor), static_cast<int>(y / factor));
        }
    }
    return out;
}

grey_image scene(int width, int height) {
    grey_image out = blank(width, height, 0);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            // Darker at the top left, brighter at the bottom right: 60..200.
            at(out, x, y) = clamp_byte(60.0 + 140.0 * (x + y) / (width + height));
        }
    }
    return out;
}

grey_image scene(int width, int height, const grey_image& image, int x, int y) {
    grey_image out = scene(width, height);
    for (int row = 0; row < image.height && y + row < height; ++row) {
        for (int col = 0; col < image.width && x + col < width; ++col) {
            at(out, x + col, y + row) = at(image, col, row);
        }
    }
    return out;
}

grey_image texture(int width, int height, unsigned seed) {
    std::mt19937 random(seed);
    grey_image out = blank(width, height, 200);
    // Random dark squares of random sizes: edges and corners, like print and fabric.
    for (int i = 0; i < 3000; ++i) {
        const int side = 2 + static_cast<int>(random() % 12);
        const int x0 = static_cast<int>(random() % static_cast<unsigned>(width));
        const int y0 = static_cast<int>(random() % static_cast<unsigned>(height));
        const auto shade = static_cast<std::uint8_t>(random() % 120);
        for (int y = y0; y < std::min(height, y0 + side); ++y) {
            for (int x = x0; x < std::min(width, x0 + side); ++x) {
                at(out, x, y) = shade;
            }
        }
    }
    return out;
}

void write_png(const std::filesystem::path& file, const grey_image& image) {
    if (stbi_write_png(file.c_str(), image.width, image.height, 1, image.pixels.data(),
                       image.width) == 0) {
        throw std::runtime_error("write_png: cannot write " + file.string());
    }
}

}  // namespace admit::scanner::test
