#pragma once
// The HTTP API and static files, as plain request -> reply, with no Beast
// types, so routing is unit-testable and fuzzable. Routes:
//   GET /healthz                     liveness and storage state (open)
//   GET /metrics                     Prometheus text (open)
//   GET /api/occupancy               every hall + totals per site (viewer)
//   GET /api/attendees/{id}          status and scan history (viewer)
//   GET /api/halls/{id}/inside       roll call: who is inside now (viewer)
//   GET /api/event                   halls, stations, sessions (viewer)
//   GET /api/attendees?q=TEXT        search (viewer)
//   GET /api/stations                station health (viewer)
//   GET /api/alerts                  alerts not yet acknowledged (viewer)
//   POST /api/alerts/{n}/ack         acknowledge an alert for everyone (staff)
//   POST /api/reload                 reload the event config from its file (staff)
//   GET /api/station/rules?station=  offline rules for a kiosk (station token)
//   POST /api/checkin, /api/scans/{id}/annul, /api/attendees/{id}/reissue,
//   GET /api/attendees/{id}/badge.pdf, /token, POST /api/roster (CSV)
//                                    help desk and admin (staff); see docs/api.md
//   POST /api/pairing, GET /api/pairing, POST /api/pairing/{device}/revoke
//                                    pairing codes for phones as stations (staff)
//   POST /api/pairing/claim          a phone claims a code (the code is the proof)
//   GET /<file>                      web/ static files (open)
// Tokens: "Authorization: Bearer <token>" or "?token=<token>". With no
// tokens in the config, every route is open (the server warns at start).
// Staff are either people with their own credential (`admit staff add`,
// staff_directory.hpp), whose name the audit log records, or anyone holding
// a shared staff token from the config, who must type their name.
// Thread safety: handle() is safe from any thread.

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "config/event_loader.hpp"
#include "engine/engine.hpp"
#include "service/help_desk.hpp"
#include "service/live_state.hpp"
#include "service/metrics.hpp"
#include "service/pairing.hpp"
#include "service/staff_directory.hpp"
#include "service/web_files.hpp"
#include "store/scan_store.hpp"

namespace admit::service {

struct http_request_view {
    std::string_view method;
    std::string_view target;         // path and query
    std::string_view authorization;  // the Authorization header, if any
    std::string_view body;
};

struct http_reply {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string allow;  // for 405
    std::filesystem::path file;  // when set, the body is this file, streamed (static files, exports)
    std::string retry_after;     // seconds, for 503 when busy
    // A private temporary folder holding `file`, removed once the reply is
    // written (or could not be): exports and badge PDFs are streamed from disk.
    std::filesystem::path remove_after;
};


enum class role { none, viewer, staff };

// Who is asking, as far as the server can tell.
struct principal {
    service::role role = service::role::none;
    // A personal staff credential: the name it was issued to. Empty for the
    // shared tokens of the config and for an event with no tokens at all.
    std::string name;
};

class api {
public:
    api(const config::loaded_config& config,
        engine::engine& engine,
        metrics& stats,
        live_state& live,
        std::filesystem::path data_dir,
        std::filesystem::path web_dir);

    http_reply handle(const http_request_view& request);
    role role_of(const http_request_view& request) const { return who(request).role; }
    principal who(const http_request_view& request) const;
    // True when token is this station's configured token or a paired
    // phone's credential for it (service/pairing.hpp).
    bool station_token_ok(std::string_view station_id, std::string_view token) const;
    // Where a request runs. Never on the station threads when it may wait
    // for the disk or the writer (staff actions, a person's history), nor
    // when it takes seconds of CPU (exports, badge PDFs: reports, which run
    // one at a time at idle priority so that doors always come first).
    enum class work { now, blocking, report };
    static work work_of(const http_request_view& request);

    // What POST /api/reload does (set by main): reloads the config file and
    // says what happened as JSON; ok false changed nothing.
    struct reload_outcome {
        bool ok = false;
        std::string json;
    };
    void set_reloader(std::function<reload_outcome(const std::string& who)> reload);

private:
    http_reply occupancy() const;
    http_reply attendee(const std::string& id);
    http_reply inside(const std::string& hall_id) const;
    http_reply event_info() const;
    http_reply health() const;
    http_reply static_file(std::string_view path) const;
    http_reply search(std::string_view target) const;
    http_reply station_rules(const http_request_view& request) const;
    http_reply read_route(std::string_view path, const http_request_view& request);
    // Staff operations that are not help-desk actions: config reload, alert acknowledgement.
    std::optional<http_reply> operations_route(std::string_view path, const std::string& actor);
    static std::string actor_name(const principal& caller);
    // The event's store: SQLite in the data directory, or [store]'s PostgreSQL.
    store::store_location store_location() const { return {data_dir_, config_.server.postgres_url}; }

    const config::loaded_config& config_;
    engine::engine& engine_;
    metrics& stats_;
    live_state& live_;
    std::filesystem::path data_dir_;
    web_files web_files_;
    staff_directory staff_;  // personal staff credentials
    help_desk desk_;  // staff actions, after who() said staff
    pairing pairing_;  // phones paired as stations
    core::public_key public_key_{};
    std::mutex reader_mutex_;  // guards reader_
    std::unique_ptr<store::scan_store> reader_;
    std::function<reload_outcome(const std::string& who)> reload_;  // set before serving
};

// The body of GET /api/occupancy (also inside every live-view frame).
std::string occupancy_json(const core::event_config& event, const engine::occupancy_snapshot& snap);

// "{\"error\":...}" with the status.
http_reply error_reply(unsigned status, std::string_view message);
// 200 with a body of this type.
http_reply body_reply(std::string content_type, std::string body);
// 200 streaming `file`; `remove_after` (a private temp folder) goes once it is sent.
http_reply file_reply(std::string content_type, std::filesystem::path file, std::filesystem::path remove_after = {});
// 503 with Retry-After: the pool for slow requests is full. (Defined apart from
// the coroutine that uses it: GCC 12 warns falsely about strings set inside one.)
http_reply busy_reply();

// Splits "/a/b?x=1" into path and the value of one query parameter.
std::string_view path_of(std::string_view target);
std::string query_param(std::string_view target, std::string_view name);
// The part between prefix and suffix ("/api/halls/{id}/inside" -> id); nullopt when the path is
// not of that shape or the part is empty.
std::optional<std::string> path_part(std::string_view path, std::string_view prefix, std::string_view suffix);

}  // namespace admit::service
