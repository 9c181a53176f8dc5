// Badge payloads as a camera or a handheld scanner delivers them: any bytes.
// verify_badge must never crash or throw, and accept only what the key signed.
#include <cstdlib>

#include "core/badge.hpp"
#include "fuzz_common.hpp"

using namespace admit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The public half of a key pair made once with `admit keygen`; the corpus
    // holds genuine badges it signed (genuine_*), for the fuzzer to mutate.
    static const core::public_key key =
        core::public_key_from_text("lZEOdn8qas3CAX7Vrcbxhl_EA7qgQhwltqS33NoxE6w").value();
    const auto text = fuzz::as_text(data, size);
    const auto check = core::verify_badge(text, key);
    if (check.why == core::reason::ok) {
        // Only a signed token verifies, and what it claims are valid ids.
        if (!check.claims || !core::is_valid_id(check.claims->attendee_id) ||
            !core::is_valid_id(check.claims->event_id))
            std::abort();
    }
    (void)core::public_key_from_text(text);
    (void)core::secret_key_from_text(text);
    (void)core::is_valid_id(text);
    return 0;
}
