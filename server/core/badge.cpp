// Badge tokens: parse, sign and verify. The same code runs in the kiosk and
// the server, so a badge is judged the same way online and offline.
#include "core/badge.hpp"

#include <sodium.h>

#include <stdexcept>
#include <vector>

namespace admit::core {

namespace {

constexpr std::string_view token_prefix = "A1";
constexpr std::size_t token_fields = 6;  // prefix, event, attendee, category, version, signature
constexpr std::size_t max_id_length = 64;
constexpr int b64_variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
// Longest well-formed token: four 64-char ids, a 10-digit version, 86 signature
// chars and five dots. Anything longer is refused before any work is done.
constexpr std::size_t max_token_length = 2 + 3 * max_id_length + 10 + 86 + 5;

void ensure_sodium() {
    // sodium_init is idempotent and thread-safe; the static keeps later calls free.
    static const int ready = sodium_init();
    (void)ready;
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

template <std::size_t N>
std::string to_base64(const std::array<unsigned char, N>& bin) {
    ensure_sodium();
    std::string out(sodium_base64_ENCODED_LEN(N, b64_variant), '\0');
    sodium_bin2base64(out.data(), out.size(), bin.data(), bin.size(), b64_variant);
    out.resize(out.size() - 1);  // drop the terminating NUL sodium writes
    return out;
}

// Decodes base64url text of exactly N bytes; nullopt for bad characters,
// trailing garbage, non-zero padding bits or any other length.
template <std::size_t N>
std::optional<std::array<unsigned char, N>> from_base64(std::string_view text) {
    ensure_sodium();
    if (text.size() != sodium_base64_ENCODED_LEN(N, b64_variant) - 1) {
        return std::nullopt;
    }
    std::array<unsigned char, N> bin{};
    std::size_t bin_len = 0;
    const char* end = nullptr;
    const int rc = sodium_base642bin(
        bin.data(), bin.size(), text.data(), text.size(), nullptr, &bin_len, &end, b64_variant
    );
    if (rc != 0 || bin_len != N || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return bin;
}

// Splits on '.' into at most max_parts + 1 pieces (so "too many" is still detectable).
std::vector<std::string_view> split_dots(std::string_view s, std::size_t max_parts) {
    std::vector<std::string_view> parts;
    while (parts.size() <= max_parts) {
        const auto dot = s.find('.');
        parts.push_back(s.substr(0, dot));
        if (dot == std::string_view::npos) {
            break;
        }
        s.remove_prefix(dot + 1);
    }
    return parts;
}

// A decimal uint32 in 1..4294967295: digits only, no sign, no leading zero.
std::optional<std::uint32_t> parse_version(std::string_view s) {
    if (s.empty() || s.size() > 10 || s.front() == '0') {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value > UINT32_MAX) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(value);
}

std::string signed_part(const badge_claims& claims) {
    std::string body;
    body.reserve(max_token_length);
    body.append(token_prefix)
        .append(".")
        .append(claims.event_id)
        .append(".")
        .append(claims.attendee_id)
        .append(".")
        .append(claims.category)
        .append(".")
        .append(std::to_string(claims.version));
    return body;
}

}  // namespace

badge_keys badge_keys::generate() {
    if (sodium_init() < 0) {
        // Only at start-up or in the admin tool: without libsodium there are no badges.
        throw std::runtime_error("libsodium could not be initialised; cannot generate badge keys");
    }
    badge_keys keys;
    crypto_sign_keypair(keys.pub.data(), keys.secret.data());
    return keys;
}

std::string key_to_text(const public_key& key) {
    return to_base64(key);
}

std::string key_to_text(const secret_key& key) {
    return to_base64(key);
}

std::optional<public_key> public_key_from_text(std::string_view text) {
    return from_base64<crypto_sign_PUBLICKEYBYTES>(text);
}

std::optional<secret_key> secret_key_from_text(std::string_view text) {
    return from_base64<crypto_sign_SECRETKEYBYTES>(text);
}

std::uint64_t key_fingerprint(const public_key& key) {
    std::array<unsigned char, 8> hash{};
    crypto_generichash(hash.data(), hash.size(), key.data(), key.size(), nullptr, 0);
    std::uint64_t value = 0;
    for (const auto byte : hash) value = (value << 8) | byte;
    return value;
}

std::string fingerprint_text(std::uint64_t fingerprint) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string text(16, '0');
    for (int i = 15; i >= 0; --i) {
        text[static_cast<std::size_t>(i)] = digits[fingerprint & 0xf];
        fingerprint >>= 4;
    }
    return text;
}

bool is_valid_id(std::string_view s) {
    if (s.empty() || s.size() > max_id_length) {
        return false;
    }
    for (const char c : s) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::string sign_badge(const badge_claims& claims, const secret_key& key) {
    ensure_sodium();
    std::string token = signed_part(claims);
    std::array<unsigned char, crypto_sign_BYTES> sig{};
    crypto_sign_detached(sig.data(), nullptr, bytes(token), token.size(), key.data());
    token.append(".").append(to_base64(sig));
    return token;
}

badge_check verify_badge(std::string_view token, const public_key& key) {
    const badge_check malformed{reason::malformed_badge, std::nullopt};
    if (token.size() > max_token_length) {
        return malformed;
    }
    const auto parts = split_dots(token, token_fields);
    if (parts.size() != token_fields || parts[0] != token_prefix) {
        return malformed;
    }
    if (!is_valid_id(parts[1]) || !is_valid_id(parts[2]) || !is_valid_id(parts[3])) {
        return malformed;
    }
    const auto version = parse_version(parts[4]);
    const auto sig = from_base64<crypto_sign_BYTES>(parts[5]);
    if (!version || !sig) {
        return malformed;
    }

    // The signature covers the exact bytes before the last '.', as signed.
    const auto body = token.substr(0, token.size() - parts[5].size() - 1);
    ensure_sodium();
    if (crypto_sign_verify_detached(sig->data(), bytes(body), body.size(), key.data()) != 0) {
        return {reason::bad_signature, std::nullopt};
    }
    return {
        reason::ok,
        badge_claims{std::string(parts[1]), std::string(parts[2]), std::string(parts[3]), *version},
    };
}

std::string sign_badge_of(const std::string& event_id, const attendee& person, const secret_key& key) {
    return sign_badge({event_id, person.id, person.category, person.badge_version}, key);
}

}  // namespace admit::core
