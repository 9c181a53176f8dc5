#include "service/api.hpp"

#include "service/health.hpp"

#include <charconv>
#include <map>
#include <set>

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/key_files.hpp"
#include "protocol/codec.hpp"
#include "protocol/rules_json.hpp"
#include "service/json_util.hpp"

namespace admit::service {

namespace json = boost::json;

namespace {

bool any_token_hash(const std::vector<std::string>& hashes, const std::string& h) {
    return std::find(hashes.begin(), hashes.end(), h) != hashes.end();
}

// The event's UTC offsets over its span, so pages show venue time across a
// daylight-saving change: [{"from_ms": null | ms, "offset_minutes"}].
json::array offset_changes_json(const core::local_clock& zone) {
    json::array out;
    for (const auto& c : zone.changes()) {
        json::value from = nullptr;
        if (c.from != core::time_point::min()) from = c.from.time_since_epoch().count();
        out.push_back(json::object{{"from_ms", from}, {"offset_minutes", c.offset.count()}});
    }
    return out;
}

}  // namespace

std::optional<std::string> path_part(std::string_view path, std::string_view prefix, std::string_view suffix) {
    if (path.size() <= prefix.size() + suffix.size() || !path.starts_with(prefix) || !path.ends_with(suffix))
        return std::nullopt;
    return std::string(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()));
}

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

std::string query_param(std::string_view target, std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return {};
    auto rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto pair = rest.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name && eq != std::string_view::npos) return std::string(pair.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        rest = rest.substr(amp + 1);
    }
    return {};
}

api::api(
    const config::loaded_config& config,
    engine::engine& engine,
    metrics& stats,
    live_state& live,
    std::filesystem::path data_dir,
    std::filesystem::path web_dir
)
    : config_(config),
      engine_(engine),
      stats_(stats),
      live_(live),
      data_dir_(std::move(data_dir)),
      web_files_(web_dir),
      staff_(store_location()),
      desk_(config_, engine_, data_dir_),
      pairing_(config_.event, data_dir_),
      public_key_(config::read_public_key(data_dir_)) {}

principal api::who(const http_request_view& request) const {
    const auto& s = config_.server;
    std::string token;
    constexpr std::string_view bearer = "Bearer ";
    if (request.authorization.starts_with(bearer)) {
        token = std::string(request.authorization.substr(bearer.size()));
    } else {
        token = query_param(request.target, "token");
    }
    if (!token.empty()) {
        const auto h = config::hash_token(token);
        if (auto name = staff_.name_of(h)) return {role::staff, std::move(*name)};
        if (any_token_hash(s.staff_token_hashes, h)) return {role::staff, {}};
        if (any_token_hash(s.viewer_token_hashes, h)) return {role::viewer, {}};
    }
    // No access tokens in the config: every route is open (the server warned at start).
    if (s.viewer_token_hashes.empty() && s.staff_token_hashes.empty()) return {role::staff, {}};
    return {};
}

bool api::station_token_ok(std::string_view station_id, std::string_view token) const {
    const auto event = engine_.event();  // the model in force: a reload may have added the station
    const auto* station = event->find_station(station_id);
    if (station == nullptr || token.empty()) return false;
    return config::hash_token(token) == station->token_hash || pairing_.accepts(station->id, token);
}

api::work api::work_of(const http_request_view& request) {
    const auto path = path_of(request.target);
    if (!path.starts_with("/api/")) return work::now;
    const bool is_get = request.method == "GET" || request.method == "HEAD";
    if (is_get && (path.starts_with("/api/export") || path.ends_with("/badge.pdf"))) return work::report;
    if (!is_get) return work::blocking;
    constexpr std::string_view attendees = "/api/attendees/";
    const bool history = path.starts_with(attendees) && path.find('/', attendees.size()) == std::string_view::npos;
    return history ? work::blocking : work::now;
}

http_reply api::handle(const http_request_view& request) {
    const auto path = path_of(request.target);
    const bool is_get = request.method == "GET" || request.method == "HEAD";
    if (path == "/api/pairing" || path.starts_with("/api/pairing/"))
        return pairing_.route(request.method, path, request.body, role_of(request) == role::staff);
    if (request.method == "POST" && path.starts_with("/api/")) {
        const auto caller = who(request);
        if (caller.role == role::none)
            return error_reply(401, "this route needs a staff token (Authorization: Bearer <token>)");
        if (caller.role != role::staff)
            return error_reply(403, "help-desk actions need a staff token; this is a viewer token");
        if (auto reply = operations_route(path, actor_name(caller))) return std::move(*reply);
        return desk_.route(path, request, caller.name);
    }
    if (!is_get) {
        auto r = error_reply(405, fmt::format("method {} is not allowed on {}", request.method, path));
        r.allow = "GET, HEAD";
        return r;
    }
    if (path == "/healthz") return health();
    if (path == "/metrics") {
        stats_.update_occupancy(engine_.occupancy());
        const auto storage = engine_.storage();
        stats_.update_health(check_health(storage, engine_.now(), std::chrono::system_clock::now()),
                             storage.disk_free_bytes);
        return body_reply("text/plain; version=0.0.4", stats_.render());
    }
    if (path == "/api/station/rules") return station_rules(request);
    if (path.starts_with("/api/")) {
        const auto caller = who(request);
        if (caller.role == role::none)
            return error_reply(401, "this route needs a viewer or staff token (Authorization: Bearer <token>)");
        if (path.ends_with("/badge.pdf") || path.ends_with("/token") || path.starts_with("/api/export")) {
            if (caller.role != role::staff) return error_reply(403, "badges and exports need a staff token");
            return desk_.route(path, request, caller.name);
        }
        return read_route(path, request);
    }
    return static_file(request.target);
}

http_reply api::read_route(std::string_view path, const http_request_view& request) {
    if (path == "/api/occupancy") return occupancy();
    if (path == "/api/whoami") {
        // name: the person a staff credential was issued to; null for shared tokens.
        const auto caller = who(request);
        return json_reply(json::object{{"role", caller.role == role::staff ? "staff" : "viewer"},
                                       {"name", caller.name.empty() ? json::value(nullptr) : json::value(caller.name)}});
    }
    if (path == "/api/event") return event_info();
    if (path == "/api/stations") return body_reply("application/json", live_.stations_json());
    if (path == "/api/alerts") return body_reply("application/json", live_.alerts_json());
    if (path == "/api/attendees") return search(request.target);
    constexpr std::string_view attendees = "/api/attendees/";
    if (path.starts_with(attendees)) return attendee(std::string(path.substr(attendees.size())));
    if (const auto id = path_part(path, "/api/halls/", "/inside")) return inside(*id);
    return error_reply(404, fmt::format("no API route {}", path));
}

http_reply api::search(std::string_view target) const {
    const auto q = url_decode(query_param(target, "q"));
    if (q.empty()) return error_reply(400, "give the text to search for as ?q=");
    json::array results;
    std::size_t total = 0;
    for (const auto& a : engine_.search(q, 50, &total)) {
        auto o = attendee_json(a);
        const auto hall = engine_.hall_of(a.id);
        o["inside_hall"] = hall.empty() ? json::value(nullptr) : json::value(hall);
        results.push_back(std::move(o));
    }
    // total: how many match in all, when more than the 50 shown.
    return json_reply(json::object{{"results", std::move(results)}, {"total", total}});
}

http_reply api::station_rules(const http_request_view& request) const {
    const auto station_id = query_param(request.target, "station");
    const auto event = engine_.event();
    const auto* station = event->find_station(station_id);
    constexpr std::string_view bearer = "Bearer ";
    const auto token = request.authorization.starts_with(bearer) ? request.authorization.substr(bearer.size())
                                                                 : std::string_view{};
    if (station == nullptr || !station_token_ok(station_id, token)) {
        return error_reply(401, "rules need ?station=<id> and that station's token as Authorization: Bearer <token>");
    }
    protocol::station_rules rules;
    rules.event = *event;
    for (auto& s : rules.event.stations) s.token_hash.clear();
    rules.badge_key = public_key_;
    rules.revoked = protocol::revocations_of(engine_.roster_copy());
    for (const auto& h : engine_.occupancy().halls) rules.inside.emplace_back(h.hall_id, h.inside);
    rules.fetched_at_ms = engine_.now().time_since_epoch().count();
    return body_reply("application/json", rules_to_json(rules));
}

http_reply api::health() const {
    const auto storage = engine_.storage();
    const auto report = check_health(storage, engine_.now(), std::chrono::system_clock::now());
    auto body = health_json(report);
    // "storage" as before, for probes written against it.
    body["storage"] = storage.failing ? "failing: scans are not being acknowledged" : "ok";
    body["event"] = config_.event.id;
    return json_reply(body, report.degraded() ? 503 : 200);
}

http_reply api::occupancy() const {
    return body_reply("application/json", occupancy_json(*engine_.event(), engine_.occupancy()));
}

http_reply api::attendee(const std::string& id) {
    const auto person = engine_.find_attendee(id);
    if (!person) return error_reply(404, fmt::format("no attendee with id \"{}\"", id));
    std::vector<core::scan_record> history;
    std::vector<store::audit_entry> audit;
    try {
        std::lock_guard lock(reader_mutex_);
        if (!reader_) reader_ = store::open_store(store_location(), store::open_mode::read_only);
        history = reader_->scans_with_seqs(engine_.scan_seqs_of(id));
        audit = reader_->audit_log();
    } catch (const store::store_error& e) {
        spdlog::error("attendee history for {}: {}", id, e.what());
        return error_reply(503, "the scan log cannot be read right now");
    }
    json::array scans;
    std::set<std::string, std::less<>> scan_ids;
    for (const auto& r : history) {
        scans.push_back(record_json(r));
        scan_ids.insert(r.scan_id);
    }
    // Staff actions on this person: reissues and overrides name them, annulments one of their scans.
    json::array actions;
    for (const auto& a : audit) {
        if (a.subject != id && !scan_ids.contains(a.subject)) continue;
        actions.push_back(json::object{{"at", iso_utc(a.at)}, {"actor", a.actor}, {"action", a.action},
                                       {"scan_id", a.subject == id ? json::value(nullptr) : json::value(a.subject)},
                                       {"note", a.note}});
    }
    const auto hall = engine_.hall_of(id);
    auto body = attendee_json(*person);
    body["badge_version"] = person->badge_version;
    body["inside_hall"] = hall.empty() ? json::value(nullptr) : json::value(hall);
    body["scans"] = std::move(scans);
    body["actions"] = std::move(actions);
    return json_reply(body);
}

http_reply api::inside(const std::string& hall_id) const {
    const auto event = engine_.event();
    const auto* hall = event->find_hall(hall_id);
    if (!hall) return error_reply(404, fmt::format("no hall with id \"{}\"", hall_id));
    json::array people;
    for (const auto& a : engine_.people_in(hall_id)) people.push_back(attendee_json(a));
    return json_reply(json::object{
        {"hall", hall->id}, {"name", hall->name}, {"name_ko", event->korean_name("hall", hall->id)}, {"count", people.size()},
        {"people", std::move(people)}});
}

http_reply api::event_info() const {
    const auto event = engine_.event();
    const auto& e = *event;
    json::array sites, halls, stations, sessions, categories;
    for (const auto& s : e.sites) sites.push_back(json::object{{"id", s.id}, {"name", s.name}, {"name_ko", e.korean_name("site", s.id)}});
    for (const auto& h : e.halls) {
        halls.push_back(json::object{
            {"id", h.id}, {"name", h.name}, {"name_ko", e.korean_name("hall", h.id)}, {"site", h.site_id}, {"capacity", h.capacity}});
    }
    for (const auto& s : e.stations) {
        stations.push_back(json::object{{"id", s.id}, {"hall", s.hall_id}, {"role", core::role_text(s.role)}});
    }
    for (const auto& s : e.sessions) {
        json::array cats;
        for (const auto& c : s.categories) cats.push_back(json::value(c));
        sessions.push_back(json::object{
            {"id", s.id}, {"name", s.name}, {"name_ko", e.korean_name("session", s.id)}, {"hall", s.hall_id}, {"start", iso_utc(s.start)},
            {"end", iso_utc(s.end)}, {"categories", std::move(cats)}});
    }
    for (const auto& c : e.categories)
        categories.push_back(
            json::object{{"id", c.id}, {"name", c.name}, {"name_ko", e.korean_name("category", c.id)}, {"colour", c.colour}});
    return json_reply(json::object{
        {"id", e.id}, {"name", e.name}, {"time_zone", e.time_zone},
        {"utc_offset_minutes", e.zone.changes().front().offset.count()},
        {"offset_changes", offset_changes_json(e.zone)}, {"sites", std::move(sites)}, {"halls", std::move(halls)},
        {"stations", std::move(stations)}, {"sessions", std::move(sessions)},
        {"categories", std::move(categories)}});
}

void api::set_reloader(std::function<reload_outcome(const std::string& who)> reload) {
    reload_ = std::move(reload);
}

// Who a staff action is recorded as: the person a personal credential names,
// or, for a shared token, that it was one.
std::string api::actor_name(const principal& caller) {
    return caller.name.empty() ? std::string("staff over HTTP (shared token)") : caller.name;
}

std::optional<http_reply> api::operations_route(std::string_view path, const std::string& actor) {
    if (path == "/api/reload") {
        if (!reload_) return error_reply(503, "this server cannot reload its config");
        const auto outcome = reload_(actor);
        auto reply = body_reply("application/json", outcome.json);
        reply.status = outcome.ok ? 200 : 422;
        return reply;
    }
    if (const auto id = path_part(path, "/api/alerts/", "/ack")) {
        std::uint64_t number = 0;
        const auto [end, ec] = std::from_chars(id->data(), id->data() + id->size(), number);
        if (ec != std::errc{} || end != id->data() + id->size())
            return error_reply(400, fmt::format("\"{}\" is not an alert number", *id));
        if (!live_.acknowledge(number, actor))
            return error_reply(404, fmt::format("no alert {} (already acknowledged?)", number));
        return json_reply(json::object{{"acknowledged", number}});
    }
    return std::nullopt;
}

http_reply api::static_file(std::string_view target) const {
    const auto* found = web_files_.find(target);
    if (found == nullptr) return error_reply(404, fmt::format("not found: {}", path_of(target)));
    return file_reply(found->content_type, found->path);
}

}  // namespace admit::service
