#include "protocol/rules_json.hpp"

#include <boost/json.hpp>

namespace admit::protocol {

namespace json = boost::json;

namespace {

core::station_role role_from(std::string_view s) {
    return core::role_from_text(s).value_or(core::station_role::both);
}

std::string str(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t num(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_int64() ? v->as_int64() : 0;
}

const json::array& arr(const json::object& o, std::string_view key) {
    static const json::array empty;
    const auto* v = o.if_contains(key);
    return v && v->is_array() ? v->as_array() : empty;
}

// The event's offset table; the first change holds from the beginning of time.
json::array offset_changes_json(const core::local_clock& zone) {
    json::array out;
    for (const auto& c : zone.changes()) {
        json::value from = nullptr;
        if (c.from != core::time_point::min()) from = c.from.time_since_epoch().count();
        out.push_back(json::object{{"from_ms", from}, {"offset_minutes", c.offset.count()}});
    }
    return out;
}

// Rules from a server before time zones carry only utc_offset_minutes.
core::local_clock zone_from_json(const json::object& event) {
    std::vector<core::offset_change> changes;
    for (const auto& v : arr(event, "offset_changes")) {
        if (!v.is_object()) continue;
        const auto& o = v.as_object();
        changes.push_back(
            {core::time_point{std::chrono::milliseconds{num(o, "from_ms")}},
             std::chrono::minutes{num(o, "offset_minutes")}}
        );
    }
    if (changes.empty()) return core::local_clock{std::chrono::minutes{num(event, "utc_offset_minutes")}};
    return core::local_clock{std::move(changes)};
}

}  // namespace

std::vector<revoked_badge> revocations_of(const core::roster& people) {
    std::vector<revoked_badge> out;
    for (const auto& [id, a] : people.all())
        if (a.badge_version > 1) out.push_back({id, a.badge_version});
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.attendee_id < b.attendee_id; });
    return out;
}

std::string rules_to_json(const station_rules& rules) {
    const auto& e = rules.event;
    json::array halls, stations, categories, sessions, revoked, inside;
    for (const auto& h : e.halls) {
        json::object o{{"id", h.id}, {"name", h.name}, {"site", h.site_id}, {"capacity", h.capacity}};
        if (h.clear_at) o["clear_at_minutes"] = h.clear_at->count();
        halls.push_back(std::move(o));
    }
    for (const auto& s : e.stations)
        stations.push_back(json::object{{"id", s.id}, {"hall", s.hall_id}, {"role", core::role_text(s.role)}});
    for (const auto& c : e.categories)
        categories.push_back(json::object{
            {"id", c.id}, {"name", c.name}, {"colour", c.colour}, {"may_enter_full", c.may_enter_full}});
    for (const auto& s : e.sessions) {
        json::array cats;
        for (const auto& c : s.categories) cats.push_back(json::value(c));
        sessions.push_back(json::object{
            {"id", s.id}, {"name", s.name}, {"hall", s.hall_id},
            {"start_ms", s.start.time_since_epoch().count()}, {"end_ms", s.end.time_since_epoch().count()},
            {"categories", std::move(cats)}, {"checkin_before_minutes", s.checkin_before.count()},
            {"late_entry_minutes", s.late_entry.count()}});
    }
    for (const auto& r : rules.revoked)
        revoked.push_back(json::object{{"id", r.attendee_id}, {"version", r.current_version}});
    for (const auto& [hall, n] : rules.inside) inside.push_back(json::object{{"hall", hall}, {"inside", n}});
    return json::serialize(json::object{
        {"format", 1},
        {"event", json::object{
            {"id", e.id}, {"name", e.name}, {"time_zone", e.time_zone},
            {"utc_offset_minutes", e.zone.changes().front().offset.count()},
            {"offset_changes", offset_changes_json(e.zone)},
            {"passback", e.rules.passback == core::passback_policy::refuse ? "refuse" : "warn"},
            {"on_entry_elsewhere", e.rules.on_entry_elsewhere == core::move_policy::move ? "move" : "refuse"}}},
        {"sites", [&] {
             json::array a;
             for (const auto& s : e.sites) a.push_back(json::object{{"id", s.id}, {"name", s.name}});
             return a;
         }()},
        {"halls", std::move(halls)}, {"stations", std::move(stations)},
        {"categories", std::move(categories)}, {"sessions", std::move(sessions)},
        {"public_key", core::key_to_text(rules.badge_key)}, {"revoked", std::move(revoked)},
        {"inside", std::move(inside)}, {"fetched_at_ms", rules.fetched_at_ms}});
}

std::optional<station_rules> rules_from_json(const std::string& text, std::string& error) {
    boost::system::error_code ec;
    const auto parsed = json::parse(text, ec);
    if (ec || !parsed.is_object()) {
        error = "rules are not a JSON object" + (ec ? ": " + ec.message() : std::string());
        return std::nullopt;
    }
    const auto& root = parsed.as_object();
    if (num(root, "format") != 1) {
        error = "rules format is not 1";
        return std::nullopt;
    }
    station_rules r;
    const auto* ev = root.if_contains("event");
    if (!ev || !ev->is_object()) {
        error = "rules have no \"event\" object";
        return std::nullopt;
    }
    const auto& eo = ev->as_object();
    auto& e = r.event;
    e.id = str(eo, "id");
    e.name = str(eo, "name");
    e.time_zone = str(eo, "time_zone");
    e.zone = zone_from_json(eo);
    e.rules.passback = str(eo, "passback") == "warn" ? core::passback_policy::warn : core::passback_policy::refuse;
    e.rules.on_entry_elsewhere =
        str(eo, "on_entry_elsewhere") == "refuse" ? core::move_policy::refuse : core::move_policy::move;
    for (const auto& v : arr(root, "sites")) {
        if (!v.is_object()) continue;
        e.sites.push_back({str(v.as_object(), "id"), str(v.as_object(), "name")});
    }
    for (const auto& v : arr(root, "halls")) {
        if (!v.is_object()) continue;
        const auto& o = v.as_object();
        core::hall h;
        h.id = str(o, "id");
        h.name = str(o, "name");
        h.site_id = str(o, "site");
        h.capacity = static_cast<int>(num(o, "capacity"));
        if (o.contains("clear_at_minutes")) h.clear_at = std::chrono::minutes{num(o, "clear_at_minutes")};
        e.halls.push_back(std::move(h));
    }
    for (const auto& v : arr(root, "stations")) {
        if (!v.is_object()) continue;
        const auto& o = v.as_object();
        e.stations.push_back({str(o, "id"), str(o, "hall"), role_from(str(o, "role")), {}});
    }
    for (const auto& v : arr(root, "categories")) {
        if (!v.is_object()) continue;
        const auto& o = v.as_object();
        const auto* full = o.if_contains("may_enter_full");
        e.categories.push_back(
            {str(o, "id"), str(o, "name"), str(o, "colour"), full && full->is_bool() && full->as_bool()});
    }
    for (const auto& v : arr(root, "sessions")) {
        if (!v.is_object()) continue;
        const auto& o = v.as_object();
        core::session s;
        s.id = str(o, "id");
        s.name = str(o, "name");
        s.hall_id = str(o, "hall");
        s.start = core::time_point{std::chrono::milliseconds{num(o, "start_ms")}};
        s.end = core::time_point{std::chrono::milliseconds{num(o, "end_ms")}};
        for (const auto& c : arr(o, "categories"))
            if (c.is_string()) s.categories.emplace_back(c.as_string());
        s.checkin_before = std::chrono::minutes{num(o, "checkin_before_minutes")};
        s.late_entry = std::chrono::minutes{num(o, "late_entry_minutes")};  // 0 from older servers
        e.sessions.push_back(std::move(s));
    }
    const auto key = core::public_key_from_text(str(root, "public_key"));
    if (!key) {
        error = "rules have no valid \"public_key\"";
        return std::nullopt;
    }
    r.badge_key = *key;
    for (const auto& v : arr(root, "revoked")) {
        if (!v.is_object()) continue;
        r.revoked.push_back({str(v.as_object(), "id"), static_cast<std::uint32_t>(num(v.as_object(), "version"))});
    }
    for (const auto& v : arr(root, "inside")) {
        if (!v.is_object()) continue;
        r.inside.emplace_back(str(v.as_object(), "hall"), static_cast<int>(num(v.as_object(), "inside")));
    }
    r.fetched_at_ms = num(root, "fetched_at_ms");
    return r;
}

}  // namespace admit::protocol
