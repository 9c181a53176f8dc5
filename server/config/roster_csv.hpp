#pragma once
// Reads a roster CSV (UTF-8, RFC 4180 quoting, a header row naming the
// columns id,name,category,organisation,city,country,email,name_latin in any order;
// extra columns ignored). Every bad row is reported with its line and why;
// the caller imports all or nothing.
// Thread safety: free functions, no shared state.

#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"
#include "core/roster.hpp"

namespace admit::config {

struct roster_problem {
    std::size_t line = 0;  // 1-based line in the file
    std::string message;   // "category \"vvip\" is not one of the event's categories"
};

struct roster_parse_result {
    std::vector<core::attendee> people;
    std::vector<roster_problem> problems;  // empty: good to import
    bool ok() const { return problems.empty(); }
};

// Checks categories against the event; badge_version is left at 1 (the
// store keeps existing versions on re-import).
roster_parse_result parse_roster_csv(std::string_view text, const core::event_config& event);

// Writes a roster back as CSV with a header row (for the demo generator and exports).
std::string roster_to_csv(const std::vector<core::attendee>& people);

}  // namespace admit::config
