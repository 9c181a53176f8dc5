#include "decode/qr_decoder.hpp"

#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>

namespace admit::scanner {

namespace {

ZXing::DecodeHints hints_for(const decode_pass& pass, int max_codes) {
    ZXing::DecodeHints hints;
    hints.setFormats(ZXing::BarcodeFormat::QRCode)
        .setTryHarder(pass.try_harder)
        .setTryRotate(pass.try_rotate)
        .setTryDownscale(pass.try_downscale)
        .setBinarizer(
            pass.binarize == binarizer::global_histogram ? ZXing::Binarizer::GlobalHistogram
                                                         : ZXing::Binarizer::LocalAverage
        )
        .setMaxNumberOfSymbols(static_cast<std::uint8_t>(std::clamp(max_codes, 1, 255)));
    return hints;
}

// Where an image read by ZXing lies in the frame: its top-left corner and how
// many times it was magnified.
struct placement {
    int x = 0;
    int y = 0;
    int factor = 1;
};

// Adds the codes ZXing reads in image to codes, each text once, with their
// corners moved back into frame pixels.
void read_into(
    const ZXing::ImageView& image,
    const ZXing::DecodeHints& hints,
    const placement& at,
    std::vector<decoded_code>& codes
) {
    for (const ZXing::Result& result : ZXing::ReadBarcodes(image, hints)) {
        // Only codes whose error correction succeeded; never a guess.
        if (!result.isValid()) {
            continue;
        }
        std::string text = result.text();
        if (std::any_of(codes.begin(), codes.end(), [&](const decoded_code& c) {
                return c.text == text;
            })) {
            continue;
        }
        decoded_code code{std::move(text), {}};
        const auto& where = result.position();
        for (std::size_t i = 0; i < 4; ++i) {
            code.corners[i] = {at.x + where[i].x / at.factor, at.y + where[i].y / at.factor};
        }
        codes.push_back(std::move(code));
    }
}

std::size_t index(int x, int y, int stride) {
    return static_cast<std::size_t>(y) * static_cast<std::size_t>(stride) +
           static_cast<std::size_t>(x);
}

// A rectangle of the frame, in pixels.
struct region {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
};

// Side of the blocks in which busy_regions measures contrast: a badge code of
// 1.5 px modules (about 85 px) still covers some 25 of them.
constexpr int block = 16;

// Patches of the frame whose local contrast stands out from the frame's
// usual level (a printed code does, a lit wall does not), as rectangles with a
// one-block margin for the quiet zone, busiest first. Contrast is measured on
// 2x2 averages, which halves sensor noise. A frame too small to hold several
// blocks, or one whose busy part is the whole of it, is one region.
std::vector<region> busy_regions(const grey_frame& frame, int max_regions) {
    const region whole{0, 0, frame.width, frame.height};
    const int columns = frame.width / block;
    const int rows = frame.height / block;
    if (columns < 8 || rows < 8) {
        return {whole};
    }
    std::vector<float> deviation(static_cast<std::size_t>(columns * rows));
    for (int by = 0; by < rows; ++by) {
        for (int bx = 0; bx < columns; ++bx) {
            std::int64_t sum = 0;
            std::int64_t squares = 0;
            for (int y = by * block; y < (by + 1) * block; y += 2) {
                const std::uint8_t* top = frame.pixels + index(bx * block, y, frame.stride);
                const std::uint8_t* bottom = top + frame.stride;
                for (int x = 0; x < block; x += 2) {
                    const int v = top[x] + top[x + 1] + bottom[x] + bottom[x + 1];
                    sum += v;
                    squares += v * v;
                }
            }
            constexpr double samples = (block / 2) * (block / 2);
            const double mean = static_cast<double>(sum) / samples;
            const double variance = static_cast<double>(squares) / samples - mean * mean;
            deviation[index(bx, by, columns)] =
                static_cast<float>(std::sqrt(std::max(0.0, variance)) / 4);
        }
    }
    std::vector<float> sorted = deviation;
    const auto middle = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2);
    std::nth_element(sorted.begin(), middle, sorted.end());
    const float usual = *middle;
    const float threshold = std::max(usual * 1.6F, usual + 3.0F);

    struct component {
        int x0, y0, x1, y1;
        int blocks;
        float excess;  // summed contrast above the usual level
    };
    std::vector<component> found;
    std::vector<std::uint8_t> seen(deviation.size(), 0);
    std::vector<int> stack;
    for (int start = 0; start < columns * rows; ++start) {
        if (seen[static_cast<std::size_t>(start)] != 0 ||
            deviation[static_cast<std::size_t>(start)] < threshold) {
            continue;
        }
        component c{columns, rows, -1, -1, 0, 0.0F};
        stack.assign(1, start);
        seen[static_cast<std::size_t>(start)] = 1;
        while (!stack.empty()) {
            const int b = stack.back();
            stack.pop_back();
            const int bx = b % columns;
            const int by = b / columns;
            c.x0 = std::min(c.x0, bx), c.x1 = std::max(c.x1, bx);
            c.y0 = std::min(c.y0, by), c.y1 = std::max(c.y1, by);
            ++c.blocks;
            c.excess += deviation[static_cast<std::size_t>(b)] - usual;
            for (int dy = -1; dy <= 1; ++dy) {
                for (int dx = -1; dx <= 1; ++dx) {
                    const int nx = bx + dx;
                    const int ny = by + dy;
                    if (nx < 0 || ny < 0 || nx >= columns || ny >= rows) {
                        continue;
                    }
                    const auto n = static_cast<std::size_t>(ny * columns + nx);
                    if (seen[n] == 0 && deviation[n] >= threshold) {
                        seen[n] = 1;
                        stack.push_back(ny * columns + nx);
                    }
                }
            }
        }
        // A code is at least about 5x5 blocks; smaller specks are print or noise.
        if (c.blocks >= 10 && c.x1 - c.x0 >= 3 && c.y1 - c.y0 >= 3) {
            found.push_back(c);
        }
    }
    std::sort(found.begin(), found.end(), [](const component& a, const component& b) {
        return a.excess > b.excess;
    });
    std::vector<region> regions;
    for (const component& c : found) {
        if (static_cast<int>(regions.size()) >= max_regions) {
            break;
        }
        const int x0 = std::max(0, (c.x0 - 1) * block);
        const int y0 = std::max(0, (c.y0 - 1) * block);
        const int x1 = std::min(frame.width, (c.x1 + 2) * block);
        const int y1 = std::min(frame.height, (c.y1 + 2) * block);
        regions.push_back({x0, y0, x1 - x0, y1 - y0});
    }
    if (regions.empty() && frame.width * frame.height <= 640 * 480) {
        // Nothing stands out in a small picture: perhaps a code fills it.
        regions.push_back(whole);
    }
    return regions;
}

// Box smoothing of radius r, separable, edges clamped.
void smooth(std::vector<std::uint8_t>& pixels, int width, int height, int r) {
    std::vector<std::uint8_t> pass(pixels.size());
    const int span = 2 * r + 1;
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            int sum = 0;
            for (int i = -r; i <= r; ++i) {
                sum += pixels[index(std::clamp(x + i, 0, width - 1), y, width)];
            }
            pass[index(x, y, width)] = static_cast<std::uint8_t>(sum / span);
        }
    }
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            int sum = 0;
            for (int i = -r; i <= r; ++i) {
                sum += pass[index(x, std::clamp(y + i, 0, height - 1), width)];
            }
            pixels[index(x, y, width)] = static_cast<std::uint8_t>(sum / span);
        }
    }
}

// Maps the 1st..99th percentile of the crop onto 0..255. False when the crop
// is too flat to hold a code.
bool stretch(std::vector<std::uint8_t>& pixels) {
    std::array<int, 256> histogram{};
    for (const std::uint8_t p : pixels) {
        ++histogram[p];
    }
    const auto cut = static_cast<int>(pixels.size() / 100);
    int low = 0;
    for (int seen = 0; low < 255 && seen + histogram[static_cast<std::size_t>(low)] <= cut; ++low) {
        seen += histogram[static_cast<std::size_t>(low)];
    }
    int high = 255;
    for (int seen = 0; high > 0 && seen + histogram[static_cast<std::size_t>(high)] <= cut;
         --high) {
        seen += histogram[static_cast<std::size_t>(high)];
    }
    if (high - low < 8) {
        return false;
    }
    std::array<std::uint8_t, 256> map{};
    for (int v = 0; v < 256; ++v) {
        map[static_cast<std::size_t>(v)] =
            static_cast<std::uint8_t>(std::clamp((v - low) * 255 / (high - low), 0, 255));
    }
    for (std::uint8_t& p : pixels) {
        p = map[p];
    }
    return true;
}

// Bilinear enlargement by factor, pixel centres aligned. Each source row is
// interpolated across once (a sum of 16-bit weights, not yet rounded); each
// output row then blends two of those, a loop the compiler vectorises. Twice
// as fast as interpolating every output pixel from four source pixels, with
// the same result to the bit (checked against the per-pixel form).
std::vector<std::uint8_t> magnified(
    const std::vector<std::uint8_t>& pixels, int width, int height, int factor
) {
    const int w = width * factor;
    const int h = height * factor;
    // Source position in 1/256 pixel of output column or row i.
    const auto source = [factor](int i, int size) {
        return std::clamp(((2 * i + 1) * 128 / factor) - 128, 0, (size - 1) * 256);
    };
    std::vector<int> x0(static_cast<std::size_t>(w));
    std::vector<int> x1(static_cast<std::size_t>(w));
    std::vector<int> fx(static_cast<std::size_t>(w));
    for (int x = 0; x < w; ++x) {
        const int sx = source(x, width);
        const auto i = static_cast<std::size_t>(x);
        x0[i] = sx >> 8;
        x1[i] = std::min(x0[i] + 1, width - 1);
        fx[i] = sx & 255;
    }
    // Every source row interpolated across: at most 255 * 256, fits 16 bits.
    std::vector<std::uint16_t> across(static_cast<std::size_t>(w) * static_cast<std::size_t>(height));
    for (int y = 0; y < height; ++y) {
        const std::uint8_t* in = pixels.data() + index(0, y, width);
        std::uint16_t* row = across.data() + index(0, y, w);
        for (int x = 0; x < w; ++x) {
            const auto i = static_cast<std::size_t>(x);
            row[x] = static_cast<std::uint16_t>(in[x0[i]] * (256 - fx[i]) + in[x1[i]] * fx[i]);
        }
    }
    std::vector<std::uint8_t> out(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    for (int y = 0; y < h; ++y) {
        const int sy = source(y, height);
        const int y0 = sy >> 8;
        const int y1 = std::min(y0 + 1, height - 1);
        const std::uint32_t fy = static_cast<std::uint32_t>(sy & 255);
        const std::uint16_t* top = across.data() + index(0, y0, w);
        const std::uint16_t* bottom = across.data() + index(0, y1, w);
        std::uint8_t* row = out.data() + index(0, y, w);
        for (int x = 0; x < w; ++x) {
            row[x] = static_cast<std::uint8_t>(
                (top[x] * (256 - fy) + bottom[x] * fy + (1U << 15)) >> 16
            );
        }
    }
    return out;
}

// A busy region cut out of the frame, with what the passes reuse.
struct candidate {
    region where;
    std::vector<std::uint8_t> raw;        // the frame's pixels
    std::vector<std::uint8_t> stretched;  // at full contrast
};

// The busy regions of the frame, busiest first, cut out and stretched.
std::vector<candidate> candidates(const grey_frame& frame, int max_regions) {
    std::vector<candidate> found;
    for (const region& r : busy_regions(frame, max_regions)) {
        candidate c;
        c.where = r;
        c.raw.resize(static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height));
        for (int y = 0; y < r.height; ++y) {
            std::copy_n(
                frame.pixels + index(r.x, r.y + y, frame.stride), r.width,
                c.raw.begin() + static_cast<std::ptrdiff_t>(index(0, y, r.width))
            );
        }
        c.stretched = c.raw;
        if (!stretch(c.stretched)) {
            continue;
        }
        found.push_back(std::move(c));
    }
    return found;
}

// One regions_only pass over one region: smooth, stretch, magnify, read.
void read_region(
    const candidate& c,
    const decode_pass& pass,
    const ZXing::DecodeHints& hints,
    std::vector<decoded_code>& codes
) {
    int width = c.where.width;
    int height = c.where.height;
    int factor = std::clamp(pass.magnify, 1, 3);
    int radius = pass.smooth;
    // A region too big to magnify cheaply (over a megapixel) is left to the
    // passes that magnify it less, or read as it is: big regions hold big
    // modules, or clutter.
    if (factor > 1 && width * height * factor * factor > 1'000'000) {
        if (pass.big_region_smooth < 0) {
            return;
        }
        factor = 1;
        radius = pass.big_region_smooth;
    }
    std::vector<std::uint8_t> pixels;
    if (radius > 0) {
        pixels = c.raw;
        smooth(pixels, width, height, radius);
        if (!stretch(pixels)) {
            return;
        }
    } else {
        pixels = c.stretched;
    }
    if (factor > 1) {
        pixels = magnified(pixels, width, height, factor);
        width *= factor;
        height *= factor;
    }
    read_into(
        ZXing::ImageView(pixels.data(), width, height, ZXing::ImageFormat::Lum), hints,
        {c.where.x, c.where.y, factor}, codes
    );
}

}  // namespace

std::vector<decode_pass> decoder_options::default_passes() {
    // Measured on the hard badge set (bench/decode, admit_decode_compare): the
    // fast pass reads about half; magnifying the busy regions twice (after
    // stretching their contrast) reads most of the rest, three times rescues
    // modules under 2 px; regions too big to magnify are read as they are,
    // smoothed. A last retry smooths the busiest region before magnifying it
    // twice (sensor noise on small modules). The global-histogram binarizer
    // added little for its cost. try_rotate is off: ZXing's QR reader finds codes
    // at any angle without it. Whole-frame downscaling is off: regions cover
    // the large, blurry codes it would catch.
    return {
        {.try_harder = false,
         .try_rotate = false,
         .try_downscale = false,
         .binarize = binarizer::local_average},
        {.try_harder = true,
         .try_rotate = false,
         .try_downscale = false,
         .binarize = binarizer::local_average,
         .regions_only = true,
         .magnify = 2,
         .big_region_smooth = 1},
        {.try_harder = true,
         .try_rotate = false,
         .try_downscale = false,
         .binarize = binarizer::local_average,
         .regions_only = true,
         .magnify = 3},
        {.try_harder = true,
         .try_rotate = false,
         .try_downscale = false,
         .binarize = binarizer::local_average,
         .regions_only = true,
         .smooth = 1,
         .busiest = 1,
         .magnify = 2},
    };
}

std::vector<std::string> qr_decoder::decode(const grey_frame& frame) const {
    std::vector<std::string> texts;
    for (auto& code : decode_codes(frame)) texts.push_back(std::move(code.text));
    return texts;
}

std::vector<decoded_code> qr_decoder::decode_codes(const grey_frame& frame) const {
    std::vector<decoded_code> texts;
    if (frame.pixels == nullptr || frame.width <= 0 || frame.height <= 0 ||
        frame.stride < frame.width) {
        return texts;
    }
    const ZXing::ImageView image(
        frame.pixels, frame.width, frame.height, ZXing::ImageFormat::Lum, frame.stride
    );
    // Found once, on the first regions_only pass that needs them.
    std::optional<std::vector<candidate>> regions;
    for (const decode_pass& pass : options_.passes) {
        const ZXing::DecodeHints hints = hints_for(pass, options_.max_codes);
        if (!pass.regions_only) {
            read_into(image, hints, {}, texts);
        } else {
            if (!regions) {
                regions = candidates(frame, options_.max_regions);
            }
            const std::size_t count =
                pass.busiest > 0 ? std::min(regions->size(), static_cast<std::size_t>(pass.busiest))
                                 : regions->size();
            for (std::size_t i = 0; i < count; ++i) {
                read_region((*regions)[i], pass, hints, texts);
            }
        }
        if (!texts.empty()) {
            break;
        }
    }
    return texts;
}

}  // namespace admit::scanner
