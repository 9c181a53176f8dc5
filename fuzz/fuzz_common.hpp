#pragma once
// Shared by the fuzz targets: the libFuzzer entry point's declaration, and a
// small event used where a parser needs one (the roster's categories, the
// HTTP API's halls). Each target defines LLVMFuzzerTestOneInput; built with
// the fuzz preset it links libFuzzer, otherwise replay_main.cpp feeds it the
// committed corpus (a ctest per target).
// Thread safety: single-threaded, as libFuzzer calls it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "support/test_events.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace admit::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The tests' small event (tests/support/test_events.hpp) with its session at
// fixed times, not taken from the clock, so that an input found by the
// fuzzer replays the same.
inline std::string small_event_toml() {
    using namespace std::chrono;
    return test::small_event_toml_at(sys_days{2023y / 9 / 25}, sys_days{2023y / 9 / 26});
}

}  // namespace admit::fuzz
