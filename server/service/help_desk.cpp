#include "service/help_desk.hpp"

#include <stdlib.h>

#include <atomic>
#include <fstream>
#include <future>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "badges/badge_pdf.hpp"
#include "config/key_files.hpp"
#include "config/roster_csv.hpp"
#include "reports/export_reports.hpp"
#include "service/api.hpp"
#include "service/json_util.hpp"

namespace admit::service {

namespace json = boost::json;

namespace {

// The body as a JSON object, or an error naming what is wrong.
std::optional<json::object> parse_body(std::string_view body, http_reply& error) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) {
        error = error_reply(400, ec ? fmt::format("request body is not JSON: {}", ec.message())
                                    : std::string("request body must be a JSON object"));
        return std::nullopt;
    }
    return std::move(v.as_object());
}

// Who did it, for the scan log and the audit log: the name the server
// authenticated (a personal credential); with a shared staff token only the
// name typed at the desk is known, and the record says so.
std::optional<std::string> actor_of(const json::object& body, const std::string& staff_name, http_reply& error) {
    if (!staff_name.empty()) return staff_name;
    const auto typed = json_string(body, "actor");
    if (typed.empty()) {
        error = error_reply(400, "actor (who is at the desk) is required with a shared staff token; "
                                 "personal credentials (admit staff add NAME) need none");
        return std::nullopt;
    }
    return fmt::format("{} (shared token)", typed);
}

// The audit entry of a staff action from its body: who did it and why, both required.
std::optional<store::audit_entry> audit_from(const json::object& body, const std::string& staff_name,
                                             core::time_point at, std::string action, std::string subject,
                                             http_reply& error) {
    const auto actor = actor_of(body, staff_name, error);
    if (!actor) return std::nullopt;
    store::audit_entry entry;
    entry.at = at;
    entry.actor = *actor;
    entry.action = std::move(action);
    entry.subject = std::move(subject);
    entry.note = json_string(body, "reason");
    if (entry.note.empty()) {
        error = error_reply(400, "reason is required");
        return std::nullopt;
    }
    return entry;
}

// A manual entry that the doors would refuse (a session not open, a category
// not allowed, a full hall): the door's verdict, or nothing when the doors
// would admit the person too, or when check-in by hand refuses anyway.
std::optional<core::verdict> rule_broken(const engine::engine& judge_with, core::scan s) {
    if (s.dir != core::direction::entry) return std::nullopt;
    const auto forced = judge_with.judge(s);
    s.door_rules = true;
    const auto door = judge_with.judge(s);
    if (door.result.admitted || !forced.result.admitted) return std::nullopt;
    return door.result;
}

std::string manual_scan_id(core::time_point now) {
    static std::atomic<std::uint64_t> counter{0};
    return fmt::format("desk-{}-{}", now.time_since_epoch().count(), ++counter);
}

}  // namespace

help_desk::help_desk(const config::loaded_config& config, engine::engine& engine, std::filesystem::path data_dir)
    : config_(config), engine_(engine), data_dir_(std::move(data_dir)) {}

namespace {
// A new private folder (mode 0700) under the system temp folder, named
// admit-<what>-XXXXXX; empty when it cannot be made.
std::filesystem::path make_private_temp_dir(std::string_view what) {
    std::string pattern = (std::filesystem::temp_directory_path() / fmt::format("admit-{}-XXXXXX", what)).string();
    if (::mkdtemp(pattern.data()) == nullptr) return {};
    return pattern;
}
}  // namespace

http_reply help_desk::route(std::string_view path, const http_request_view& request, const std::string& staff_name) {
    if (path == "/api/checkin") return checkin(request.body, staff_name);
    if (path == "/api/roster") return import_roster(request.body);
    if (path == "/api/export.xlsx" || path.starts_with("/api/export/")) return export_file(path);
    if (const auto id = path_part(path, "/api/scans/", "/annul")) return annul(*id, request.body, staff_name);
    if (const auto id = path_part(path, "/api/attendees/", "/reissue")) return reissue(*id, request.body, staff_name);
    if (const auto id = path_part(path, "/api/attendees/", "/token")) return badge_token(*id);
    if (const auto id = path_part(path, "/api/attendees/", "/badge.pdf")) return badge_pdf(*id);
    return error_reply(404, fmt::format("no help-desk route {}", path));
}

http_reply help_desk::checkin(std::string_view body, const std::string& staff_name) {
    http_reply error;
    const auto req = parse_body(body, error);
    if (!req) return error;
    core::scan s;
    s.kind = core::scan_kind::manual;
    s.attendee_id = json_string(*req, "attendee_id");
    s.hall_id = json_string(*req, "hall_id");
    s.note = json_string(*req, "reason");
    const auto direction = json_string(*req, "direction");
    if (!engine_.find_attendee(s.attendee_id))
        return error_reply(400, fmt::format("attendee_id \"{}\" is not on the roster", s.attendee_id));
    if (!engine_.event()->find_hall(s.hall_id))  // the model in force: a reload may have added it
        return error_reply(400, fmt::format("hall_id \"{}\" is not a hall of this event", s.hall_id));
    if (direction != "entry" && direction != "exit")
        return error_reply(400, "direction must be \"entry\" or \"exit\"");
    const auto actor = actor_of(*req, staff_name, error);
    if (!actor) return error;
    s.actor = *actor;
    if (s.note.empty()) return error_reply(400, "reason (e.g. lost badge, scanner failure) is required");
    s.dir = direction == "entry" ? core::direction::entry : core::direction::exit;
    s.server_time = s.device_time = engine_.now();
    s.scan_id = manual_scan_id(s.server_time);

    // A check-in by hand admits whatever the doors' rules say; staff must see
    // which rule they override and say so (the override and its reason go to the audit log).
    const auto broken = rule_broken(engine_, s);
    const auto override_value = req->if_contains("override");
    const bool overriding = override_value != nullptr && override_value->is_bool() && override_value->as_bool();
    if (broken && !overriding) {
        auto reply = json_reply(json::object{
            {"error", fmt::format("this check-in breaks a rule: {}", broken->explanation)},
            {"needs_override", true},
            {"rule", core::reason_code(broken->why)},
            {"rule_explanation", broken->explanation}}, 409);
        return reply;
    }

    // Shared with the writer's callback: after a timed-out wait below, the
    // writer still answers later, into a promise that is still alive.
    auto result = std::make_shared<std::promise<engine::scan_outcome>>();
    auto outcome = result->get_future();
    engine_.submit({s}, [result](std::vector<engine::scan_outcome> o) { result->set_value(std::move(o.front())); });
    if (outcome.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
        return error_reply(503, "the scan log did not answer in time; try again");
    const auto o = outcome.get();
    if (!o.stored) return error_reply(503, fmt::format("not stored: {}", o.store_error));
    if (broken && o.record.result.admitted) {
        try {
            engine_.run_on_writer([&](store::scan_store& log) {
                log.add_audit({0, s.server_time, s.actor, "override", s.attendee_id,
                               fmt::format("{} ({}) at {}; scan {}: {}", core::reason_code(broken->why),
                                           broken->explanation, s.hall_id, s.scan_id, s.note)});
            });
        } catch (const std::exception& e) {
            spdlog::error("help desk: the override of {} was stored but not audited: {}", s.scan_id, e.what());
        }
    }
    spdlog::info("help desk: {} {} {} at {} ({}): {}", s.actor, direction == "entry" ? "checked in" : "checked out",
                 s.attendee_id, s.hall_id, s.note, o.record.result.explanation);
    auto reply = record_json(o.record);
    reply["inside"] = o.inside;
    reply["capacity"] = o.capacity;
    // What the server did to occupancy, which for an exit from the wrong hall
    // is not the hall asked for: the desk says it in words.
    if (o.record.moved) {
        reply["moved_from"] = o.record.moved->from_hall;
        reply["moved_to"] = o.record.moved->to_hall;
    }
    if (broken) {
        reply["overridden_rule"] = core::reason_code(broken->why);
        reply["overridden_explanation"] = broken->explanation;
    }
    return json_reply(reply);
}

http_reply help_desk::annul(const std::string& scan_id, std::string_view body, const std::string& staff_name) {
    http_reply error;
    const auto req = parse_body(body, error);
    if (!req) return error;
    const auto audit = audit_from(*req, staff_name, engine_.now(), "annul", scan_id, error);
    if (!audit) return error;
    const auto& entry = *audit;
    try {
        if (!engine_.annul(scan_id, entry)) return error_reply(404, fmt::format("no scan with id \"{}\"", scan_id));
    } catch (const store::store_error& e) {
        return error_reply(503, e.what());
    }
    spdlog::info("help desk: {} annulled scan {} ({})", entry.actor, scan_id, entry.note);
    return json_reply(json::object{{"annulled", scan_id}});
}

http_reply help_desk::reissue(const std::string& attendee_id, std::string_view body, const std::string& staff_name) {
    http_reply error;
    const auto req = parse_body(body, error);
    if (!req) return error;
    auto person = engine_.find_attendee(attendee_id);
    if (!person) return error_reply(404, fmt::format("no attendee with id \"{}\"", attendee_id));
    const auto audit = audit_from(*req, staff_name, engine_.now(), "reissue", attendee_id, error);
    if (!audit) return error;
    const auto& entry = *audit;
    std::string token;
    try {
        const auto keys = config::read_badge_keys(data_dir_);
        engine_.run_on_writer([&](store::scan_store& log) {
            // Read the stored version: it may be ahead of the engine's copy.
            for (const auto& a : log.load_roster())
                if (a.id == attendee_id) person->badge_version = std::max(person->badge_version, a.badge_version);
            ++person->badge_version;
            log.upsert_attendees({*person});
            auto noted = entry;
            noted.note = fmt::format("version {}: {}", person->badge_version, entry.note);
            log.add_audit(noted);
        });
        engine_.reload_roster();
        token = core::sign_badge_of(config_.event.id, *person, keys.secret);
    } catch (const std::exception& e) {
        return error_reply(503, fmt::format("badge not reissued: {}", e.what()));
    }
    spdlog::info("help desk: {} reissued the badge of {} (version {}): {}", entry.actor, attendee_id,
                 person->badge_version, entry.note);
    return json_reply(json::object{{"id", attendee_id}, {"badge_version", person->badge_version}, {"token", token}});
}

http_reply help_desk::import_roster(std::string_view csv) {
    const auto event = engine_.event();  // the categories in force now
    auto parsed = config::parse_roster_csv(csv, *event);
    if (!parsed.ok()) {
        json::array problems;
        for (const auto& p : parsed.problems)
            problems.push_back(json::object{{"line", p.line}, {"message", p.message}});
        auto reply = json_reply(json::object{
            {"error", fmt::format("nothing imported: {} problem(s) in the CSV", parsed.problems.size())},
            {"problems", std::move(problems)}}, 400);
        return reply;
    }
    core::roster_import_counts counts;
    try {
        engine_.run_on_writer([&](store::scan_store& log) {
            counts = core::prepare_import(log.load_roster(), parsed.people);
            log.upsert_attendees(parsed.people);
            log.add_audit({0, engine_.now(), "http", "import_roster", "POST /api/roster",
                           fmt::format("{} new, {} updated, {} unchanged", counts.added, counts.updated,
                                       counts.unchanged)});
        });
        engine_.reload_roster();
    } catch (const store::store_error& e) {
        return error_reply(503, fmt::format("nothing imported: {}", e.what()));
    }
    return json_reply(json::object{{"imported", parsed.people.size()}, {"added", counts.added},
                                   {"updated", counts.updated}, {"unchanged", counts.unchanged},
                                   {"kept", counts.kept}});
}


http_reply help_desk::export_file(std::string_view path) {
    // Made fresh from the log each time, from a read-only store of its own so
    // the writer is never blocked; in a private temp folder.
    const bool workbook = path == "/api/export.xlsx";
    const std::string wanted = workbook ? "admit-report.xlsx" : std::string(path.substr(std::string_view("/api/export/").size()));
    if (!workbook && (!wanted.ends_with(".csv") && !wanted.ends_with(".pdf")))
        return error_reply(404, "exports are /api/export.xlsx, /api/export/<report>.csv and /api/export/summary-YYYY-MM-DD.pdf");
    const auto dir = make_private_temp_dir("export");
    if (dir.empty()) return error_reply(500, "cannot make a temporary folder for the export");
    http_reply reply;
    try {
        auto log = store::open_store(store_location(), store::open_mode::read_only);
        reports::export_options opt;
        opt.out_dir = dir;
        opt.csv = wanted.ends_with(".csv");
        opt.xlsx = workbook;
        opt.pdf = wanted.ends_with(".pdf");
        const auto result = reports::export_reports(*log, *engine_.event(), opt);  // sessions in force now
        reply = error_reply(404, fmt::format("no export named {}", wanted));
        for (const auto& f : result.files) {
            if (f.filename() != wanted) continue;
            const auto type = workbook ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                              : opt.pdf ? "application/pdf"
                                        : "text/csv; charset=utf-8";
            // Streamed from the file by the server, which then removes the folder.
            reply = file_reply(type, f, dir);
            return reply;
        }
    } catch (const std::exception& e) {
        reply = error_reply(503, fmt::format("export failed: {}", e.what()));
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return reply;
}

http_reply help_desk::badge_token(const std::string& attendee_id) {
    const auto person = engine_.find_attendee(attendee_id);
    if (!person) return error_reply(404, fmt::format("no attendee with id \"{}\"", attendee_id));
    try {
        const auto keys = config::read_badge_keys(data_dir_);
        return json_reply(json::object{
            {"id", person->id}, {"badge_version", person->badge_version},
            {"token", core::sign_badge_of(config_.event.id, *person, keys.secret)}});
    } catch (const std::exception& e) {
        return error_reply(500, fmt::format("no token: {}", e.what()));
    }
}

http_reply help_desk::badge_pdf(const std::string& attendee_id) {
    const auto person = engine_.find_attendee(attendee_id);
    if (!person) return error_reply(404, fmt::format("no attendee with id \"{}\"", attendee_id));
    try {
        const auto keys = config::read_badge_keys(data_dir_);
        const auto event = engine_.event();  // the model in force (a reload may change names and dates)
        const auto* category = event->find_category(person->category);
        badges::badge_print print{
            *person, category ? category->name : person->category, category ? category->colour : "",
            event->name,
            core::sign_badge_of(event->id, *person, keys.secret), badges::event_dates_text(*event)};
        // A private folder: the attendee id is data, never part of a path.
        const auto dir = make_private_temp_dir("badge");
        if (dir.empty()) return error_reply(500, "cannot make a temporary folder for the badge");
        const auto file = dir / "badge.pdf";
        try {
            badges::write_badges_pdf(file, {print}, badges::page_layout::a6_single);
        } catch (...) {
            std::error_code ignored;
            std::filesystem::remove_all(dir, ignored);
            throw;
        }
        return file_reply("application/pdf", file, dir);
    } catch (const std::exception& e) {
        return error_reply(500, fmt::format("badge not made: {}", e.what()));
    }
}

}  // namespace admit::service
