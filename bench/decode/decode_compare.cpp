// admit_decode_compare: the kiosk's QR decoder against out-of-the-box ZXing-cpp
// and ZBar on the hard badge set (tests/scanner/decode/hard_set), all three on
// the same grey buffers in the same run, so a busy shared machine slows them
// alike. For each decoder: the share of badges read from one frame, wrong
// texts (a different text than the one encoded, or any text from a frame with
// no code), mean and p99 milliseconds per 1280x720 frame, and the share of
// badges read within the first K consecutive camera frames.
//
// The baselines call ZXing and ZBar directly; that is the point of a
// comparison, and the kiosk itself still reaches ZXing only through qr_decoder.
//
// Usage: admit_decode_compare [--count N] [--seed S] [--takes K] [--each-pass]
//                             [--json FILE] [--dump DIR] [--frames DIR] [--verbose]
//   --json FILE also writes the figures for deploy/scripts/bench.sh's summary.
//   --frames DIR also writes every frame measured as raw 8-bit grey
//   (caseN-takeK.grey, 1280x720, no header) and frames.tsv (file, case,
//   take, expected text), so bench/decode/wasm_decode.mjs decodes the same
//   pixels with the station page's WebAssembly decoder.

// zbar.h first: ZXing's Error.h defines a FormatError macro that breaks zbar's C++ classes.
#include <zbar.h>
// clang-format off
#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>
// clang-format on

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "decode/qr_decoder.hpp"
#include "scanner/decode/hard_set.hpp"
#include "scanner/image_ops.hpp"

namespace {

using admit::scanner::decode_pass;
using admit::scanner::grey_image;
namespace test = admit::scanner::test;

using decode_fn = std::function<std::vector<std::string>(const grey_image&)>;

// ZXing as a user would call it first: default hints (try harder, rotate,
// downscale, local-average binarizer), restricted to QR.
std::vector<std::string> zxing_default(const grey_image& frame) {
    const ZXing::ImageView image(
        frame.pixels.data(), frame.width, frame.height, ZXing::ImageFormat::Lum
    );
    std::vector<std::string> texts;
    for (const ZXing::Result& r : ZXing::ReadBarcodes(
             image, ZXing::DecodeHints().setFormats(ZXing::BarcodeFormat::QRCode)
         )) {
        if (r.isValid()) {
            texts.push_back(r.text());
        }
    }
    return texts;
}

// ZBar's C API: an image scanner with only QR enabled, on the same Y800 buffer.
class zbar_reader {
    using zbar_image_scanner_t = zbar::zbar_image_scanner_t;
    using zbar_image_t = zbar::zbar_image_t;
    using zbar_symbol_t = zbar::zbar_symbol_t;

public:
    zbar_reader() : scanner_(zbar::zbar_image_scanner_create(), &zbar::zbar_image_scanner_destroy) {
        zbar::zbar_image_scanner_set_config(
            scanner_.get(), zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0
        );
        zbar::zbar_image_scanner_set_config(
            scanner_.get(), zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1
        );
    }

    std::vector<std::string> operator()(const grey_image& frame) const {
        const std::unique_ptr<zbar_image_t, decltype(&zbar::zbar_image_destroy)> image(
            zbar::zbar_image_create(), &zbar::zbar_image_destroy
        );
        zbar::zbar_image_set_format(image.get(), zbar_fourcc('Y', '8', '0', '0'));
        zbar::zbar_image_set_size(
            image.get(), static_cast<unsigned>(frame.width), static_cast<unsigned>(frame.height)
        );
        zbar::zbar_image_set_data(image.get(), frame.pixels.data(), frame.pixels.size(), nullptr);
        std::vector<std::string> texts;
        if (zbar::zbar_scan_image(scanner_.get(), image.get()) > 0) {
            for (const zbar_symbol_t* s = zbar::zbar_image_first_symbol(image.get()); s != nullptr;
                 s = zbar::zbar_symbol_next(s)) {
                texts.emplace_back(
                    zbar::zbar_symbol_get_data(s), zbar::zbar_symbol_get_data_length(s)
                );
            }
        }
        return texts;
    }

private:
    std::unique_ptr<zbar_image_scanner_t, decltype(&zbar::zbar_image_scanner_destroy)> scanner_;
};

struct tally {
    std::string id;  // short name for --json
    std::string name;
    decode_fn decode;
    int read_first = 0;      // badges read from the first frame
    int read_within = 0;     // badges read in any of the first K frames
    int wrong = 0;           // texts that were not the encoded one, over all frames
    int empty_wrong = 0;     // ... of which from frames with no code
    std::vector<double> ms;  // every frame
};

double mean(const std::vector<double>& v) {
    double s = 0;
    for (const double x : v) s += x;
    return v.empty() ? 0 : s / static_cast<double>(v.size());
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

int arg_int(int argc, char** argv, std::string_view name, int fallback) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (argv[i] == name) return std::atoi(argv[i + 1]);
    }
    return fallback;
}

std::string arg_string(int argc, char** argv, std::string_view name) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (argv[i] == name) return argv[i + 1];
    }
    return {};
}

bool arg_flag(int argc, char** argv, std::string_view name) {
    for (int i = 1; i < argc; ++i) {
        if (argv[i] == name) return true;
    }
    return false;
}

// The table's figures as JSON, for bench/summary.py (names are plain ASCII).
bool write_json(const std::string& path, int count, int with_code, unsigned seed, int takes,
                const std::vector<tally>& decoders) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) return false;
    std::fprintf(f, "{\"frames\": %d, \"with_badge\": %d, \"seed\": %u, \"takes\": %d, \"decoders\": {",
                 count, with_code, seed, takes);
    for (std::size_t d = 0; d < decoders.size(); ++d) {
        const tally& t = decoders[d];
        std::fprintf(f,
                     "%s\n  \"%s\": {\"name\": \"%s\", \"read_first_pct\": %.2f, \"read_within_pct\": %.2f, "
                     "\"wrong\": %d, \"wrong_from_empty\": %d, \"mean_ms\": %.3f, \"p99_ms\": %.3f}",
                     d == 0 ? "" : ",", t.id.c_str(), t.name.c_str(),
                     100.0 * t.read_first / std::max(1, with_code),
                     100.0 * t.read_within / std::max(1, with_code), t.wrong, t.empty_wrong, mean(t.ms),
                     percentile(t.ms, 0.99));
    }
    std::fprintf(f, "\n}}\n");
    return std::fclose(f) == 0;
}

// Writes the frame's pixels and its line in the index (file, case, take, text).
bool write_frame(
    const std::filesystem::path& dir,
    std::FILE* index,
    const test::hard_case& c,
    int take,
    const grey_image& frame
) {
    const std::string name =
        "case" + std::to_string(c.index) + "-take" + std::to_string(take) + ".grey";
    std::FILE* f = std::fopen((dir / name).c_str(), "wb");
    if (f == nullptr) return false;
    const bool written =
        std::fwrite(frame.pixels.data(), 1, frame.pixels.size(), f) == frame.pixels.size();
    if (std::fclose(f) != 0 || !written) return false;
    return std::fprintf(index, "%s\t%d\t%d\t%s\n", name.c_str(), c.index, take, c.text.c_str()) > 0;
}

}  // namespace

int main(int argc, char** argv) {
    const int count = arg_int(argc, argv, "--count", 300);
    const auto seed = static_cast<unsigned>(arg_int(argc, argv, "--seed", 2024));
    const int takes = std::max(1, arg_int(argc, argv, "--takes", 3));
    const std::string dump = arg_string(argc, argv, "--dump");
    const std::string json = arg_string(argc, argv, "--json");
    const bool verbose = arg_flag(argc, argv, "--verbose");
    // Also run each of our passes alone on every first frame: what each adds.
    const bool each_pass = arg_flag(argc, argv, "--each-pass");
    if (!dump.empty()) std::filesystem::create_directories(dump);
    const std::string frames_dir = arg_string(argc, argv, "--frames");
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> frames_index(nullptr, &std::fclose);
    if (!frames_dir.empty()) {
        std::filesystem::create_directories(frames_dir);
        const std::string index_path = (std::filesystem::path(frames_dir) / "frames.tsv").string();
        frames_index.reset(std::fopen(index_path.c_str(), "w"));
        if (frames_index == nullptr) {
            std::fprintf(stderr, "admit_decode_compare: cannot write %s\n", index_path.c_str());
            return 1;
        }
    }

    const admit::scanner::qr_decoder ours;
    const zbar_reader zbar;
    std::vector<tally> decoders;
    const auto add = [&](std::string id, std::string name, decode_fn fn) {
        tally t;
        t.id = std::move(id);
        t.name = std::move(name);
        t.decode = std::move(fn);
        decoders.push_back(std::move(t));
    };
    add("zxing", "ZXing default", zxing_default);
    add("zbar", "ZBar", std::cref(zbar));
    add("ours", "ours (qr_decoder)", [&](const grey_image& f) { return ours.decode(f.view()); });

    const std::vector<decode_pass> passes = ours.options().passes;
    std::vector<int> pass_reads(passes.size(), 0);
    std::vector<int> pass_only(passes.size(), 0);
    std::vector<std::vector<double>> pass_ms(passes.size());

    const std::vector<test::hard_case> cases = test::hard_cases(count, seed);
    int with_code = 0;
    for (const test::hard_case& c : cases) {
        if (!c.text.empty()) ++with_code;
        std::vector<bool> read_first(decoders.size(), false);
        std::vector<bool> read_any(decoders.size(), false);
        for (int take = 0; take < takes; ++take) {
            const grey_image frame = test::hard_frame(c, take);
            if (frames_index != nullptr &&
                !write_frame(frames_dir, frames_index.get(), c, take, frame)) {
                std::fprintf(
                    stderr, "admit_decode_compare: cannot write frames to %s\n", frames_dir.c_str()
                );
                return 1;
            }
            // Rotate who goes first, so caches and a busy neighbour favour no one.
            for (std::size_t k = 0; k < decoders.size(); ++k) {
                const std::size_t d =
                    (k + static_cast<std::size_t>(c.index + take)) % decoders.size();
                tally& t = decoders[d];
                const auto start = std::chrono::steady_clock::now();
                const std::vector<std::string> texts = t.decode(frame);
                const std::chrono::duration<double, std::milli> took =
                    std::chrono::steady_clock::now() - start;
                t.ms.push_back(took.count());
                bool right = false;
                for (const std::string& text : texts) {
                    if (!c.text.empty() && text == c.text) {
                        right = true;
                    } else {
                        ++t.wrong;
                        if (c.text.empty()) ++t.empty_wrong;
                        std::printf(
                            "WRONG %s take %d %s: \"%s\"\n", t.name.c_str(), take,
                            test::describe(c).c_str(), text.c_str()
                        );
                    }
                }
                if (right && take == 0) read_first[d] = true;
                if (right) read_any[d] = true;
            }
            if (each_pass && take == 0) {
                std::vector<bool> hit(passes.size(), false);
                for (std::size_t p = 0; p < passes.size(); ++p) {
                    admit::scanner::decoder_options one;
                    one.passes = {passes[p]};
                    const admit::scanner::qr_decoder alone(one);
                    const auto start = std::chrono::steady_clock::now();
                    const std::vector<std::string> texts = alone.decode(frame.view());
                    const std::chrono::duration<double, std::milli> took =
                        std::chrono::steady_clock::now() - start;
                    pass_ms[p].push_back(took.count());
                    hit[p] = !c.text.empty() && texts == std::vector<std::string>{c.text};
                    pass_reads[p] += hit[p] ? 1 : 0;
                }
                for (std::size_t p = 0; p < passes.size(); ++p) {
                    if (hit[p] && std::count(hit.begin(), hit.end(), true) == 1) ++pass_only[p];
                }
            }
            if (!dump.empty() && take == 0 && !c.text.empty() && !read_first.back()) {
                test::write_png(
                    std::filesystem::path(dump) / ("case" + std::to_string(c.index) + ".png"), frame
                );
            }
        }
        for (std::size_t d = 0; d < decoders.size(); ++d) {
            decoders[d].read_first += read_first[d] ? 1 : 0;
            decoders[d].read_within += read_any[d] ? 1 : 0;
        }
        if (verbose && !c.text.empty()) {
            std::printf(
                "%-95s zx=%d zb=%d ours=%d\n", test::describe(c).c_str(),
                static_cast<int>(read_first[0]), static_cast<int>(read_first[1]),
                static_cast<int>(read_first[2])
            );
        }
    }

    const double zbar_ms = mean(decoders[1].ms);
    std::printf(
        "\nhard set: %d frames 1280x720 (%d with a badge, %d without), seed %u, %d "
        "consecutive frames each\n\n",
        count, with_code, count - with_code, seed, takes
    );
    std::printf(
        "%-18s %8s %10s %7s %9s %9s %14s\n", "decoder", "read %", "read <=", "wrong", "mean ms",
        "p99 ms", "ZBar ms / ms"
    );
    std::printf("%-18s %8s %7d fr %7s %9s %9s %14s\n", "", "1 frame", takes, "", "", "", "");
    for (const tally& t : decoders) {
        const double m = mean(t.ms);
        std::printf(
            "%-18s %7.1f%% %9.1f%% %7d %9.2f %9.2f %13.2fx\n", t.name.c_str(),
            100.0 * t.read_first / std::max(1, with_code),
            100.0 * t.read_within / std::max(1, with_code), t.wrong, m, percentile(t.ms, 0.99),
            m > 0 ? zbar_ms / m : 0.0
        );
    }
    if (each_pass) {
        std::printf(
            "\neach of our passes alone, first frames:\n%-6s %8s %10s %9s\n", "pass", "read %",
            "only this", "mean ms"
        );
        for (std::size_t p = 0; p < passes.size(); ++p) {
            std::printf(
                "%-6zu %7.1f%% %10d %9.2f\n", p + 1, 100.0 * pass_reads[p] / std::max(1, with_code),
                pass_only[p], mean(pass_ms[p])
            );
        }
    }
    if (frames_index != nullptr && std::fclose(frames_index.release()) != 0) {
        std::fprintf(
            stderr, "admit_decode_compare: cannot write frames.tsv in %s\n", frames_dir.c_str()
        );
        return 1;
    }
    if (!json.empty() && !write_json(json, count, with_code, seed, takes, decoders)) {
        std::fprintf(stderr, "admit_decode_compare: cannot write %s\n", json.c_str());
        return 1;
    }
    return 0;
}
