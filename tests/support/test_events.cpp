#include "support/test_events.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace admit::test {

namespace {

// A time as the event file writes it: UTC, whole seconds.
std::string utc_toml(std::chrono::system_clock::time_point t) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(t));
}

}  // namespace

std::string small_event_toml(std::string_view extra, std::string_view server_extra) {
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return small_event_toml_at(now - std::chrono::hours(1), now + std::chrono::hours(10), extra, server_extra);
}

std::string small_event_toml_at(std::chrono::system_clock::time_point from,
                                 std::chrono::system_clock::time_point to,
                                 std::string_view extra,
                                 std::string_view server_extra) {
    return fmt::format(R"([event]
id = "test-event"
name = "Test event"
time_zone = "UTC"
utc_offset = "+00:00"

[server]
listen = "127.0.0.1"
port = 0
threads = 2
data_dir = "unused"
{}

[access]
viewer_tokens = ["viewer-token"]
staff_tokens = ["staff-token"]

[[sites]]
id = "site"
name = "Test site"

[[halls]]
id = "main"
name = "Main Hall"
site = "site"
capacity = 3

[[halls]]
id = "side"
name = "Side Room"
site = "site"
capacity = 50

[[stations]]
id = "main-in"
hall = "main"
role = "entrance"
token = "main-in-token"

[[stations]]
id = "main-out"
hall = "main"
role = "exit"
token = "main-out-token"

[[stations]]
id = "side-both"
hall = "side"
role = "both"
token = "side-both-token"

[[categories]]
id = "delegate"
name = "Delegate"
colour = "#2471a3"

[[categories]]
id = "staff"
name = "Staff"
colour = "#2c3e50"
may_enter_full = true

[[categories]]
id = "guest"
name = "Guest"
colour = "#7f8c8d"

[[sessions]]
id = "side-session"
name = "Side session"
hall = "side"
start = {}
end = {}
categories = ["delegate", "staff"]
{}
)",
                       server_extra, utc_toml(from), utc_toml(to), extra);
}

std::string main_hall_session_toml(std::chrono::system_clock::time_point start,
                                   std::chrono::system_clock::time_point end) {
    return fmt::format(R"(
[[sessions]]
id = "main-talk"
name = "Main talk"
hall = "main"
start = {}
end = {}
)",
                       utc_toml(start), utc_toml(end));
}

std::string tls_server_toml(std::string_view cert, std::string_view key) {
    return fmt::format("tls_cert = \"{}\"\ntls_key = \"{}\"", cert, key);
}

std::string postgres_store_toml(std::string_view url) {
    return fmt::format("\n[store]\nbackend = \"postgresql\"\nurl = \"{}\"\n", url);
}

std::string reliability_event_toml() {
    std::string extra = R"(
[[halls]]
id = "arena"
name = "Arena"
site = "site"
capacity = 100000
)";
    for (const auto* s : {"arena-1", "arena-2", "arena-3", "arena-4", "arena-k1", "arena-k2", "arena-k3"}) {
        extra += fmt::format(
            "\n[[stations]]\nid = \"{0}\"\nhall = \"arena\"\nrole = \"both\"\ntoken = \"{0}-token\"\n", s
        );
    }
    return small_event_toml(extra);
}

std::string berlin_autumn_event_toml(std::string_view sessions) {
    return fmt::format(R"([event]
id = "berlin-2026"
name = "Berlin autumn weekend"
time_zone = "Europe/Berlin"

[[sites]]
id = "venue"
name = "Venue"

[[halls]]
id = "hall-a"
name = "Hall A"
site = "venue"
capacity = 100
clear_at = "02:30"

[[halls]]
id = "hall-b"
name = "Hall B"
site = "venue"
capacity = 100

[[stations]]
id = "a-in"
hall = "hall-a"
role = "both"
token = "tok-a-in"

[[stations]]
id = "b-in"
hall = "hall-b"
role = "both"
token = "tok-b-in"

[[categories]]
id = "guest"
name = "Guest"

[[categories]]
id = "vip"
name = "VIP"

[[categories]]
id = "delegate"
name = "Delegate"
{})",
                       sessions);
}

}  // namespace admit::test
