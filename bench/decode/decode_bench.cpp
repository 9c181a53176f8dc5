// How long the kiosk's decoder takes per 1280x720 camera frame: the budget
// for a 15 fps camera is 66 ms, and frames with no badge (most of them) take
// every pass, so they are the ones that matter.

#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>

#include "decode/qr_decoder.hpp"
#include "scanner/image_ops.hpp"

namespace {

using admit::scanner::decoder_options;
using admit::scanner::grey_image;
using admit::scanner::qr_decoder;
namespace test = admit::scanner::test;

const std::string token = test::badge_like_token(42);

// A crisp badge, 4 px modules, off-centre: read by the fast pass.
grey_image clean_frame() {
    return test::scene(1280, 720, test::qr_image(token, 4), 760, 200);
}

// Tilted, soft, grainy, 3 px modules: needs the try-harder pass.
grey_image hard_frame() {
    const grey_image badge =
        test::low_contrast(test::rotated(test::qr_image(token, 3), 20.0), 30, 230);
    return test::noisy(test::blurred(test::scene(1280, 720, badge, 820, 300), 1.0), 8.0);
}

// The hall with nobody holding up a badge.
grey_image empty_frame() {
    return test::noisy(test::scene(1280, 720), 8.0);
}

decoder_options fast_only() {
    decoder_options options;
    options.passes.resize(1);
    return options;
}

void run(benchmark::State& state, const grey_image& frame, const decoder_options& options,
         std::size_t expected) {
    const qr_decoder decoder(options);
    if (decoder.decode(frame.view()).size() != expected) {
        state.SkipWithError("the frame did not decode as expected");
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(decoder.decode(frame.view()));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void decode_clean_badge(benchmark::State& state) {
    run(state, clean_frame(), {}, 1);
}
void decode_hard_badge(benchmark::State& state) {
    run(state, hard_frame(), {}, 1);
}
void decode_no_badge(benchmark::State& state) {
    run(state, empty_frame(), {}, 0);
}
void decode_no_badge_fast_pass_only(benchmark::State& state) {
    run(state, empty_frame(), fast_only(), 0);
}

}  // namespace

BENCHMARK(decode_clean_badge)->Unit(benchmark::kMillisecond);
BENCHMARK(decode_hard_badge)->Unit(benchmark::kMillisecond);
BENCHMARK(decode_no_badge)->Unit(benchmark::kMillisecond);
BENCHMARK(decode_no_badge_fast_pass_only)->Unit(benchmark::kMillisecond);
