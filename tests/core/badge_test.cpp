// Badge tokens: what a kiosk reads from a QR code must verify only when it
// was signed by the event's key, and anything else must be refused cleanly.
#include "core/badge.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include "core/seoul_event.hpp"

namespace admit::core {
namespace {

using testing::event_keys;

const badge_claims kazan{"seoul-smart-city-2023", "del-kazan-1", "delegate", 1};

// Signs arbitrary text the way sign_badge does, so a malformed token can
// carry a genuine signature and is refused for its format alone.
std::string sign_raw(const std::string& body, const secret_key& key = event_keys().secret) {
    std::array<unsigned char, crypto_sign_BYTES> sig{};
    crypto_sign_detached(
        sig.data(), nullptr, reinterpret_cast<const unsigned char*>(body.data()), body.size(),
        key.data()
    );
    constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string text(sodium_base64_ENCODED_LEN(sig.size(), variant), '\0');
    sodium_bin2base64(text.data(), text.size(), sig.data(), sig.size(), variant);
    text.pop_back();
    return body + "." + text;
}

std::string flip(std::string s, std::size_t at) {
    s[at] = s[at] == 'A' ? 'B' : 'A';
    return s;
}

TEST(Badge, SignedTokenHasTheDocumentedShape) {
    const std::string token = sign_badge(kazan, event_keys().secret);
    const std::string body = "A1.seoul-smart-city-2023.del-kazan-1.delegate.1";
    ASSERT_EQ(token.substr(0, body.size() + 1), body + ".");
    EXPECT_EQ(token.size(), body.size() + 1 + 86);  // 64 bytes in unpadded base64url
    EXPECT_EQ(token, sign_raw(body));  // Ed25519 is deterministic
}

TEST(Badge, VerifiesWhatItSigned) {
    for (const badge_claims& claims : {
             kazan,
             badge_claims{"seoul-smart-city-2023", "vip-mayor", "vip", 2},
             badge_claims{"e", "a", "c", 4294967295u},
             badge_claims{std::string(64, 'x'), std::string(64, '_'), std::string(64, '-'), 7},
         }) {
        const auto check = verify_badge(sign_badge(claims, event_keys().secret), event_keys().pub);
        EXPECT_EQ(check.why, reason::ok) << claims.attendee_id;
        ASSERT_TRUE(check.claims.has_value());
        EXPECT_EQ(*check.claims, claims);
    }
}

TEST(Badge, ForgedSignaturesAreRefused) {
    const std::string token = sign_badge(kazan, event_keys().secret);
    const std::size_t sig_at = token.rfind('.') + 1;
    const badge_keys other = badge_keys::generate();

    struct forged_case {
        const char* what;
        std::string token;
    };
    const forged_case cases[] = {
        {"one signature char changed", flip(token, sig_at + 10)},
        {"first signature char changed", flip(token, sig_at)},
        {"attendee id changed", std::string("A1.seoul-smart-city-2023.del-kazan-2.delegate.1") +
                                    token.substr(sig_at - 1)},
        {"category raised to vip", std::string("A1.seoul-smart-city-2023.del-kazan-1.vip.1") +
                                       token.substr(sig_at - 1)},
        {"version raised", std::string("A1.seoul-smart-city-2023.del-kazan-1.delegate.2") +
                               token.substr(sig_at - 1)},
        {"signed with another key", sign_badge(kazan, other.secret)},
    };
    for (const auto& c : cases) {
        const auto check = verify_badge(c.token, event_keys().pub);
        EXPECT_EQ(check.why, reason::bad_signature) << c.what << ": " << c.token;
        EXPECT_FALSE(check.claims.has_value()) << c.what;
    }
    // The other key's own badges verify with its own public key only.
    EXPECT_EQ(verify_badge(sign_badge(kazan, other.secret), other.pub).why, reason::ok);
}

TEST(Badge, LastSignatureCharChangedIsNeverAccepted) {
    const std::string token = sign_badge(kazan, event_keys().secret);
    for (const char c : std::string("AQgwBCDEaz_-")) {
        std::string t = token;
        if (t.back() == c) {
            continue;
        }
        t.back() = c;
        EXPECT_NE(verify_badge(t, event_keys().pub).why, reason::ok) << t;
    }
}

TEST(Badge, MalformedTokensAreRefusedWithoutThrowing) {
    const std::string good = sign_badge(kazan, event_keys().secret);
    const std::string sig = good.substr(good.rfind('.') + 1);
    const std::string ev = "A1.seoul-smart-city-2023.";

    struct bad_case {
        const char* what;
        std::string token;
    };
    const bad_case cases[] = {
        {"empty", ""},
        {"prefix only", "A1"},
        {"dots only", "....."},
        {"huge", std::string(1'000'000, 'A')},
        {"huge of dots", std::string(100'000, '.')},
        {"wrong prefix", sign_raw("A2.seoul-smart-city-2023.del-kazan-1.delegate.1")},
        {"lower-case prefix", sign_raw("a1.seoul-smart-city-2023.del-kazan-1.delegate.1")},
        {"missing category", sign_raw("A1.seoul-smart-city-2023.del-kazan-1.1")},
        {"missing signature", "A1.seoul-smart-city-2023.del-kazan-1.delegate.1"},
        {"extra field", sign_raw("A1.seoul-smart-city-2023.del-kazan-1.delegate.x.1")},
        {"trailing dot", good + "."},
        {"empty event id", sign_raw("A1..del-kazan-1.delegate.1")},
        {"empty attendee id", sign_raw(ev + ".delegate.1")},
        {"space in id", sign_raw(ev + "del kazan.delegate.1")},
        {"slash in id", sign_raw(ev + "del/kazan.delegate.1")},
        {"hangul id", sign_raw(ev + "김서울.vip.1")},
        {"65-char id", sign_raw(ev + std::string(65, 'a') + ".delegate.1")},
        {"version 0", sign_raw(ev + "del-kazan-1.delegate.0")},
        {"version 01", sign_raw(ev + "del-kazan-1.delegate.01")},
        {"version -1", sign_raw(ev + "del-kazan-1.delegate.-1")},
        {"version +1", sign_raw(ev + "del-kazan-1.delegate.+1")},
        {"version 4294967296", sign_raw(ev + "del-kazan-1.delegate.4294967296")},
        {"version 2^64+1", sign_raw(ev + "del-kazan-1.delegate.18446744073709551617")},
        {"version 1a", sign_raw(ev + "del-kazan-1.delegate.1a")},
        {"version empty", sign_raw(ev + "del-kazan-1.delegate.")},
        {"version with space", sign_raw(ev + "del-kazan-1.delegate. 1")},
        {"signature empty", good.substr(0, good.size() - sig.size())},
        {"signature one char short", good.substr(0, good.size() - 1)},
        {"signature one char long", good + "A"},
        {"signature padded", good + "=="},
        {"signature not base64", good.substr(0, good.size() - 1) + "!"},
        {"signature standard base64", good.substr(0, good.size() - sig.size()) +
                                          std::string(85, '+') + "A"},
        {"trailing newline", good + "\n"},
        {"leading space", " " + good},
        {"NUL inside an id", std::string(good).replace(27, 1, 1, '\0')},
    };
    for (const auto& c : cases) {
        badge_check check;
        EXPECT_NO_THROW(check = verify_badge(c.token, event_keys().pub)) << c.what;
        EXPECT_EQ(check.why, reason::malformed_badge) << c.what << ": " << c.token.substr(0, 120);
        EXPECT_FALSE(check.claims.has_value()) << c.what;
    }
}

TEST(Badge, HighestVersionIsAccepted) {
    const auto check =
        verify_badge(sign_raw("A1.seoul-smart-city-2023.del-kazan-1.delegate.4294967295"),
                     event_keys().pub);
    ASSERT_EQ(check.why, reason::ok);
    EXPECT_EQ(check.claims->version, 4294967295u);
}

TEST(BadgeKeys, GeneratedKeysDiffer) {
    const badge_keys a = badge_keys::generate();
    const badge_keys b = badge_keys::generate();
    EXPECT_NE(a.pub, b.pub);
    EXPECT_NE(a.secret, b.secret);
    EXPECT_NE(a.pub, public_key{});
}

TEST(BadgeKeys, TextRoundTrips) {
    const badge_keys& keys = event_keys();
    const std::string pub_text = key_to_text(keys.pub);
    const std::string secret_text = key_to_text(keys.secret);
    EXPECT_EQ(pub_text.size(), 43u);
    EXPECT_EQ(secret_text.size(), 86u);
    EXPECT_EQ(pub_text.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    EXPECT_EQ(public_key_from_text(pub_text), keys.pub);
    EXPECT_EQ(secret_key_from_text(secret_text), keys.secret);

    // A token signed with the reloaded secret verifies with the reloaded public key.
    const auto token = sign_badge(kazan, *secret_key_from_text(secret_text));
    EXPECT_EQ(verify_badge(token, *public_key_from_text(pub_text)).why, reason::ok);
}

TEST(BadgeKeys, BadTextIsRejected) {
    const std::string pub_text = key_to_text(event_keys().pub);
    const std::string secret_text = key_to_text(event_keys().secret);
    for (const std::string& bad : {
             std::string(),
             pub_text.substr(1),
             pub_text + "A",
             pub_text + "=",
             "+" + pub_text.substr(1),
             "." + pub_text.substr(1),
             " " + pub_text.substr(1),
             secret_text,
         }) {
        EXPECT_FALSE(public_key_from_text(bad).has_value()) << bad;
    }
    for (const std::string& bad : {std::string(), secret_text.substr(1), secret_text + "AA",
                                   pub_text, "/" + secret_text.substr(1)}) {
        EXPECT_FALSE(secret_key_from_text(bad).has_value()) << bad;
    }
}

TEST(IsValidId, AcceptsOnlyTheIdAlphabet) {
    struct id_case {
        std::string id;
        bool valid;
    };
    const id_case cases[] = {
        {"ddp-art2", true},
        {"del_ulaanbaatar_1", true},
        {"A", true},
        {"0", true},
        {std::string(64, 'z'), true},
        {"", false},
        {std::string(65, 'z'), false},
        {"ddp.art2", false},
        {"ddp art2", false},
        {"ddp/art2", false},
        {"ddp+art2", false},
        {"김서울", false},
        {"é", false},
        {std::string("a\0b", 3), false},
        {"hall\n", false},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(is_valid_id(c.id), c.valid) << "\"" << c.id << "\"";
    }
}

}  // namespace
}  // namespace admit::core
