// Everything the page shows is decided here from the kiosk's own facts; the
// page only lays it out and translates the reason codes.
#include "screen/door_display.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdlib>

namespace admit::scanner {

namespace json = boost::json;

namespace {

constexpr std::size_t history_size = 5;
constexpr std::size_t reads_kept = 32;
constexpr std::size_t admissions_kept = 512;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()
    )
        .count();
}

// Green, red or amber. Amber: let in, but look (a warning, a verdict the kiosk made
// alone, a badge read twice).
std::string screen_state(const shown_scan& s, bool duplicate) {
    if (duplicate) return "warning";
    if (!s.result.admitted) return "refused";
    return s.result.warning || s.offline ? "warning" : "admitted";
}

}  // namespace

door_display::door_display(door_options options) : options_(std::move(options)) {
    http_ = std::make_unique<door_server>(
        options_.server, [this] { return greeting(); }, [this] { refresh_status(); }
    );
}

door_display::~door_display() {
    http_->stop();
}

void door_display::attach(std::function<door_facts()> facts) {
    std::lock_guard lock(mutex_);
    facts_ = std::move(facts);
    if (!facts_) return;
    // Rules already on the kiosk (cached or given) are old news: only rules that
    // arrive from now on tell the server's clock.
    const auto f = facts_();
    if (f.rules) rules_fetched_ms_ = f.rules->fetched_at_ms;
    if (f.hello) {
        hall_ = f.hello->hall_name;
        inside_ = f.hello->inside;
        capacity_ = f.hello->capacity;
    }
}

void door_display::remember(const std::string& payload, const shown_scan& s) {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(history_.rbegin(), history_.rend(), [&](const json::object& o) {
        return o.at("scan_id").as_string() == s.scan_id;
    });
    if (it == history_.rend()) return;
    reads_.push_back({payload, *it});
    if (reads_.size() > reads_kept) reads_.pop_front();
}

json::object door_display::status_locked() {
    // The kiosk's facts first: they know the hall before any scan.
    door_facts f;
    if (facts_) f = facts_();
    if (f.hello) {
        if (!f.hello->hall_name.empty()) hall_ = f.hello->hall_name;
        if (capacity_ == 0) {
            inside_ = f.hello->inside;
            capacity_ = f.hello->capacity;
        }
    }
    if (f.rules) {
        if (hall_.empty()) {
            if (const auto* st = f.rules->event.find_station(station_)) {
                if (const auto* h = f.rules->event.find_hall(st->hall_id)) hall_ = h->name;
            }
        }
        if (f.rules->fetched_at_ms != rules_fetched_ms_) {
            rules_fetched_ms_ = f.rules->fetched_at_ms;
            rules_seen_ms_ = now_ms();
        }
    }
    if (facts_) backlog_ = f.backlog;
    json::object o{
        {"type", "status"},
        {"station", station_},
        {"direction", direction_},
        {"hall", hall_},
        {"inside", inside_},
        {"capacity", capacity_},
        {"online", online_},
        {"server", server_},
        {"offline_since_ms", offline_since_ms_},
        {"backlog", backlog_},
        {"rules", f.rules != nullptr},
        {"rules_fetched_ms", rules_fetched_ms_},
        {"notice", notice_},
        {"notice_kind", notice_kind_},
        {"conflicts", conflicts_},
        {"pages", http_ ? http_->pages() : 0},
        {"dropped", http_ ? http_->dropped() : std::uint64_t{0}},
    };
    // Known only once rules came from a server while this kiosk watched:
    // server clock when made minus ours when they arrived (positive: ours is behind).
    if (rules_seen_ms_ != 0) {
        const auto skew = rules_fetched_ms_ - rules_seen_ms_;
        o["clock_skew_ms"] = skew;
        o["clock_warning"] =
            std::abs(skew) >
            std::chrono::duration_cast<std::chrono::milliseconds>(options_.skew_warning).count();
    } else {
        o["clock_skew_ms"] = nullptr;
        o["clock_warning"] = false;
    }
    return o;
}

void door_display::publish_locked(json::object event) {
    event["seq"] = ++seq_;
    event["sent_ms"] = now_ms();
    http_->publish(json::serialize(event));
}

void door_display::publish_status_locked() {
    auto status = status_locked();
    auto text = json::serialize(status);
    if (text == last_status_) return;
    last_status_ = std::move(text);
    publish_locked(std::move(status));
}

void door_display::refresh_status() {
    std::lock_guard lock(mutex_);
    publish_status_locked();
}

std::vector<std::string> door_display::greeting() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    json::array servers;
    for (const auto& s : options_.servers) servers.emplace_back(s);
    json::object config{
        {"type", "config"},
        {"lang", options_.language},
        {"volume", options_.volume},
        {"mute", options_.mute},
        {"idle_s", options_.idle_seconds},
        {"input", options_.input},
        {"version", options_.version},
        {"servers", std::move(servers)},
        {"seq", seq_},
    };
    out.push_back(json::serialize(config));
    auto status = status_locked();
    status["seq"] = seq_;
    status["sent_ms"] = now_ms();
    out.push_back(json::serialize(status));
    json::array scans;
    for (const auto& s : history_) scans.push_back(s);
    out.push_back(json::serialize(json::object{
        {"type", "history"}, {"seq", seq_}, {"count", scans_shown_}, {"scans", std::move(scans)}}));
    return out;
}

bool door_display::duplicate_locked(const shown_scan& s) const {
    // Hook: when a verdict carries the server's own duplicate flag, OR it in here.
    if (s.result.admitted || s.result.why != core::reason::already_inside) return false;
    const auto now = std::chrono::steady_clock::now();
    return std::any_of(admitted_.begin(), admitted_.end(), [&](const admission& a) {
        return a.attendee_id == s.attendee_id && now - a.at < options_.duplicate_window;
    });
}

std::string door_display::category_colour_locked(const std::string& category_name) const {
    if (!facts_) return {};
    const auto f = facts_();
    if (!f.rules) return {};
    for (const auto& c : f.rules->event.categories) {
        if (c.name == category_name || c.id == category_name) return c.colour;
    }
    return {};
}

void door_display::push_history_locked(const json::object& scan) {
    history_.push_back(scan);
    if (history_.size() > history_size) history_.pop_front();
}

// Binary preview frame: "ADMF", width and height (uint16, little-endian),
// width*height grey bytes (nearest-neighbour scaled), then the number of
// codes (one byte) and each code's four corners as x,y uint16 pairs in the
// scaled frame's pixels.
void door_display::frame(const grey_frame& image, const std::vector<decoded_code>& codes) {
    if (image.pixels == nullptr || image.width <= 0 || image.height <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    const auto every = std::chrono::milliseconds(1000 / std::max(1, options_.preview_fps));
    if (codes.empty() && now - last_frame_ < every) return;
    if (http_->pages() == 0) return;
    last_frame_ = now;
    const int step =
        std::max(1, (image.width + options_.preview_width - 1) / options_.preview_width);
    const int w = image.width / step;
    const int h = image.height / step;
    if (w <= 0 || h <= 0 || w > 65535 || h > 65535) return;
    std::string bytes = "ADMF";
    for (const int v : {w, h}) {
        bytes.push_back(static_cast<char>(v & 0xff));
        bytes.push_back(static_cast<char>((v >> 8) & 0xff));
    }
    bytes.reserve(bytes.size() + static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    for (int y = 0; y < h; ++y) {
        const auto* row = image.pixels + static_cast<std::ptrdiff_t>(y) * step * image.stride;
        for (int x = 0; x < w; ++x) bytes.push_back(static_cast<char>(row[x * step]));
    }
    const auto put16 = [&](int v) {
        v = std::clamp(v, 0, 65535);
        bytes.push_back(static_cast<char>(v & 0xff));
        bytes.push_back(static_cast<char>((v >> 8) & 0xff));
    };
    const auto count = std::min<std::size_t>(codes.size(), 255);
    bytes.push_back(static_cast<char>(count));
    for (std::size_t i = 0; i < count; ++i) {
        for (const auto& [x, y] : codes[i].corners) {
            put16(x / step);
            put16(y / step);
        }
    }
    http_->publish_frame(std::move(bytes));
}

void door_display::ready(const std::string& station, const std::string& direction) {
    std::lock_guard lock(mutex_);
    station_ = station;
    direction_ = direction;
    publish_status_locked();
}

void door_display::scan(const shown_scan& s) {
    const auto received = now_ms();
    std::lock_guard lock(mutex_);
    const bool duplicate = duplicate_locked(s);
    if (s.result.admitted && !s.attendee_id.empty()) {
        admitted_.push_back({s.attendee_id, std::chrono::steady_clock::now()});
        if (admitted_.size() > admissions_kept) admitted_.pop_front();
    }
    if (s.capacity > 0) {
        inside_ = s.inside;
        capacity_ = s.capacity;
    }
    if (!s.hall_name.empty()) hall_ = s.hall_name;
    backlog_ = s.backlog;
    json::object o{
        {"type", "scan"},
        {"n", ++scans_shown_},
        {"scan_id", s.scan_id},
        {"state", screen_state(s, duplicate)},
        {"admitted", s.result.admitted},
        {"reason", std::string(core::reason_code(s.result.why))},
        {"warning", s.result.warning},
        {"offline", s.offline},
        {"duplicate", duplicate},
        // A reissued badge's older version: the person is real, the badge is not the current one.
        {"reissued", s.result.why == core::reason::revoked_badge},
        {"repeat", false},
        {"explanation", s.result.explanation},
        {"attendee_id", s.attendee_id},
        {"name", s.name},
        {"category", s.category},
        {"category_colour", category_colour_locked(s.category)},
        {"hall", s.hall_name},
        {"inside", s.inside},
        {"capacity", s.capacity},
        {"server", s.server},
        {"latency_ms", s.latency_ms},
        {"kiosk_ms", received},
    };
    push_history_locked(o);
    publish_locked(std::move(o));
    publish_status_locked();
}

void door_display::repeat(const std::string& payload) {
    const auto received = now_ms();
    std::lock_guard lock(mutex_);
    // The same badge again within the repeat window: the kiosk did not send it
    // again. Show it as a new event (counted), so staff see the second read.
    const auto it = std::find_if(reads_.rbegin(), reads_.rend(), [&](const read& r) {
        return r.payload == payload;
    });
    json::object o;
    if (it != reads_.rend()) {
        o = it->scan;
        o["repeat_of"] = it->scan.at("scan_id");
        // A refused badge read again stays red; an admitted one turns amber.
        if (o.at("admitted").as_bool()) o["state"] = "warning";
    } else {
        o = json::object{{"admitted", false},    {"state", "warning"}, {"reason", ""},
                         {"name", ""},           {"category", ""},     {"inside", inside_},
                         {"capacity", capacity_}};
    }
    o["type"] = "scan";
    o["n"] = ++scans_shown_;
    o["repeat"] = true;
    o["duplicate"] = true;
    o["kiosk_ms"] = received;
    o["scan_id"] = "";
    push_history_locked(o);
    publish_locked(std::move(o));
}

void door_display::link(
    bool online, const std::string& server, const std::string& detail, std::size_t backlog
) {
    std::lock_guard lock(mutex_);
    if (!online && (online_ || offline_since_ms_ == 0)) offline_since_ms_ = now_ms();
    if (online) offline_since_ms_ = 0;
    online_ = online;
    server_ = server;
    backlog_ = backlog;
    if (!online) {
        notice_kind_ = "warning";
        notice_ = detail;
    } else if (notice_kind_ == "warning") {
        notice_.clear();
        notice_kind_.clear();
    }
    publish_status_locked();
}

void door_display::synced(const synced_scan& s) {
    std::lock_guard lock(mutex_);
    backlog_ = s.backlog;
    if (s.conflict) ++conflicts_;
    // A replay brings thousands of verdicts: publish only what staff must see.
    if (s.conflict || s.backlog == 0) publish_status_locked();
}

// A scan this kiosk showed, decided again by the server once a scan read
// before it arrived late: a flipped verdict is a conflict staff should see.
void door_display::redecided(const redecided_scan& s) {
    if (!s.conflict) return;
    std::lock_guard lock(mutex_);
    ++conflicts_;
    notice_kind_ = "warning";
    notice_ = std::string("Decided again in read order: a scan shown ") +
              (s.shown_admitted ? "admitted" : "refused") + " is now " +
              (s.now_admitted ? "admitted" : "refused") + " (" + s.reason + ")";
    publish_status_locked();
}

void door_display::note(const std::string& kind, const std::string& message) {
    std::lock_guard lock(mutex_);
    if (kind != "info") {
        notice_kind_ = kind;
        notice_ = message;
    }
    // "rules fetched": read them now, so the clock comparison is close.
    publish_status_locked();
}

}  // namespace admit::scanner
