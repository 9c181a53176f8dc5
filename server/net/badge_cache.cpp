#include "net/badge_cache.hpp"

namespace admit::net {

badge_cache::badge_cache(core::public_key key, std::size_t capacity) : key_(key), capacity_(capacity) {}

core::badge_check badge_cache::check(const std::string& token) {
    {
        std::lock_guard lock(mutex_);
        if (const auto it = results_.find(token); it != results_.end()) return it->second;
    }
    auto result = core::verify_badge(token, key_);
    // Only genuine badges are worth remembering; garbage must not fill the cache.
    if (result.why == core::reason::ok) {
        std::lock_guard lock(mutex_);
        if (results_.size() >= capacity_) results_.clear();  // rare: more badges than the cache holds
        results_.emplace(token, result);
    }
    return result;
}

}  // namespace admit::net
