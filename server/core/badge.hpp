#pragma once
// Badge tokens: the compact text in a badge's QR code, signed with Ed25519.
//
//   A1.<event_id>.<attendee_id>.<category>.<version>.<signature>
//
// The signature (64 bytes, base64url without padding) covers everything
// before the last '.', so the kiosk and the server verify a badge offline
// with the event's public key alone. Ids are [A-Za-z0-9_-], 1..64 chars.
// Thread safety: free functions over values; libsodium is initialised once
// by badge_keys::generate / any call here (sodium_init is idempotent).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/roster.hpp"
#include "core/verdict.hpp"

namespace admit::core {

struct badge_claims {
    std::string event_id;
    std::string attendee_id;
    std::string category;
    std::uint32_t version = 1;

    friend bool operator==(const badge_claims&, const badge_claims&) = default;
};

using public_key = std::array<unsigned char, 32>;
using secret_key = std::array<unsigned char, 64>;

struct badge_keys {
    public_key pub{};
    secret_key secret{};

    static badge_keys generate();
};

// Base64url (no padding) text of a key, as kept in key files and sent to kiosks.
std::string key_to_text(const public_key& key);
std::string key_to_text(const secret_key& key);
std::optional<public_key> public_key_from_text(std::string_view text);
std::optional<secret_key> secret_key_from_text(std::string_view text);

// A short name of a public key, to tell two keys apart in messages and to
// keep in the event's database: the first 8 bytes of its BLAKE2b hash, and
// that as 16 hex digits ("9f3c01a2b4d5e6f7").
std::uint64_t key_fingerprint(const public_key& key);
std::string fingerprint_text(std::uint64_t fingerprint);

// True when s is a valid id for badges, attendees, halls, stations: [A-Za-z0-9_-]{1,64}.
bool is_valid_id(std::string_view s);

// Signs claims into a token. Precondition: every id passes is_valid_id.
std::string sign_badge(const badge_claims& claims, const secret_key& key);

// The token printed on a person's badge now: their id, category and current
// badge version, for this event.
std::string sign_badge_of(const std::string& event_id, const attendee& person, const secret_key& key);

struct badge_check {
    reason why = reason::ok;  // ok, malformed_badge or bad_signature
    std::optional<badge_claims> claims;  // set when why == ok
};

// Parses and verifies a token. Never throws, whatever the input.
badge_check verify_badge(std::string_view token, const public_key& key);

}  // namespace admit::core
