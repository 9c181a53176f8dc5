// Reason codes: the stable snake_case names used in logs, JSON, CSV and metrics.
#include "core/verdict.hpp"

#include <array>

namespace admit::core {

namespace {

// Indexed by the enum's value; index 0 is unused (the wire enum starts at 1).
constexpr std::array<std::string_view, reason_max + 1> codes{
    "",
    "ok",
    "malformed_badge",
    "bad_signature",
    "wrong_event",
    "unknown_badge",
    "revoked_badge",
    "category_not_allowed",
    "hall_not_open",
    "hall_closed",
    "wrong_direction",
    "already_inside",
    "not_inside",
    "hall_full",
    "unknown_station",
    "in_other_hall",
};

}  // namespace

std::string_view reason_code(reason r) {
    const auto i = static_cast<std::size_t>(r);
    // A value outside the enum (e.g. cast from a newer wire message) has no code.
    return i < codes.size() ? codes[i] : std::string_view{};
}

std::optional<reason> reason_from_code(std::string_view code) {
    if (code.empty()) {
        return std::nullopt;
    }
    for (std::size_t i = 1; i < codes.size(); ++i) {
        if (codes[i] == code) {
            return static_cast<reason>(i);
        }
    }
    return std::nullopt;
}

}  // namespace admit::core
