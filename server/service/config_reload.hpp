#pragma once
// Reloading the event config while the server runs (SIGHUP, or POST
// /api/reload, which `admit reload` calls). The file is read and checked
// whole first: a broken file, or one that cannot replace the running model
// (another event id, a hall removed), changes nothing and says why. A good
// one is put in force by the engine between two groups of scans (no station
// is disconnected, no scan is lost), recorded in the audit log with what
// changed, and shown on the dashboards as an alert.
// [server], [access] and [store] are read at start only: a change there is
// reported as needing a restart and otherwise ignored.
// Thread safety: reload() may be called from any thread except the engine's
// writer (it waits for it); reloads run one at a time.

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "config/event_loader.hpp"
#include "core/event_diff.hpp"
#include "engine/engine.hpp"
#include "service/live_state.hpp"

namespace admit::service {

struct reload_result {
    bool ok = false;
    std::vector<std::string> problems;  // why nothing changed, each naming the file and line when known
    std::vector<core::event_change> changes;
    std::vector<std::string> warnings;  // settings that need a restart
    // {"ok":..,"changes":[{code,params,text}],"warnings":[..]} or {"ok":false,"error":..,"problems":[..]}
    std::string json() const;
};

class config_reloader {
public:
    // started_with: the file's [server]/[access]/[store] as read at start (before command-line overrides).
    config_reloader(std::filesystem::path file, config::server_settings started_with, engine::engine& engine,
                    live_state& live);

    // Reads the file again and puts it in force; `who` goes into the audit log.
    reload_result reload(const std::string& who);

private:
    reload_result apply(const std::string& who);

    const std::filesystem::path file_;
    const config::server_settings started_with_;
    engine::engine& engine_;
    live_state& live_;
    std::mutex mutex_;  // one reload at a time
};

}  // namespace admit::service
