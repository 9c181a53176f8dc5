#pragma once
// A verdict: admitted, or refused with a reason and a one-line explanation.
// Refusals are results, not errors. Thread safety: plain values.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace admit::core {

// Same numbering as admit.wire.Reason (proto/admit/station.proto); the codec relies on it.
enum class reason : std::uint8_t {
    ok = 1,
    malformed_badge = 2,
    bad_signature = 3,
    wrong_event = 4,
    unknown_badge = 5,
    revoked_badge = 6,
    category_not_allowed = 7,
    hall_not_open = 8,
    hall_closed = 9,
    wrong_direction = 10,
    already_inside = 11,
    not_inside = 12,
    hall_full = 13,
    unknown_station = 14,
    in_other_hall = 15,
};
inline constexpr std::uint8_t reason_max = 15;

// Stable snake_case code used in logs, JSON, CSV and metrics: "hall_full".
std::string_view reason_code(reason r);
// Parses reason_code()'s output back; nullopt for anything else.
std::optional<reason> reason_from_code(std::string_view code);

struct verdict {
    bool admitted = false;
    reason why = reason::ok;
    bool warning = false;     // admitted, but staff should look (passback "warn")
    std::string explanation;  // one sentence for door staff: "Hall is full (450/450)."

    friend bool operator==(const verdict&, const verdict&) = default;
};

}  // namespace admit::core
