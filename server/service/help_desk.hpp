#pragma once
// The help desk's actions (staff only), routed here by the API once it has
// checked the staff token: manual check-in and check-out, annulling a wrong
// scan, reissuing a badge and printing it, importing the roster and the
// exports. Each action is recorded with who did it: manual scans in the scan
// log, the rest in the audit log.
// Thread safety: route() is safe from any thread (the engine serialises writes).

#include <filesystem>
#include <string>
#include <string_view>

#include "config/event_loader.hpp"
#include "engine/engine.hpp"
#include "store/scan_store.hpp"

namespace admit::service {

struct http_request_view;
struct http_reply;

class help_desk {
public:
    help_desk(const config::loaded_config& config, engine::engine& engine, std::filesystem::path data_dir);

    // One staff route (POST /api/checkin, /api/roster, exports, badges); 404 for any other path.
    // staff_name: the person a personal credential was issued to (who is
    // recorded as having done it); empty for a shared staff token, whose
    // holder must then give their name as "actor" in the body.
    http_reply route(std::string_view path, const http_request_view& request, const std::string& staff_name);

private:
    http_reply checkin(std::string_view body, const std::string& staff_name);
    http_reply annul(const std::string& scan_id, std::string_view body, const std::string& staff_name);
    http_reply reissue(const std::string& attendee_id, std::string_view body, const std::string& staff_name);
    http_reply badge_pdf(const std::string& attendee_id);
    http_reply badge_token(const std::string& attendee_id);
    http_reply import_roster(std::string_view csv);
    http_reply export_file(std::string_view path);
    // The event's store: SQLite in the data directory, or [store]'s PostgreSQL.
    store::store_location store_location() const { return {data_dir_, config_.server.postgres_url}; }

    const config::loaded_config& config_;
    engine::engine& engine_;
    std::filesystem::path data_dir_;
};

}  // namespace admit::service
