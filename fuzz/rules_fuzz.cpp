// The offline rules JSON a kiosk reads from the server and from its disk
// (a file that may be truncated by a power cut): rules_from_json must never
// crash, and what it accepts must write back and read again the same.
#include <cstdlib>
#include <string>

#include "fuzz_common.hpp"
#include "protocol/rules_json.hpp"

using namespace admit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(fuzz::as_text(data, size));
    std::string error;
    const auto rules = protocol::rules_from_json(text, error);
    if (!rules) {
        if (error.empty()) std::abort();  // a refusal always says why
        return 0;
    }
    const auto again_text = protocol::rules_to_json(*rules);
    std::string again_error;
    const auto again = protocol::rules_from_json(again_text, again_error);
    if (!again) std::abort();
    if (protocol::rules_to_json(*again) != again_text) std::abort();
    return 0;
}
