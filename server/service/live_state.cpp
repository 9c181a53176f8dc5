#include "service/live_state.hpp"

#include "service/json_util.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace admit::service {

namespace json = boost::json;

namespace {
constexpr std::size_t max_feed = 50;
constexpr std::size_t max_samples = 24 * 60;  // a day of one-minute samples per hall
constexpr int forged_alert_threshold = 3;      // bad signatures from one station within 5 minutes



constexpr std::size_t max_alerts = 100;

json::object occupancy_object(const core::event_config& event, const engine::occupancy_snapshot& snap) {
    json::array halls;
    std::map<std::string, std::pair<int, int>> per_site;
    int total_inside = 0, total_capacity = 0;
    for (const auto& h : snap.halls) {
        const auto* site = event.find_site(h.site_id);
        halls.push_back(json::object{
            {"id", h.hall_id}, {"name", h.name}, {"name_ko", event.korean_name("hall", h.hall_id)}, {"site", h.site_id},
            {"site_name", site ? site->name : h.site_id}, {"capacity", h.capacity},
            {"inside", h.inside}, {"admitted", h.admitted}, {"refused", h.refused},
            {"duplicates", h.duplicates}});
        per_site[h.site_id].first += h.inside;
        per_site[h.site_id].second += h.capacity;
        total_inside += h.inside;
        total_capacity += h.capacity;
    }
    json::array sites;
    for (const auto& s : event.sites) {
        const auto& [in, cap] = per_site[s.id];
        sites.push_back(json::object{
            {"id", s.id}, {"name", s.name}, {"name_ko", event.korean_name("site", s.id)}, {"inside", in}, {"capacity", cap}});
    }
    return json::object{
        {"event", event.id}, {"halls", std::move(halls)}, {"sites", std::move(sites)},
        {"total", json::object{{"inside", total_inside}, {"capacity", total_capacity}}},
        {"last_seq", snap.last_seq}};
}

std::string hall_name_of(const core::event_config& event, const std::string& hall_id) {
    const auto* hall = event.find_hall(hall_id);
    return hall ? hall->name : hall_id;
}

}  // namespace

std::string occupancy_json(const core::event_config& event, const engine::occupancy_snapshot& snap) {
    return json::serialize(occupancy_object(event, snap));
}

live_state::live_state(const config::loaded_config& config, engine::engine& engine)
    : config_(config), engine_(engine), started_(engine.now()) {
    for (const auto& s : config.event.stations) stations_[s.id];
}

void live_state::add_feed(feed_entry entry) {
    const auto id = ++feed_ids_;
    // The parameters name what the message is about; code says which message it is.
    json::object params = entry.params;
    params["station"] = entry.station;
    params["hall"] = entry.hall;
    params["name"] = entry.name;
    params["attendee_id"] = entry.attendee_id;
    feed_.emplace_front(id, json::serialize(json::object{
        {"time", iso_utc(entry.time)}, {"kind", entry.kind}, {"station", entry.station}, {"hall", entry.hall},
        {"attendee_id", entry.attendee_id}, {"name", entry.name}, {"reason", entry.reason},
        {"code", entry.reason.empty() ? entry.kind : entry.reason}, {"params", std::move(params)},
        {"message", entry.message}, {"id", id}}));
    if (feed_.size() > max_feed) feed_.pop_back();
}

void live_state::raise_alert(const feed_entry& entry, std::string key) {
    alert a;
    a.kind = entry.kind;
    a.key = std::move(key);
    a.first = a.last = entry.time;
    a.params = entry.params;
    a.params["station"] = entry.station;
    a.params["hall"] = entry.hall;
    a.params["name"] = entry.name;
    a.params["attendee_id"] = entry.attendee_id;
    a.params["reason"] = entry.reason;
    a.message = entry.message;
    raise_alert(std::move(a));
}

void live_state::raise_alert(alert fresh) {
    for (auto& a : alerts_) {
        if (a.kind == fresh.kind && a.key == fresh.key) {
            a.last = fresh.last;
            ++a.count;
            a.params = std::move(fresh.params);
            a.message = std::move(fresh.message);
            return;
        }
    }
    fresh.id = ++alert_ids_;
    alerts_.push_back(std::move(fresh));
    if (alerts_.size() > max_alerts) alerts_.pop_front();
}

bool live_state::acknowledge(std::uint64_t alert_id, const std::string& who) {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(alerts_.begin(), alerts_.end(), [&](const alert& a) { return a.id == alert_id; });
    if (it == alerts_.end()) return false;
    spdlog::info("alert {} ({}: {}) acknowledged by {}", alert_id, it->kind, it->message, who);
    alerts_.erase(it);
    ++version_;
    if (change_listener_) change_listener_();
    return true;
}

std::string live_state::alerts_json_locked() const {
    json::array list;
    for (const auto& a : alerts_) {
        list.push_back(json::object{
            {"id", a.id}, {"kind", a.kind}, {"code", a.kind}, {"params", a.params}, {"message", a.message},
            {"first", iso_utc(a.first)}, {"last", iso_utc(a.last)}, {"count", a.count}});
    }
    return json::serialize(list);
}

std::string live_state::alerts_json() const {
    std::lock_guard lock(mutex_);
    return alerts_json_locked();
}

void live_state::config_reloaded(const std::vector<core::event_change>& changes, const std::string& who) {
    json::array list;
    for (const auto& c : changes) {
        json::object params;
        for (const auto& [name, value] : c.params) params[name] = value;
        list.push_back(json::object{{"code", c.code}, {"params", std::move(params)}, {"text", c.text}});
    }
    alert a;
    a.kind = "config_reloaded";
    a.first = a.last = engine_.now();
    a.params = json::object{{"who", who}, {"changes", std::move(list)}};
    a.message = "Config reloaded by " + who + ": " + core::describe_changes(changes);
    std::lock_guard lock(mutex_);
    a.key = std::to_string(alert_ids_ + 1);  // each reload is its own alert
    raise_alert(std::move(a));
    for (const auto& c : changes) {
        if (c.code == "station_added") stations_[c.params.front().second];
    }
    ++version_;
    if (change_listener_) change_listener_();
}

// A verdict already shown at a door that reads differently in read order.
void live_state::add_redecision_locked(const core::scan_record& re, const std::string& who) {
    feed_entry e{re.server_time, "conflict", re.station_id, re.hall_id, re.attendee_id, who,
                 std::string(core::reason_code(re.result.why)),
                 fmt::format("Decided again in read order: {} was {} at station {}; now {}: {}", who,
                             re.shown->admitted ? "admitted" : "refused", re.station_id,
                             re.result.admitted ? "admitted" : "refused", re.result.explanation),
                 json::object{{"kiosk", re.shown->admitted ? "admitted" : "refused"},
                              {"server", re.result.admitted ? "admitted" : "refused"},
                              {"server_reason", core::reason_code(re.result.why)},
                              {"read_order", true}}};
    raise_alert(e, re.station_id);
    add_feed(std::move(e));
}

void live_state::on_outcome_locked(const engine::scan_outcome& o, const core::event_config& event,
                                   std::chrono::steady_clock::time_point now) {
    const auto& r = o.record;
    if (auto it = stations_.find(r.station_id); it != stations_.end()) {
        auto& s = it->second;
        // Any message from a station shows it is alive, scans as much as heartbeats.
        s.last_seen = std::max(s.last_seen, r.server_time);
        if (o.replayed) return;
        s.recent.push_back(now);
        while (!s.recent.empty() && now - s.recent.front() > std::chrono::minutes(1)) s.recent.pop_front();
        if (r.clock_skew && (!s.skew_alerted || now - *s.skew_alerted > std::chrono::minutes(5))) {
            s.skew_alerted = now;
            feed_entry e{r.server_time, "clock_skew", r.station_id, r.hall_id, r.attendee_id, o.attendee_name,
                         "clock_skew",
                         fmt::format("Station {} sent a scan dated {} (server time {}): its clock is wrong; "
                                     "the scan was judged at the server's time. Set the kiosk's clock.",
                                     r.station_id, iso_utc(r.device_time), iso_utc(r.server_time)),
                         json::object{{"device_time", iso_utc(r.device_time)}, {"server_time", iso_utc(r.server_time)}}};
            raise_alert(e, r.station_id);
            add_feed(std::move(e));
        }
        if (r.result.why == core::reason::bad_signature) {
            s.forged.push_back(now);
            while (!s.forged.empty() && now - s.forged.front() > std::chrono::minutes(5)) s.forged.pop_front();
            if (s.forged.size() >= forged_alert_threshold && now - s.forged_alerted > std::chrono::minutes(5)) {
                s.forged_alerted = now;
                const auto n = static_cast<std::int64_t>(s.forged.size());
                feed_entry e{r.server_time, "forged_badges", r.station_id, r.hall_id, "", "", "bad_signature",
                             fmt::format("{} forged or damaged badges at station {} within 5 minutes: check the door",
                                         n, r.station_id),
                             json::object{{"count", n}}};
                raise_alert(e, r.station_id);
                add_feed(std::move(e));
            }
        }
    } else if (o.replayed) {
        return;
    }
    const auto who = o.attendee_name.empty() ? r.attendee_id : o.attendee_name;
    // Scans this one moved in read order (a late offline scan placed before them).
    for (const auto& re : o.redecided)
        if (re.conflicts()) add_redecision_locked(re, who);
    if (r.kind == core::scan_kind::redecision) {
        // Another server's re-decision, followed from the shared log.
        if (r.conflicts()) add_redecision_locked(r, who);
        return;
    }
    // A second read: it changed nothing and is not a refusal; the first was in the feed if it needed to be.
    if (r.duplicate) return;
    if (!r.result.admitted && !r.hall_id.empty()) ++refusals_[r.hall_id][std::string(core::reason_code(r.result.why))];
    const auto hall_name = hall_name_of(event, r.hall_id);
    if (r.conflicts()) {
        feed_entry e{r.server_time, "conflict", r.station_id, r.hall_id, r.attendee_id, o.attendee_name,
                     std::string(core::reason_code(r.result.why)),
                     fmt::format("Offline the kiosk {} {}; the server {}: {}", r.shown->admitted ? "admitted" : "refused",
                                 who, r.result.admitted ? "admitted" : "refused", r.result.explanation),
                     json::object{{"kiosk", r.shown->admitted ? "admitted" : "refused"},
                                  {"server", r.result.admitted ? "admitted" : "refused"},
                                  {"server_reason", core::reason_code(r.result.why)}}};
        raise_alert(e, r.station_id);
        add_feed(std::move(e));
    } else if (!r.result.admitted) {
        const bool full = r.result.why == core::reason::hall_full;
        feed_entry e{r.server_time, full ? "hall_full" : "refusal", r.station_id, r.hall_id, r.attendee_id,
                     o.attendee_name, std::string(core::reason_code(r.result.why)),
                     full ? fmt::format("{} is full ({}/{})", hall_name, o.inside, o.capacity) : r.result.explanation,
                     json::object{{"inside", o.inside}, {"capacity", o.capacity}, {"direction", r.dir == core::direction::exit ? "exit" : "entry"}}};
        if (full) raise_alert(e, r.hall_id);
        add_feed(std::move(e));
    }
}

void live_state::on_outcomes(const std::vector<engine::scan_outcome>& outcomes) {
    const auto now = std::chrono::steady_clock::now();
    const auto event = engine_.event();
    std::lock_guard lock(mutex_);
    bool changed = false;
    for (const auto& o : outcomes) {
        if (o.id_conflict) {
            changed = true;
            feed_entry e{o.record.server_time, "scan_id_conflict", o.record.station_id, "", "", "",
                         "scan_id_conflict", o.store_error, json::object{{"scan_id", o.record.scan_id}}};
            raise_alert(e, o.record.station_id);
            add_feed(std::move(e));
            continue;
        }
        if (!o.stored) continue;
        changed = true;
        on_outcome_locked(o, *event, now);
    }
    if (changed) {
        ++version_;
        if (change_listener_) change_listener_();
    }
}

void live_state::set_change_listener(std::function<void()> listener) {
    std::lock_guard lock(mutex_);
    change_listener_ = std::move(listener);
}

void live_state::touch(station_health& s, std::uint32_t backlog, std::int64_t device_time_ms) {
    const auto now = engine_.now();
    s.last_seen = now;
    s.backlog = backlog;
    if (device_time_ms > 0) s.clock_skew_ms = device_time_ms - now.time_since_epoch().count();
    ++version_;
}

void live_state::station_online(const std::string& station_id, std::uint32_t backlog, std::int64_t device_time_ms) {
    std::lock_guard lock(mutex_);
    auto& s = stations_[station_id];
    ++s.connections;
    touch(s, backlog, device_time_ms);
}

void live_state::station_heartbeat(const std::string& station_id, std::uint32_t backlog, std::int64_t device_time_ms) {
    std::lock_guard lock(mutex_);
    touch(stations_[station_id], backlog, device_time_ms);
}

void live_state::station_offline(const std::string& station_id) {
    const auto now = engine_.now();
    const auto event = engine_.event();
    const auto* station = event->find_station(station_id);
    std::lock_guard lock(mutex_);
    auto& s = stations_[station_id];
    if (s.connections > 0) --s.connections;
    s.last_seen = now;
    if (s.connections == 0) {
        feed_entry e{now, "station_offline", station_id, station ? station->hall_id : "", "", "", "",
                     fmt::format("Station {} went offline: its kiosk keeps scans in its outbox and decides by itself "
                                 "until it is back; check its network and power", station_id),
                     {}};
        raise_alert(e, station_id);
    }
    ++version_;
}

void live_state::sample() {
    const auto now = engine_.now();
    const auto minute = std::chrono::floor<std::chrono::minutes>(now).time_since_epoch().count();
    std::lock_guard lock(mutex_);
    if (minute == last_sample_minute_) return;
    last_sample_minute_ = minute;
    for (const auto& h : engine_.occupancy().halls) {
        auto& points = series_[h.hall_id];
        points.emplace_back(now, h.inside);
        if (points.size() > max_samples) points.erase(points.begin());
    }
    ++version_;
}

void live_state::on_replay(const core::scan_record& record, const core::presence& where) {
    // Only today (event-local day) matters to the chart. The replay runs once, at start.
    if (!replay_day_start_) {
        const auto event = engine_.event();
        replay_day_start_ = event->zone.day_start(event->zone.day_of(engine_.now()));
    }
    if (record.server_time < *replay_day_start_) return;
    const auto minute = std::chrono::floor<std::chrono::minutes>(record.server_time);
    const auto event = engine_.event();
    std::lock_guard lock(mutex_);
    const auto minute_count = minute.time_since_epoch().count();
    if (minute_count == last_sample_minute_) {
        // Same minute: keep its last state.
        for (auto& [hall, points] : series_)
            if (!points.empty()) points.back().second = where.inside(hall);
        return;
    }
    last_sample_minute_ = minute_count;
    for (const auto& h : event->halls) {
        auto& points = series_[h.id];
        points.emplace_back(minute, where.inside(h.id));
        if (points.size() > max_samples) points.erase(points.begin());
    }
}

std::uint64_t live_state::version() const {
    // Occupancy can also change without a scan (annulments, clear-outs): count the engine's changes too.
    const auto engine_version = engine_.state_version();
    std::lock_guard lock(mutex_);
    return version_ + engine_version;
}

std::vector<std::pair<std::string, json::object>> live_state::stations_locked(const core::event_config& event) const {
    const auto steady_now = std::chrono::steady_clock::now();
    std::vector<std::pair<std::string, json::object>> list;
    for (const auto& st : event.stations) {
        const auto it = stations_.find(st.id);
        if (it == stations_.end()) continue;
        const auto& s = it->second;
        std::int64_t per_minute = 0;
        for (const auto& t : s.recent)
            if (steady_now - t <= std::chrono::minutes(1)) ++per_minute;
        list.emplace_back(st.id, json::object{
            {"id", st.id}, {"hall", st.hall_id}, {"role", core::role_text(st.role)}, {"online", s.connections > 0},
            {"last_seen", s.last_seen == core::time_point{} ? json::value(nullptr) : json::value(iso_utc(s.last_seen))},
            {"scans_per_minute", per_minute}, {"backlog", s.backlog}, {"clock_skew_ms", s.clock_skew_ms}});
    }
    return list;
}

namespace {

// Appends `"key":[a,b,...]` for the second members of items.
void append_json(std::string& out, std::string_view text) { out += text; }
void append_json(std::string& out, const json::object& o) { out += json::serialize(o); }

template <typename Items>
void append_array(std::string& out, std::string_view key, const Items& items) {
    out += ",\"";
    out += key;
    out += "\":[";
    bool first = true;
    for (const auto& item : items) {
        if (!first) out += ',';
        first = false;
        append_json(out, item.second);
    }
    out += ']';
}

void append_member(std::string& out, std::string_view key, std::string_view value) {
    out += ",\"";
    out += key;
    out += "\":";
    out += value;
}

}  // namespace

std::string live_state::stations_json_locked(const core::event_config& event) const {
    std::string out = "[";
    bool first = true;
    for (const auto& [id, station] : stations_locked(event)) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(station);
    }
    out += ']';
    return out;
}

std::string live_state::stations_json() const {
    const auto event = engine_.event();
    std::lock_guard lock(mutex_);
    return stations_json_locked(*event);
}

live_state::parts live_state::render_parts(bool with_history) const {
    const auto now = engine_.now();
    const auto snap = engine_.occupancy();
    const auto event = engine_.event();
    parts p;
    p.server_time = json::serialize(json::value(iso_utc(now)));
    p.occupancy = json::serialize(occupancy_object(*event, snap));
    json::array sessions;
    for (const auto& h : event->halls) {
        if (const auto* s = core::current_session(*event, h.id, now)) {
            sessions.push_back(json::object{
                {"hall", h.id}, {"id", s->id}, {"name", s->name}, {"name_ko", event->korean_name("session", s->id)},
                {"start", iso_utc(s->start)}, {"end", iso_utc(s->end)}});
        }
    }
    p.sessions = json::serialize(sessions);
    const auto latest = iso_utc(now);
    std::lock_guard lock(mutex_);
    p.stations = stations_locked(*event);
    p.feed.reserve(feed_.size());
    p.feed.assign(feed_.begin(), feed_.end());
    p.alerts = alerts_json_locked();
    {
        json::object by_hall;
        for (const auto& [hall, reasons] : refusals_) {
            json::object counts;
            for (const auto& [reason, n] : reasons) counts[reason] = n;
            by_hall[hall] = std::move(counts);
        }
        p.refusals = json::serialize(json::object{{"since", iso_utc(started_)}, {"halls", std::move(by_hall)}});
    }
    json::object series;
    for (const auto& h : snap.halls) {
        json::array points;
        const auto it = series_.find(h.hall_id);
        if (with_history && it != series_.end())
            for (const auto& [t, n] : it->second) points.push_back(json::array{json::value(iso_utc(t)), json::value(n)});
        points.push_back(json::array{json::value(latest), json::value(h.inside)});  // the latest
        series[h.hall_id] = std::move(points);
    }
    p.series = json::serialize(series);
    return p;
}

std::string live_state::full_frame(const parts& p, std::uint64_t seq) {
    std::string out;
    out.reserve(256 + p.occupancy.size() + p.sessions.size() + p.series.size() + 200 * p.stations.size() +
                300 * p.feed.size());
    out += R"({"type":"state","server_time":)";
    out += p.server_time;
    append_member(out, "seq", std::to_string(seq));
    append_member(out, "occupancy", p.occupancy);
    append_member(out, "sessions", p.sessions);
    append_array(out, "stations", p.stations);
    append_array(out, "feed", p.feed);
    append_member(out, "alerts", p.alerts);
    append_member(out, "refusals", p.refusals);
    append_member(out, "series", p.series);
    out += '}';
    return out;
}

namespace {

// What changed from one broadcast to the next; members that did not change are left out.
template <typename Parts>
std::string delta_frame(const Parts& before, std::uint64_t base, const Parts& now, std::uint64_t seq) {
    std::string out;
    out.reserve(512 + now.series.size());
    out += R"({"type":"delta","server_time":)";
    out += now.server_time;
    append_member(out, "seq", std::to_string(seq));
    append_member(out, "base", std::to_string(base));
    if (now.occupancy != before.occupancy) append_member(out, "occupancy", now.occupancy);
    if (now.sessions != before.sessions) append_member(out, "sessions", now.sessions);
    // Stations: only those that changed, each with its id and the members that changed.
    std::map<std::string_view, const json::object*> old_stations;
    for (const auto& [id, station] : before.stations) old_stations.emplace(id, &station);
    std::vector<std::pair<std::string_view, json::object>> changed;
    for (const auto& [id, station] : now.stations) {
        const auto it = old_stations.find(id);
        if (it == old_stations.end()) {
            changed.emplace_back(id, station);
            continue;
        }
        json::object patch{{"id", id}};
        for (const auto& member : station) {
            const auto* was = it->second->if_contains(member.key());
            if (!was || *was != member.value()) patch[member.key()] = member.value();
        }
        if (patch.size() > 1) changed.emplace_back(id, std::move(patch));
    }
    if (!changed.empty()) append_array(out, "stations", changed);
    // Entries are numbered: the new ones are those above the newest already sent (a prefix).
    const std::uint64_t newest_sent = before.feed.empty() ? 0 : before.feed.front().first;
    std::vector<std::pair<std::uint64_t, std::string_view>> added;
    for (const auto& [id, entry] : now.feed) {
        if (id <= newest_sent) break;
        added.emplace_back(id, entry);
    }
    if (!added.empty()) append_array(out, "feed", added);
    if (now.alerts != before.alerts) append_member(out, "alerts", now.alerts);
    if (now.refusals != before.refusals) append_member(out, "refusals", now.refusals);
    append_member(out, "series", now.series);
    out += '}';
    return out;
}

}  // namespace

live_first_frame live_state::render_first() const {
    std::lock_guard render_lock(render_mutex_);
    return {full_frame(render_parts(true), 0), broadcast_seq_};
}

live_frames live_state::render_broadcast(std::size_t group, std::size_t groups) {
    std::lock_guard render_lock(render_mutex_);
    if (groups_.size() != groups) groups_.assign(groups, group_memory{});
    auto now = render_parts(false);
    auto& last = groups_.at(group);
    live_frames frames;
    frames.seq = ++broadcast_seq_;
    frames.base = last.seq;
    frames.full = std::make_shared<const std::string>(full_frame(now, frames.seq));
    if (last.seq != 0)
        frames.delta = std::make_shared<const std::string>(delta_frame(last.sent, last.seq, now, frames.seq));
    last = group_memory{frames.seq, std::move(now)};
    return frames;
}

}  // namespace admit::service
