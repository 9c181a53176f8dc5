#include "config/time_zone.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <stdexcept>
#include <vector>

namespace admit::config {

using namespace std::chrono;

std::variant<core::local_clock, std::string> zone_offsets(
    const std::string& name, core::time_point from, core::time_point to
) {
    const date::time_zone* zone = nullptr;
    try {
        zone = date::locate_zone(name);
    } catch (const std::exception& e) {
        // locate_zone throws both for an unknown name and for a missing database.
        try {
            (void)date::get_tzdb();
        } catch (const std::exception&) {
            return fmt::format(
                "the tz database cannot be read ({}); install Debian's tzdata package", e.what()
            );
        }
        return fmt::format("is not a zone in the tz database ({})", e.what());
    }
    std::vector<core::offset_change> changes;
    auto at = floor<seconds>(from);
    while (true) {
        const date::sys_info info = zone->get_info(at);
        const auto offset = floor<minutes>(info.offset);
        // A change of name or of save alone (same offset) is no change of local time.
        if (changes.empty()) {
            // Holds from the beginning of time (and info.begin may be too far
            // back to count in milliseconds).
            changes.push_back({core::time_point::min(), offset});
        } else if (changes.back().offset != offset) {
            changes.push_back({time_point_cast<milliseconds>(info.begin), offset});
        }
        if (info.end >= to || info.end <= at) break;
        at = info.end;
    }
    return core::local_clock{std::move(changes)};
}

}  // namespace admit::config
