#include "core/event_diff.hpp"

#include <chrono>
#include <cstdio>

namespace admit::core {

namespace {

// "2023-09-26T12:30:00Z": session times in changes are UTC; the page shows them in event time.
std::string iso(time_point t) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(t - day)};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return text;
}

std::string hhmm(const std::optional<std::chrono::minutes>& at) {
    if (!at) return "none";
    char text[16];
    std::snprintf(text, sizeof text, "%02d:%02d", static_cast<int>(at->count() / 60), static_cast<int>(at->count() % 60));
    return text;
}

std::string str(int n) { return std::to_string(n); }

event_change change(std::string code, std::vector<std::pair<std::string, std::string>> params, std::string text) {
    return {std::move(code), std::move(params), std::move(text)};
}

void diff_halls(const event_config& b, const event_config& a, std::vector<event_change>& out) {
    for (const auto& h : a.halls) {
        const auto* old = b.find_hall(h.id);
        if (old == nullptr) {
            out.push_back(change("hall_added", {{"hall", h.id}, {"capacity", str(h.capacity)}},
                                 "hall " + h.id + " added (capacity " + str(h.capacity) + ")"));
            continue;
        }
        if (old->capacity != h.capacity) {
            out.push_back(change(
                "hall_capacity",
                {{"hall", h.id}, {"from", str(old->capacity)}, {"to", str(h.capacity)}},
                "capacity of " + h.id + " " + str(old->capacity) + " -> " + str(h.capacity)));
        }
        if (old->name != h.name || a.korean_name("hall", h.id) != b.korean_name("hall", h.id) || old->site_id != h.site_id) {
            out.push_back(change("hall_renamed", {{"hall", h.id}}, "hall " + h.id + " renamed or moved"));
        }
        if (old->clear_at != h.clear_at) {
            out.push_back(change("hall_clear_at", {{"hall", h.id}, {"from", hhmm(old->clear_at)}, {"to", hhmm(h.clear_at)}},
                                 "clear-out of " + h.id + " " + hhmm(old->clear_at) + " -> " + hhmm(h.clear_at)));
        }
    }
}

void diff_stations(const event_config& b, const event_config& a, std::vector<event_change>& out) {
    for (const auto& s : a.stations) {
        const auto* old = b.find_station(s.id);
        if (old == nullptr) {
            out.push_back(change("station_added", {{"station", s.id}, {"hall", s.hall_id}, {"role", role_text(s.role)}},
                                 "station " + s.id + " added (" + role_text(s.role) + " of " + s.hall_id + ")"));
        } else if (old->hall_id != s.hall_id || old->role != s.role || old->token_hash != s.token_hash) {
            out.push_back(change("station_changed", {{"station", s.id}, {"hall", s.hall_id}, {"role", role_text(s.role)}},
                                 "station " + s.id + " changed (now " + role_text(s.role) + " of " + s.hall_id + ")"));
        }
    }
    for (const auto& s : b.stations) {
        if (a.find_station(s.id) == nullptr)
            out.push_back(change("station_removed", {{"station", s.id}}, "station " + s.id + " removed"));
    }
}

const session* find_session(const event_config& e, const std::string& id) {
    for (const auto& s : e.sessions)
        if (s.id == id) return &s;
    return nullptr;
}

void diff_sessions(const event_config& b, const event_config& a, std::vector<event_change>& out) {
    for (const auto& s : a.sessions) {
        const auto* old = find_session(b, s.id);
        if (old == nullptr) {
            out.push_back(change("session_added", {{"session", s.id}, {"hall", s.hall_id}, {"start", iso(s.start)}, {"end", iso(s.end)}},
                                 "session " + s.id + " added (" + iso(s.start) + " to " + iso(s.end) + ")"));
            continue;
        }
        if (old->start != s.start || old->end != s.end) {
            out.push_back(change("session_times",
                                 {{"session", s.id}, {"hall", s.hall_id}, {"old_start", iso(old->start)},
                                  {"old_end", iso(old->end)}, {"start", iso(s.start)}, {"end", iso(s.end)}},
                                 "session " + s.id + " now " + iso(s.start) + " to " + iso(s.end) + " (was " +
                                             iso(old->start) + " to " + iso(old->end) + ")"));
        }
        if (old->name != s.name || a.korean_name("session", s.id) != b.korean_name("session", s.id) || old->hall_id != s.hall_id ||
            old->categories != s.categories || old->checkin_before != s.checkin_before ||
            old->late_entry != s.late_entry) {
            out.push_back(change("session_changed", {{"session", s.id}}, "session " + s.id + " changed"));
        }
    }
    for (const auto& s : b.sessions) {
        if (find_session(a, s.id) == nullptr)
            out.push_back(change("session_removed", {{"session", s.id}}, "session " + s.id + " removed"));
    }
}

void diff_categories(const event_config& b, const event_config& a, std::vector<event_change>& out) {
    for (const auto& c : a.categories) {
        const auto* old = b.find_category(c.id);
        if (old == nullptr) {
            out.push_back(change("category_added", {{"category", c.id}}, "category " + c.id + " added"));
        } else if (old->name != c.name || a.korean_name("category", c.id) != b.korean_name("category", c.id) || old->colour != c.colour ||
                   old->may_enter_full != c.may_enter_full) {
            out.push_back(change("category_changed", {{"category", c.id}}, "category " + c.id + " changed"));
        }
    }
    for (const auto& c : b.categories) {
        if (a.find_category(c.id) == nullptr)
            out.push_back(change("category_removed", {{"category", c.id}}, "category " + c.id + " removed"));
    }
}

}  // namespace

std::vector<event_change> diff_events(const event_config& before, const event_config& after) {
    std::vector<event_change> out;
    // Never in force (engine::replace_event refuses it), but it is a change to refuse, not "no change".
    if (before.id != after.id)
        out.push_back(change("event_id", {{"from", before.id}, {"to", after.id}}, "event id " + before.id + " -> " + after.id));
    if (before.name != after.name) out.push_back(change("event_renamed", {}, "event renamed"));
    for (const auto& s : after.sites) {
        const auto* old = before.find_site(s.id);
        if (old == nullptr || old->name != s.name || after.korean_name("site", s.id) != before.korean_name("site", s.id))
            out.push_back(change("site_changed", {{"site", s.id}}, "site " + s.id + " added or renamed"));
    }
    diff_halls(before, after, out);
    diff_stations(before, after, out);
    diff_sessions(before, after, out);
    diff_categories(before, after, out);
    if (before.rules.passback != after.rules.passback ||
        before.rules.on_entry_elsewhere != after.rules.on_entry_elsewhere || before.zone != after.zone)
        out.push_back(change("policies_changed", {}, "policies or UTC offset changed"));
    return out;
}

std::string describe_changes(const std::vector<event_change>& changes) {
    if (changes.empty()) return "no change";
    std::string out;
    for (const auto& c : changes) {
        if (!out.empty()) out += "; ";
        out += c.text;
    }
    return out;
}

}  // namespace admit::core
