#pragma once
// What the live dashboard shows, kept up to date as scans are committed and
// stations come and go: station health, a feed of refusals and alerts, and
// per-hall occupancy samples for the chart. Renders the whole state as one
// JSON document (docs/api.md, "Live view"); a version number tells the
// broadcaster whether anything changed since it last rendered.
// Thread safety: every member is safe from any thread (one mutex).

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "config/event_loader.hpp"
#include "engine/engine.hpp"

namespace admit::net {

class live_state {
public:
    live_state(const config::loaded_config& config, engine::engine& engine);

    // Engine observer: called on the writer thread after each committed group.
    void on_outcomes(const std::vector<engine::scan_outcome>& outcomes);
    void station_online(const std::string& station_id, std::uint32_t backlog, std::int64_t device_time_ms);
    void station_heartbeat(const std::string& station_id, std::uint32_t backlog, std::int64_t device_time_ms);
    void station_offline(const std::string& station_id);

    // Takes an occupancy sample when the (engine) minute changed; call periodically.
    void sample();
    // Engine replay watcher: rebuilds today's samples from the log at start,
    // so the chart survives a restart.
    void on_replay(const core::scan_record& record, const core::presence& where);

    std::uint64_t version() const;
    // full: with the day's occupancy series (the first frame a viewer gets);
    // otherwise each hall's series holds only the newest point, to append.
    std::string render_json(bool full) const;
    std::string stations_json() const;

private:
    struct station_health {
        int connections = 0;
        core::time_point last_seen{};
        std::uint32_t backlog = 0;
        std::int64_t clock_skew_ms = 0;
        std::deque<std::chrono::steady_clock::time_point> recent;  // scans in the last minute
        std::deque<std::chrono::steady_clock::time_point> forged;  // bad signatures in the last 5 minutes
        std::chrono::steady_clock::time_point forged_alerted{};
    };
    struct feed_entry {
        core::time_point time;
        std::string kind;  // refusal, hall_full, conflict, forged_badges
        std::string station, hall, attendee_id, name, reason, message;
    };

    void add_feed(feed_entry entry);
    void touch(station_health& s, std::uint32_t backlog, std::int64_t device_time_ms);
    std::string stations_json_locked() const;

    const config::loaded_config& config_;
    engine::engine& engine_;
    mutable std::mutex mutex_;  // guards everything below
    std::uint64_t version_ = 1;
    std::map<std::string, station_health> stations_;
    std::deque<feed_entry> feed_;  // newest first
    std::map<std::string, std::vector<std::pair<core::time_point, int>>> series_;
    std::int64_t last_sample_minute_ = -1;
};

}  // namespace admit::net
