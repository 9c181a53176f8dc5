#pragma once
// What the live dashboard shows, kept up to date as scans are committed and
// stations come and go: station health, a feed of refusals, alerts that stay
// until staff acknowledge them (hall full, forged badges, offline conflicts,
// stations offline, config reloads), refusals counted by reason per hall, and
// per-hall occupancy samples for the chart. Every text a person reads comes
// with a code and named parameters, so the page can say it in its language. Renders the state as JSON
// (docs/api.md, "Live view"): whole, for a viewer that has nothing, and, for
// each broadcast, also as a delta from the previous broadcast; a version
// number tells the broadcaster whether anything changed since it last rendered.
// Thread safety: every member is safe from any thread (one mutex for the
// state, one more serializing renders).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "config/event_loader.hpp"
#include "core/event_diff.hpp"
#include "engine/engine.hpp"

namespace admit::service {

// One broadcast, rendered once and shared by the viewers of one group
// (broadcast_schedule.hpp): the same state as a full "state" frame and as a
// "delta" frame from the group's broadcast before it.
struct live_frames {
    std::uint64_t seq = 0;   // this broadcast (from 1; one count for all groups)
    std::uint64_t base = 0;  // the broadcast the delta applies to: the group's last one
    std::shared_ptr<const std::string> full;   // type "state"; series: the newest point per hall
    std::shared_ptr<const std::string> delta;  // type "delta"; null for the first broadcast
};

// The frame a viewer gets on connecting, with the day's series; every
// broadcast up to `after_seq` is already in it.
struct live_first_frame {
    std::string text;
    std::uint64_t after_seq = 0;
};

class live_state {
public:
    live_state(const config::loaded_config& config, engine::engine& engine);

    // Engine observer: called on the writer thread after each committed group.
    // Calls the change listener when the dashboards have something new.
    void on_outcomes(const std::vector<engine::scan_outcome>& outcomes);
    // Called (under this object's lock: keep it short, never call back) when
    // committed scans changed the state; nullptr for none. Any thread.
    void set_change_listener(std::function<void()> listener);
    void station_online(const std::string& station_id, std::uint32_t backlog, std::int64_t device_time_ms);
    void station_heartbeat(const std::string& station_id, std::uint32_t backlog, std::int64_t device_time_ms);
    void station_offline(const std::string& station_id);
    // A config reload put a new event model in force (`who` did it).
    void config_reloaded(const std::vector<core::event_change>& changes, const std::string& who);
    // Removes an alert for every viewer. False when there is no such alert (already acknowledged).
    bool acknowledge(std::uint64_t alert_id, const std::string& who);
    // The alerts not yet acknowledged, oldest first, as a JSON array.
    std::string alerts_json() const;

    // Takes an occupancy sample when the (engine) minute changed; call periodically.
    void sample();
    // Engine replay watcher: rebuilds today's samples from the log at start,
    // so the chart survives a restart.
    void on_replay(const core::scan_record& record, const core::presence& where);

    std::uint64_t version() const;
    // The first frame for a viewer that just connected (the day's series).
    live_first_frame render_first() const;
    // The next broadcast to one of `groups` groups of viewers: the state now,
    // whole and as a delta from that group's last broadcast. For the
    // broadcaster only (it keeps what it rendered last for each group; a new
    // number of groups starts them afresh, with whole states).
    live_frames render_broadcast(std::size_t group, std::size_t groups);
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
        std::optional<std::chrono::steady_clock::time_point> skew_alerted;
    };
    struct feed_entry {
        core::time_point time;
        std::string kind;  // refusal, hall_full, conflict, forged_badges, scan_id_conflict, clock_skew
        std::string station, hall, attendee_id, name, reason, message;
        boost::json::object params;  // what the page needs to say `message` in its language
    };
    // Something staff must see and acknowledge. Repeats of the same thing
    // (kind and key) while it is not acknowledged count up in one alert.
    struct alert {
        std::uint64_t id = 0;
        std::string kind;  // hall_full, forged_badges, conflict, station_offline, clock_skew, ...
        std::string key;   // what it is about: a hall, a station
        core::time_point first{}, last{};
        int count = 1;
        boost::json::object params;
        std::string message;  // English
    };
    // One render, in serialized parts, to be joined into a full or a delta frame.
    struct parts {
        std::string server_time;  // a JSON string
        std::string occupancy, sessions, series, alerts, refusals;
        std::vector<std::pair<std::string, boost::json::object>> stations;  // id, object
        std::vector<std::pair<std::uint64_t, std::string>> feed;    // id, object; newest first
    };

    void add_feed(feed_entry entry);
    void raise_alert(const feed_entry& entry, std::string key);  // mutex_ held
    void raise_alert(alert fresh);                                // mutex_ held
    std::string alerts_json_locked() const;
    void add_redecision_locked(const core::scan_record& re, const std::string& who);
    void on_outcome_locked(const engine::scan_outcome& o, const core::event_config& event,
                           std::chrono::steady_clock::time_point now);
    void touch(station_health& s, std::uint32_t backlog, std::int64_t device_time_ms);
    // The engine's event model is read before mutex_ is taken (never under it).
    std::vector<std::pair<std::string, boost::json::object>> stations_locked(const core::event_config& event) const;
    std::string stations_json_locked(const core::event_config& event) const;
    parts render_parts(bool with_history) const;  // render_mutex_ held, mutex_ not
    static std::string full_frame(const parts& p, std::uint64_t seq);

    const config::loaded_config& config_;
    engine::engine& engine_;
    // Serializes renders, so a first frame is known to be before or after each
    // broadcast; guards the broadcast memory below. Taken before mutex_ and
    // never under the engine's lock.
    mutable std::mutex render_mutex_;
    std::uint64_t broadcast_seq_ = 0;
    struct group_memory {
        std::uint64_t seq = 0;  // 0: none yet
        parts sent;
    };
    std::vector<group_memory> groups_;

    mutable std::mutex mutex_;  // guards everything below
    std::function<void()> change_listener_;
    std::uint64_t version_ = 1;
    std::uint64_t feed_ids_ = 0;
    std::map<std::string, station_health> stations_;
    // Newest first: each entry's number (from 1, oldest first) and its JSON, rendered once.
    std::deque<std::pair<std::uint64_t, std::string>> feed_;
    std::deque<alert> alerts_;  // not acknowledged, oldest first
    std::uint64_t alert_ids_ = 0;
    // Refused scans by hall and reason since this server started.
    std::map<std::string, std::map<std::string, std::int64_t>> refusals_;
    core::time_point started_{};
    std::map<std::string, std::vector<std::pair<core::time_point, int>>> series_;
    std::int64_t last_sample_minute_ = -1;
    // Start of the event-local day when the log was replayed: read once, not once per record.
    std::optional<core::time_point> replay_day_start_;
};

}  // namespace admit::service
