// The event TOML: any bytes. parse_config either returns a config or throws
// config_error listing problems (each "file:line: ..."); any other exception
// or a crash is a bug.
#include <cstdlib>
#include <string>

#include "config/event_loader.hpp"
#include "fuzz_common.hpp"

using namespace admit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto loaded = config::parse_config(fuzz::as_text(data, size), "fuzz.toml");
        for (const auto& h : loaded.event.halls)
            if (h.capacity < 1) std::abort();  // the loader refuses these
    } catch (const config::config_error& e) {
        if (e.problems().empty()) std::abort();
    }
    return 0;
}
