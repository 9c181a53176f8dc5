// JSON lines: one complete object per line, so a reader never sees half an event.
#include "kiosk/json_display.hpp"

#include <boost/json.hpp>

namespace admit::scanner {

namespace json = boost::json;

void json_display::line(const std::string& text) {
    std::lock_guard lock(mutex_);
    out_ << text << '\n';
    out_.flush();
}

void json_display::ready(const std::string& station, const std::string& direction) {
    line(json::serialize(json::object{
        {"type", "ready"}, {"station", station}, {"direction", direction}}));
}

void json_display::scan(const shown_scan& s) {
    line(json::serialize(json::object{
        {"type", "scan"},
        {"scan_id", s.scan_id},
        {"admitted", s.result.admitted},
        {"reason", std::string(core::reason_code(s.result.why))},
        {"warning", s.result.warning},
        {"explanation", s.result.explanation},
        {"attendee_id", s.attendee_id},
        {"name", s.name},
        {"category", s.category},
        {"hall", s.hall_name},
        {"inside", s.inside},
        {"capacity", s.capacity},
        {"offline", s.offline},
        {"duplicate", s.duplicate},
        {"source", s.offline ? "offline" : "server"},
        {"server", s.server},
        {"latency_ms", s.latency_ms},
        {"backlog", s.backlog},
    }));
}

void json_display::repeat(const std::string& payload) {
    line(json::serialize(json::object{{"type", "repeat"}, {"payload", payload.substr(0, 64)}}));
}

void json_display::link(
    bool online, const std::string& server, const std::string& detail, std::size_t backlog
) {
    line(json::serialize(json::object{
        {"type", "link"},
        {"state", online ? "online" : "offline"},
        {"server", server},
        {"detail", detail},
        {"backlog", backlog}}));
}

void json_display::synced(const synced_scan& s) {
    line(json::serialize(json::object{
        {"type", "synced"},
        {"scan_id", s.scan_id},
        {"admitted", s.server_admitted},
        {"reason", s.reason},
        {"offline", s.was_offline},
        {"conflict", s.conflict},
        {"shown_admitted", s.shown_admitted},
        {"backlog", s.backlog},
        {"server", s.server},
    }));
}

void json_display::redecided(const redecided_scan& s) {
    line(json::serialize(json::object{
        {"type", "redecided"},
        {"scan_id", s.scan_id},
        {"shown_admitted", s.shown_admitted},
        {"admitted", s.now_admitted},
        {"reason", s.reason},
        {"explanation", s.explanation},
        {"because", s.because_scan_id},
        {"conflict", s.conflict},
    }));
}

void json_display::note(const std::string& kind, const std::string& message) {
    line(json::serialize(json::object{{"type", kind}, {"message", message}}));
}

}  // namespace admit::scanner
