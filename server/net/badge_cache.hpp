#pragma once
// Verified badge tokens, remembered: checking an Ed25519 signature costs
// ~50 µs, and the same badge is scanned again at every door. Sessions check
// a scan's badge here, on their own network thread, so the engine's single
// writer thread never pays for signatures.
// Thread safety: check() is safe from any thread (one mutex around the map;
// verification itself runs outside it).

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/badge.hpp"

namespace admit::net {

class badge_cache {
public:
    badge_cache(core::public_key key, std::size_t capacity = 200'000);

    // verify_badge(token, key), from memory when this token was seen before.
    core::badge_check check(const std::string& token);

private:
    core::public_key key_;
    std::size_t capacity_;
    std::mutex mutex_;  // guards results_
    std::unordered_map<std::string, core::badge_check> results_;
};

}  // namespace admit::net
