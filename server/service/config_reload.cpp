#include "service/config_reload.hpp"

#include <stdexcept>
#include <utility>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

namespace admit::service {

namespace json = boost::json;

namespace {

// The settings read only at start that differ in the file now.
std::vector<std::string> restart_only_changes(const config::server_settings& was, const config::server_settings& now) {
    std::vector<std::string> out;
    const auto note = [&](bool differs, const char* what) {
        if (differs) out.push_back(std::string(what) + " changed in the file; it takes effect only when the server restarts");
    };
    note(was.listen_address != now.listen_address || was.port != now.port || was.threads != now.threads ||
             was.data_dir != now.data_dir || was.web_dir != now.web_dir || was.tls_cert != now.tls_cert ||
             was.tls_key != now.tls_key,
         "[server]");
    note(was.viewer_token_hashes != now.viewer_token_hashes || was.staff_token_hashes != now.staff_token_hashes,
         "[access]");
    note(was.postgres_url != now.postgres_url, "[store]");
    return out;
}

}  // namespace

std::string reload_result::json() const {
    json::array list;
    for (const auto& c : changes) {
        json::object params;
        for (const auto& [name, value] : c.params) params[name] = value;
        list.push_back(json::object{{"code", c.code}, {"params", std::move(params)}, {"text", c.text}});
    }
    json::array warns;
    for (const auto& w : warnings) warns.push_back(json::value(w));
    json::object out{{"ok", ok}, {"changes", std::move(list)}, {"warnings", std::move(warns)}};
    if (!ok) {
        json::array probs;
        for (const auto& p : problems) probs.push_back(json::value(p));
        std::string first = problems.empty() ? "the config was not reloaded" : problems.front();
        if (problems.size() > 1) first += " (and " + std::to_string(problems.size() - 1) + " more)";
        out["error"] = "config not reloaded, nothing changed: " + first;
        out["problems"] = std::move(probs);
    }
    return json::serialize(out);
}

config_reloader::config_reloader(std::filesystem::path file, config::server_settings started_with,
                                 engine::engine& engine, live_state& live)
    : file_(std::move(file)), started_with_(std::move(started_with)), engine_(engine), live_(live) {}

reload_result config_reloader::reload(const std::string& who) {
    std::lock_guard lock(mutex_);
    auto result = apply(who);
    if (!result.ok) {
        for (const auto& p : result.problems) spdlog::error("config reload by {} refused, nothing changed: {}", who, p);
        return result;
    }
    for (const auto& w : result.warnings) spdlog::warn("config reload: {}", w);
    spdlog::info("config {} reloaded by {}: {}", file_.string(), who, core::describe_changes(result.changes));
    return result;
}

reload_result config_reloader::apply(const std::string& who) {
    reload_result result;
    config::loaded_config fresh;
    try {
        fresh = config::load_config(file_);
    } catch (const config::config_error& e) {
        result.problems = e.problems();
        return result;
    } catch (const std::exception& e) {
        result.problems.push_back(e.what());
        return result;
    }
    result.warnings = restart_only_changes(started_with_, fresh.server);
    result.changes = core::diff_events(*engine_.event(), fresh.event);
    if (result.changes.empty()) {
        result.ok = true;  // nothing to put in force, nothing to record
        return result;
    }
    store::audit_entry audit;
    audit.at = engine_.now();
    audit.actor = who;
    audit.action = "config_reload";
    audit.subject = file_.filename().string();
    audit.note = core::describe_changes(result.changes);
    try {
        engine_.replace_event(std::move(fresh.event), audit);
    } catch (const std::invalid_argument& e) {
        result.problems.push_back(file_.string() + ": " + e.what());
        return result;
    } catch (const store::store_error& e) {
        result.problems.push_back("the audit log cannot be written (" + std::string(e.what()) + "); try again");
        return result;
    }
    live_.config_reloaded(result.changes, who);
    result.ok = true;
    return result;
}

}  // namespace admit::service
