#include "service/health.hpp"

#include <sys/timex.h>

#include <fmt/format.h>

#include <boost/json/array.hpp>

namespace admit::service {

namespace {

double seconds_between(std::chrono::system_clock::time_point a, std::chrono::system_clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

health_part store_part(const engine::storage_health& s, std::chrono::system_clock::time_point now) {
    health_part p{"store", !s.failing, true, {}};
    if (s.checked == std::chrono::system_clock::time_point{}) {
        p.detail = s.failing ? s.problem : "not checked yet";
    } else if (s.failing) {
        p.detail = fmt::format("{} (checked {:.1f} s ago)", s.problem, seconds_between(s.checked, now));
    } else {
        p.detail = fmt::format("took a write {:.1f} s ago", seconds_between(s.checked, now));
    }
    return p;
}

health_part disk_part(const engine::storage_health& s) {
    health_part p{"disk", true, true, {}};
    if (!s.disk_free_bytes) {
        p.detail = "not measured";
        return p;
    }
    const auto free_mib = static_cast<double>(*s.disk_free_bytes) / (1024.0 * 1024.0);
    p.ok = *s.disk_free_bytes >= min_free_disk_bytes;
    p.detail = p.ok ? fmt::format("{:.0f} MiB free", free_mib)
                    : fmt::format("only {:.1f} MiB free in the data directory: free space now (df -h)", free_mib);
    return p;
}

health_part clock_part(core::time_point server_now, std::chrono::system_clock::time_point real_now) {
    health_part p{"clock", true, false, {}};
    timex t{};
    const bool synced = ::adjtimex(&t) != TIME_ERROR;
    p.ok = synced;
    p.detail = synced ? "synchronized" : "the kernel says the clock is not synchronized (NTP): check timedatectl";
    const auto off = std::chrono::duration<double>(server_now - real_now).count();
    if (off > 5 || off < -5) p.detail += fmt::format("; a rehearsal clock runs ({:+.0f} s from the real time)", off);
    return p;
}

}  // namespace

bool health_report::degraded() const {
    for (const auto& p : parts)
        if (!p.ok && p.blocks) return true;
    return false;
}

bool health_report::warning() const {
    for (const auto& p : parts)
        if (!p.ok) return true;
    return false;
}

health_report check_health(
    const engine::storage_health& storage,
    core::time_point server_now,
    std::chrono::system_clock::time_point real_now
) {
    return {{store_part(storage, real_now), disk_part(storage), clock_part(server_now, real_now)}};
}

boost::json::object health_json(const health_report& report) {
    boost::json::object parts;
    boost::json::array unhealthy;
    for (const auto& p : report.parts) {
        parts[p.name] = boost::json::object{{"ok", p.ok}, {"detail", p.detail}};
        if (!p.ok) unhealthy.emplace_back(p.name);
    }
    const char* status = report.degraded() ? "degraded" : report.warning() ? "warning" : "ok";
    return {{"status", status}, {"unhealthy", std::move(unhealthy)}, {"parts", std::move(parts)}};
}

}  // namespace admit::service
