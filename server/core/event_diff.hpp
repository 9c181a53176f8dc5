#pragma once
// What changed between two event models (a config reloaded while the server
// runs): each change as a code with named parameters, so the dashboard can
// say it in the viewer's language, and as one English line for the log and
// the audit sheet.
// Thread safety: free functions over plain data.

#include <string>
#include <utility>
#include <vector>

#include "core/event.hpp"

namespace admit::core {

struct event_change {
    // hall_capacity, hall_added, hall_renamed, hall_clear_at, station_added,
    // station_removed, station_changed, session_added, session_removed,
    // session_times, session_changed, category_added, category_removed,
    // category_changed, site_changed, policies_changed, event_renamed, event_id (refused)
    std::string code;
    std::vector<std::pair<std::string, std::string>> params;  // name, value (text)
    std::string text;  // English, for the log and the audit sheet
};

std::vector<event_change> diff_events(const event_config& before, const event_config& after);

// The changes as one line for the log and the audit entry ("no change" when empty).
std::string describe_changes(const std::vector<event_change>& changes);

}  // namespace admit::core
