#pragma once
// Test data shaped like the first event admit runs: Seoul smart-city week,
// 25-26 Sep 2023, three halls at two sites (see /work/shared/EVENT.md).
// Built in code so core tests need no config loader and no files.
// Thread safety: plain values; each test builds its own.

#include <string>
#include <string_view>

#include "core/badge.hpp"
#include "core/event.hpp"
#include "core/roster.hpp"

namespace admit::core::testing {

// Hall ids.
inline constexpr std::string_view ddp_art2 = "ddp-art2";        // award ceremony, 700 seats
inline constexpr std::string_view forum_room = "ch-3f-main";    // forum, 250 seats
inline constexpr std::string_view wego_hall = "ch-multipurpose";  // WeGO assembly, 300 seats

// A time given in Seoul local time (KST, UTC+9) on a day of September 2023, as UTC.
time_point kst(int day, int hour, int minute = 0);

// The event: sites, halls with entrance/exit stations, categories, sessions.
// Policies are the defaults (passback refuse, move on entry elsewhere).
event_config seoul_event();

// A dozen attendees, one or more per category; "guest-ahn" has badge version 2.
roster seoul_roster();

// One key pair for the whole test run (key generation is the slow part).
const badge_keys& event_keys();

// A signed token for someone in the roster, as printed on their badge.
std::string badge_of(std::string_view attendee_id, std::uint32_t version = 1);

}  // namespace admit::core::testing
