#pragma once
// Shared by the fuzz targets: the libFuzzer entry point's declaration, and a
// small event used where a parser needs one (the roster's categories, the
// HTTP API's halls). Each target defines LLVMFuzzerTestOneInput; built with
// the fuzz preset it links libFuzzer, otherwise replay_main.cpp feeds it the
// committed corpus (a ctest per target).
// Thread safety: single-threaded, as libFuzzer calls it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace admit::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// A complete, valid event TOML: two halls, stations, categories, a session.
// Not tests/support's small_event_toml: its session times are fixed, not
// taken from the clock, so that an input found by the fuzzer replays the same.
inline constexpr const char* small_event_toml = R"([event]
id = "fuzz-event"
name = "Fuzz event"
time_zone = "UTC"
utc_offset = "+00:00"

[server]
listen = "127.0.0.1"
port = 0
threads = 1
data_dir = "unused"

[access]
viewer_tokens = ["viewer-token"]
staff_tokens = ["staff-token"]

[[sites]]
id = "site"
name = "Site"

[[halls]]
id = "main"
name = "Main Hall"
site = "site"
capacity = 3

[[halls]]
id = "side"
name = "Side Room"
site = "site"
capacity = 50

[[stations]]
id = "main-in"
hall = "main"
role = "entrance"
token = "main-in-token"

[[stations]]
id = "side-both"
hall = "side"
role = "both"
token = "side-both-token"

[[categories]]
id = "delegate"
name = "Delegate"
colour = "#2471a3"

[[categories]]
id = "staff"
name = "Staff"
colour = "#2c3e50"
may_enter_full = true

[[sessions]]
id = "side-session"
name = "Side session"
hall = "side"
start = 2023-09-25T00:00:00Z
end = 2023-09-26T00:00:00Z
categories = ["delegate", "staff"]
)";

}  // namespace admit::fuzz
