#pragma once
// The rules a kiosk needs to decide offline, as JSON: the event (halls,
// stations, categories, sessions, policies), the badge public key, the
// revocation list and last known occupancy. The server writes it at
// GET /api/station/rules; the kiosk reads it back and keeps it on disk.
// Thread safety: free functions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/badge.hpp"
#include "core/event.hpp"
#include "core/roster.hpp"

namespace admit::protocol {

struct revoked_badge {
    std::string attendee_id;
    std::uint32_t current_version = 1;  // tokens with a lower version are revoked
};

struct station_rules {
    core::event_config event;  // station token hashes are never included
    core::public_key badge_key{};
    std::vector<revoked_badge> revoked;
    std::vector<std::pair<std::string, int>> inside;  // hall id -> people inside when fetched
    std::int64_t fetched_at_ms = 0;
};

std::string rules_to_json(const station_rules& rules);
// nullopt with `error` set when the text is not valid rules JSON.
std::optional<station_rules> rules_from_json(const std::string& text, std::string& error);

// A roster's revocation list: everyone whose badge was reissued.
std::vector<revoked_badge> revocations_of(const core::roster& people);

}  // namespace admit::protocol
