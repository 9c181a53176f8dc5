#pragma once
// What /healthz and /metrics say about the server's parts now:
//  - store: the last commit or the writer's probe (engine::storage_health),
//    which runs every second while idle, so a database that went away or came
//    back shows within seconds without any scan;
//  - disk: free space in the data directory, measured by the writer;
//  - clock: whether the kernel says the clock is synchronized (NTP), and
//    whether a rehearsal clock runs.
// Store or disk unhealthy: 503 "degraded" (scans are not, or soon not,
// acknowledged). The clock alone: 200 "warning" (scans are stored; their
// times may be off).
// Thread safety: plain functions over values; the clock check is a syscall.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "core/event.hpp"
#include "engine/engine.hpp"

namespace admit::service {

struct health_part {
    std::string name;     // "store", "disk", "clock"
    bool ok = true;
    bool blocks = false;  // unhealthy means scans are not (or soon not) acknowledged
    std::string detail;
};

struct health_report {
    std::vector<health_part> parts;
    bool degraded() const;  // a part that blocks is unhealthy
    bool warning() const;   // some part is unhealthy
};

// Below this much free space the disk part is unhealthy (a few minutes of scans and the WAL).
inline constexpr std::uintmax_t min_free_disk_bytes = 16ULL * 1024 * 1024;

health_report check_health(
    const engine::storage_health& storage,
    core::time_point server_now,
    std::chrono::system_clock::time_point real_now
);

boost::json::object health_json(const health_report& report);

}  // namespace admit::service
