#pragma once
// The event model: sites, halls, stations, categories, sessions and policies,
// as read from an event's TOML file. Plain data, validated once at load
// (config/event_loader), then read-only for the life of the process.
// Thread safety: immutable once loaded; share freely by const reference. A
// reload while the server runs builds a new one (engine::replace_event).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/local_clock.hpp"

namespace admit::core {

// All times inside admit are UTC milliseconds; only config, display and
// reports use the event's local time (event_config::zone).

enum class direction : std::uint8_t { entry, exit };
enum class station_role : std::uint8_t { entrance, exit, both };

// "entrance", "exit" or "both": the one spelling of a role in configs, rules,
// the protocol and the API.
const char* role_text(station_role role);
// The role a text names; nullopt for any other text.
std::optional<station_role> role_from_text(std::string_view text);

// Anti-passback: what a second entry into the same hall without an exit does.
enum class passback_policy : std::uint8_t { refuse, warn };

// What an entry into hall B does to a person still recorded inside hall A.
enum class move_policy : std::uint8_t {
    move,    // treat it as an exit from A and an entry into B (people forget to scan out)
    refuse,  // refuse the entry until they exit A
};

struct site {
    std::string id;
    std::string name;
};

struct hall {
    std::string id;
    std::string name;
    std::string site_id;
    int capacity = 0;
    // Optional daily time (minutes after local midnight in the event's time
    // zone) at which everyone still inside is exited by the server.
    std::optional<std::chrono::minutes> clear_at;
};

struct station {
    std::string id;
    std::string hall_id;
    station_role role = station_role::both;
    // libsodium crypto_generichash (32 bytes, hex) of the station's token; the
    // plain token is never kept in memory after loading.
    std::string token_hash;
};

struct category {
    std::string id;    // "vip", "speaker", ...
    std::string name;  // "VIP"
    std::string colour;  // "#c0392b", for badges and the dashboard
    bool may_enter_full = false;  // e.g. staff, security
};

struct session {
    std::string id;
    std::string name;
    std::string hall_id;
    time_point start;
    time_point end;
    std::vector<std::string> categories;  // who may enter; empty = every category
    std::chrono::minutes checkin_before{30};  // check-in opens this long before start
    std::chrono::minutes late_entry{0};       // entries still taken this long after end
};

// The session's check-in window, the one decide() admits entries in: from
// checkin_before before start to late_entry after end, compared in whole
// seconds with both ends included (as people read a schedule).
bool in_checkin_window(const session& s, time_point t);

struct policies {
    passback_policy passback = passback_policy::refuse;
    move_policy on_entry_elsewhere = move_policy::move;
    // A read of the same badge at the same hall and direction this soon after
    // the last counted one is a duplicate (same verdict, changes nothing). 0: off.
    std::chrono::milliseconds duplicate_window{std::chrono::seconds(2)};
};

struct event_config {
    std::string id;         // goes into every badge token: "seoul-smart-city-2023"
    std::string name;
    // IANA name, e.g. "Europe/Berlin"; empty for an old config that gives
    // only a fixed utc_offset.
    std::string time_zone;
    // The event's local time: session times, daily clear-out, report days and
    // every displayed time. Resolved from time_zone (daylight saving
    // included) or utc_offset by the config loader.
    local_clock zone;
    std::vector<site> sites;
    std::vector<hall> halls;
    std::vector<station> stations;
    std::vector<category> categories;
    std::vector<session> sessions;
    policies rules;
    // Optional Korean forms of names (name_ko in the config), by "site:ID",
    // "hall:ID", "category:ID" and "session:ID"; the dashboard shows them in Korean.
    std::map<std::string, std::string, std::less<>> names_ko;

    // The Korean form of a name, or empty: korean_name("hall", "ddp-art-hall-2").
    std::string korean_name(std::string_view kind, std::string_view thing_id) const;
    const hall* find_hall(std::string_view hall_id) const;
    const station* find_station(std::string_view station_id) const;
    const category* find_category(std::string_view category_id) const;
    const site* find_site(std::string_view site_id) const;
};

}  // namespace admit::core
