#pragma once
// Test support: the event configs (TOML text) the tests start from, each
// written out once here. A test adds what its case is about (a session, a
// station, a policy) and keeps broken fragments for error messages inline.

#include <chrono>
#include <string>
#include <string_view>

namespace admit::test {

// A small event open right now, for tests of the server and its clients.
//   hall "main" (capacity 3): station "main-in" (entrance), "main-out" (exit)
//   hall "side" (capacity 50): station "side-both" (both); session
//   "side-session" (delegate, staff) open from an hour ago to ten hours ahead
// Tokens are "<station>-token". Viewer token "viewer-token", staff "staff-token".
// Categories delegate, staff (may enter full), guest.
// `extra` is appended at the end; `server_extra` goes into the [server] table.
std::string small_event_toml(std::string_view extra = {}, std::string_view server_extra = {});
// The same event with the side session open from `from` to `to`: the fuzz
// targets use fixed times, so that an input found by the fuzzer replays the same.
std::string small_event_toml_at(std::chrono::system_clock::time_point from,
                                std::chrono::system_clock::time_point to,
                                std::string_view extra = {},
                                std::string_view server_extra = {});

// For small_event_toml's `extra`: session "main-talk" in hall "main" (the
// hall's only session, so the hall is closed outside it).
std::string main_hall_session_toml(std::chrono::system_clock::time_point start,
                                   std::chrono::system_clock::time_point end);

// For small_event_toml's `server_extra`: serve only HTTPS/WSS with this certificate and key.
std::string tls_server_toml(std::string_view cert, std::string_view key);

// For small_event_toml's `extra` (or the end of any event): the scan log in
// this PostgreSQL database, shared by every server given the same URL.
std::string postgres_store_toml(std::string_view url);

// small_event_toml plus hall "arena" (capacity 100000) with stations
// arena-1 .. arena-4 and arena-k1 .. arena-k3 (all "both"; tokens "<id>-token"),
// for the reliability tests that scan without pause through crashes and faults.
std::string reliability_event_toml();

// Local times in a zone with a clock change: an event in Europe/Berlin over
// the last weekend of October 2026 (clocks go back from 03:00 CEST to 02:00
// CET on Sunday the 25th, so 02:00-02:59 happens twice). Time zone on line 4.
//   site "venue"; hall "hall-a" (capacity 100, cleared at 02:30, the repeated
//   hour), hall "hall-b" (capacity 100); stations "a-in" (hall-a) and "b-in"
//   (hall-b), both "both", tokens "tok-a-in", "tok-b-in"; categories guest,
//   vip, delegate.
// `sessions` is appended: each test's sessions are its case.
std::string berlin_autumn_event_toml(std::string_view sessions);

}  // namespace admit::test
