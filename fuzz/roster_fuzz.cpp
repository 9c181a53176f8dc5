// The roster CSV organisers upload (admit import-roster, POST /api/roster):
// any bytes. parse_roster_csv must never crash; every accepted person has a
// valid id and one of the event's categories, and every problem has a line.
#include <cstdlib>

#include "config/event_loader.hpp"
#include "config/roster_csv.hpp"
#include "core/badge.hpp"
#include "fuzz_common.hpp"

using namespace admit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto config = config::parse_config(fuzz::small_event_toml(), "fuzz.toml");
    const auto result = config::parse_roster_csv(fuzz::as_text(data, size), config.event);
    for (const auto& p : result.problems)
        if (p.line == 0 || p.message.empty()) std::abort();
    if (result.ok()) {
        for (const auto& a : result.people) {
            if (!core::is_valid_id(a.id)) std::abort();
            bool known = false;
            for (const auto& c : config.event.categories) known = known || c.id == a.category;
            if (!known) std::abort();
        }
        // Written back and read again, it is the same roster.
        const auto again = config::parse_roster_csv(config::roster_to_csv(result.people), config.event);
        if (!again.ok() || again.people.size() != result.people.size()) std::abort();
    }
    return 0;
}
