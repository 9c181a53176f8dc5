#include "net/badge_cache.hpp"

namespace admit::net {

badge_cache::badge_cache(core::public_key key, std::size_t capacity, std::size_t forged_capacity)
    : key_(key), capacity_(capacity), forged_capacity_(forged_capacity) {}

core::badge_check badge_cache::check(const std::string& token) {
    {
        std::lock_guard lock(mutex_);
        if (const auto it = genuine_.find(token); it != genuine_.end()) return it->second;
        if (const auto it = forged_.find(token); it != forged_.end()) return it->second;
    }
    auto result = core::verify_badge(token, key_);
    // Garbage is cheap to reject again and must not fill either map.
    if (result.why == core::reason::ok || result.why == core::reason::bad_signature) {
        std::lock_guard lock(mutex_);
        if (result.why == core::reason::ok)
            remember(genuine_, capacity_, token, result);
        else
            remember(forged_, forged_capacity_, token, result);
    }
    return result;
}

badge_cache::sizes badge_cache::size() {
    std::lock_guard lock(mutex_);
    return {genuine_.size(), forged_.size()};
}

void badge_cache::remember(results& map, std::size_t capacity, const std::string& token, const core::badge_check& result) {
    if (map.size() >= capacity) map.clear();
    map.emplace(token, result);
}

}  // namespace admit::net
