#pragma once
// A realistic, made-up roster for demos and load tests of the Seoul event:
// WeGO delegates from 71 member-city-like cities, VIPs, speakers, the 21
// Prize finalists and winners, press, staff and guests, with names in
// Hangul and Latin script. Same seed, same roster (own PRNG, not <random>'s
// implementation-defined distributions).
// Thread safety: a pure function.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/event.hpp"
#include "core/roster.hpp"

namespace admit::admin {

// Only the event's categories are used; shares of missing ones go to "guest"
// (or the first category). Ids are "<category>-NNNN", unique.
std::vector<core::attendee> make_demo_roster(
    const core::event_config& event, std::size_t count, std::uint64_t seed
);

}  // namespace admit::admin
