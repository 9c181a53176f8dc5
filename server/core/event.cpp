// Look-ups in the event model. The lists are short (a few halls, a few dozen
// stations), so a linear search is simpler than keeping indexes in sync.
#include "core/event.hpp"

#include <algorithm>

namespace admit::core {

const char* role_text(station_role role) {
    switch (role) {
        case station_role::entrance: return "entrance";
        case station_role::exit: return "exit";
        case station_role::both: return "both";
    }
    return "both";
}

std::optional<station_role> role_from_text(std::string_view text) {
    if (text == "entrance") return station_role::entrance;
    if (text == "exit") return station_role::exit;
    if (text == "both") return station_role::both;
    return std::nullopt;
}

bool in_checkin_window(const session& s, time_point t) {
    using std::chrono::floor;
    using std::chrono::seconds;
    const auto at = floor<seconds>(t);
    return floor<seconds>(s.start - s.checkin_before) <= at &&
           at <= floor<seconds>(s.end + s.late_entry);
}

namespace {

template <typename T>
const T* find_by_id(const std::vector<T>& items, std::string_view id) {
    const auto it = std::find_if(items.begin(), items.end(), [id](const T& item) {
        return item.id == id;
    });
    return it == items.end() ? nullptr : &*it;
}

}  // namespace

const hall* event_config::find_hall(std::string_view hall_id) const {
    return find_by_id(halls, hall_id);
}

const station* event_config::find_station(std::string_view station_id) const {
    return find_by_id(stations, station_id);
}

const category* event_config::find_category(std::string_view category_id) const {
    return find_by_id(categories, category_id);
}

const site* event_config::find_site(std::string_view site_id) const {
    return find_by_id(sites, site_id);
}

std::string event_config::korean_name(std::string_view kind, std::string_view thing_id) const {
    std::string key(kind);
    key += ':';
    key += thing_id;
    const auto it = names_ko.find(key);
    return it == names_ko.end() ? std::string() : it->second;
}

}  // namespace admit::core
