#pragma once
// Verified badge tokens, remembered: checking an Ed25519 signature costs
// ~50 µs, and the same badge is scanned again at every door. Sessions check
// a scan's badge here, on their own network thread, so the engine's single
// writer thread never pays for signatures.
// Forged badges (a badge's shape, a wrong signature) are remembered too, in a
// smaller map of their own: someone trying one at every door costs one check,
// and a flood of different forgeries cannot push genuine badges out.
// Thread safety: check() and size() are safe from any thread (one mutex
// around the maps; verification itself runs outside it).

#include <cstddef>
#include <mutex>
#include <string>

#include "core/badge.hpp"
#include "core/string_map.hpp"

namespace admit::net {

class badge_cache {
public:
    badge_cache(core::public_key key, std::size_t capacity = 200'000, std::size_t forged_capacity = 10'000);

    // verify_badge(token, key), from memory when this token was seen before.
    core::badge_check check(const std::string& token);

    struct sizes {
        std::size_t genuine = 0;
        std::size_t forged = 0;
    };
    sizes size();

private:
    // Open addressing: every scan looks its badge up here, and a node map's
    // lookups were about 3 % of the network threads' time (BENCHMARKS.md section 1).
    using results = core::flat_string_map<core::badge_check>;
    // A full map starts again empty: rare, and cheaper than tracking use.
    static void remember(results& map, std::size_t capacity, const std::string& token, const core::badge_check& result);

    core::public_key key_;
    std::size_t capacity_;
    std::size_t forged_capacity_;
    std::mutex mutex_;  // guards genuine_ and forged_
    results genuine_;
    results forged_;  // bad_signature only: malformed text is rejected before any signature check
};

}  // namespace admit::net
