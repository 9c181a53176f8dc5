#pragma once
// Prometheus metrics of the server (prometheus-cpp core; we serve the text
// ourselves at GET /metrics): scans by verdict and reason, scan-to-verdict
// latency, group commits (size, and the commit's time: the disk's share),
// connected stations, occupancy per hall, and the dashboards' broadcasts (how
// many viewers, how long one takes to hand out).
// Thread safety: prometheus-cpp metrics are thread-safe; so is this class.

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "core/event.hpp"
#include "core/verdict.hpp"
#include "engine/engine.hpp"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace admit::service {

struct health_report;

class metrics {
public:
    explicit metrics(const core::event_config& event);
    ~metrics();

    void count_outcomes(const std::vector<engine::scan_outcome>& outcomes);
    void observe_ack_latency(double seconds);
    void station_connected();
    void station_disconnected();
    void update_occupancy(const engine::occupancy_snapshot& snap);
    // admit_health_ok{part} (1 healthy, 0 not) and admit_disk_free_bytes, as /healthz says.
    void update_health(const health_report& report, std::optional<std::uintmax_t> disk_free_bytes);
    void count_protocol_error(const std::string& code);
    // A connection the server closed for misbehaving: "hello_timeout", "control_flood".
    void count_policy_close(const std::string& reason);
    void set_live_viewers(std::size_t viewers);
    // One broadcast: its render and its hand-out to every viewer (the writes started).
    void observe_broadcast(double seconds);
    // One committed group of scans: its size and its commit (write + fsync) time.
    void observe_commit(std::size_t scans, double seconds);

    // The Prometheus text exposition format.
    std::string render() const;

private:
    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Family<prometheus::Counter>* scans_;
    // scans_'s counter per (admitted, reason), found once: a Family lookup builds
    // a label map and takes a lock, and the writer counts every scan.
    std::array<std::atomic<prometheus::Counter*>, 2 * (core::reason_max + 1)> scan_counters_{};
    prometheus::Counter* duplicates_;
    prometheus::Counter* redecisions_;
    prometheus::Family<prometheus::Counter>* errors_;
    prometheus::Family<prometheus::Counter>* policy_closes_;
    prometheus::Histogram* ack_latency_;
    prometheus::Gauge* stations_;
    prometheus::Family<prometheus::Gauge>* inside_;
    prometheus::Family<prometheus::Gauge>* health_ok_;
    prometheus::Gauge* disk_free_;
    prometheus::Gauge* live_viewers_;
    prometheus::Histogram* broadcast_seconds_;
    prometheus::Histogram* commit_seconds_;
    prometheus::Histogram* commit_group_scans_;
};

}  // namespace admit::service
