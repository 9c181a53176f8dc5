#include "service/metrics.hpp"

#include "service/health.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace admit::service {
namespace {

prometheus::Histogram& histogram(prometheus::Registry& registry, const char* name, const char* help,
                                 prometheus::Histogram::BucketBoundaries buckets) {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add({}, std::move(buckets));
}

}  // namespace

metrics::metrics(const core::event_config& /*event*/)
    : registry_(std::make_shared<prometheus::Registry>()) {
    scans_ = &prometheus::BuildCounter()
                  .Name("admit_scans_total")
                  .Help("Scans committed to the log, by verdict and reason")
                  .Register(*registry_);
    duplicates_ = &prometheus::BuildCounter()
                       .Name("admit_scan_duplicates_total")
                       .Help("Second reads of a badge at a hall within the duplicate window: given the "
                             "first read's verdict, changed nothing, not in admit_scans_total")
                       .Register(*registry_)
                       .Add({});
    redecisions_ = &prometheus::BuildCounter()
                        .Name("admit_scan_redecisions_total")
                        .Help("Logged scans decided again in read order because a scan read before them "
                              "arrived late (offline kiosks)")
                        .Register(*registry_)
                        .Add({});
    errors_ = &prometheus::BuildCounter()
                   .Name("admit_protocol_errors_total")
                   .Help("Frames refused on the station link, by error code")
                   .Register(*registry_);
    policy_closes_ = &prometheus::BuildCounter()
                          .Name("admit_connections_closed_total")
                          .Help("WebSocket connections the server closed for misbehaving, by reason "
                                "(hello_timeout: no hello in time; control_flood: too many pings)")
                          .Register(*registry_);
    ack_latency_ = &histogram(
        *registry_, "admit_scan_ack_seconds",
        "From a scan frame read to its verdict handed to the socket",
        {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0}
    );
    stations_ = &prometheus::BuildGauge()
                     .Name("admit_connected_stations")
                     .Help("Station WebSocket connections that completed hello")
                     .Register(*registry_)
                     .Add({});
    inside_ = &prometheus::BuildGauge()
                   .Name("admit_hall_inside")
                   .Help("People inside each hall now")
                   .Register(*registry_);
    health_ok_ = &prometheus::BuildGauge()
                      .Name("admit_health_ok")
                      .Help("1 while a part of the server is healthy, 0 while not (as /healthz): store, disk, clock")
                      .Register(*registry_);
    disk_free_ = &prometheus::BuildGauge()
                      .Name("admit_disk_free_bytes")
                      .Help("Free space in the data directory, measured every second by the writer")
                      .Register(*registry_)
                      .Add({});
    live_viewers_ = &prometheus::BuildGauge()
                         .Name("admit_live_viewers")
                         .Help("Open dashboard connections (/ws/live), counted every second")
                         .Register(*registry_)
                         .Add({});
    broadcast_seconds_ = &histogram(
        *registry_, "admit_live_broadcast_seconds",
        "One dashboard broadcast: rendered, and handed to every viewer of one group (250 viewers or fewer: all)",
        {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25}
    );
    commit_seconds_ = &histogram(
        *registry_, "admit_commit_seconds",
        "One group commit of scans to the log: the transaction's commit, with its fsync",
        {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0}
    );
    commit_group_scans_ = &histogram(
        *registry_, "admit_commit_group_scans",
        "Scans in one group commit (more scans share one fsync under load)",
        {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096}
    );
}

metrics::~metrics() = default;

void metrics::count_outcomes(const std::vector<engine::scan_outcome>& outcomes) {
    for (const auto& o : outcomes) {
        // Counts what this server decided; another server sharing the store counts its own.
        if (!o.stored || o.replayed || o.foreign) continue;
        redecisions_->Increment(static_cast<double>(o.redecided.size()));
        if (o.record.duplicate) {
            duplicates_->Increment();
            continue;
        }
        const auto& v = o.record.result;
        auto& slot = scan_counters_[static_cast<std::size_t>(v.admitted) * (core::reason_max + 1) +
                                    static_cast<std::size_t>(v.why) % (core::reason_max + 1)];
        auto* counter = slot.load(std::memory_order_acquire);
        if (counter == nullptr) {
            // Family::Add returns the same counter for the same labels, so a race only finds it twice.
            counter = &scans_->Add({{"verdict", v.admitted ? "admitted" : "refused"},
                                    {"reason", std::string(core::reason_code(v.why))}});
            slot.store(counter, std::memory_order_release);
        }
        counter->Increment();
    }
}

void metrics::observe_ack_latency(double seconds) { ack_latency_->Observe(seconds); }
void metrics::station_connected() { stations_->Increment(); }
void metrics::station_disconnected() { stations_->Decrement(); }
void metrics::count_protocol_error(const std::string& code) { errors_->Add({{"code", code}}).Increment(); }
void metrics::count_policy_close(const std::string& reason) { policy_closes_->Add({{"reason", reason}}).Increment(); }
void metrics::set_live_viewers(std::size_t viewers) { live_viewers_->Set(static_cast<double>(viewers)); }
void metrics::observe_broadcast(double seconds) { broadcast_seconds_->Observe(seconds); }
void metrics::observe_commit(std::size_t scans, double seconds) {
    commit_seconds_->Observe(seconds);
    commit_group_scans_->Observe(static_cast<double>(scans));
}

void metrics::update_occupancy(const engine::occupancy_snapshot& snap) {
    for (const auto& h : snap.halls) inside_->Add({{"hall", h.hall_id}}).Set(h.inside);
}

void metrics::update_health(const health_report& report, std::optional<std::uintmax_t> disk_free_bytes) {
    for (const auto& p : report.parts) health_ok_->Add({{"part", p.name}}).Set(p.ok ? 1 : 0);
    if (disk_free_bytes) disk_free_->Set(static_cast<double>(*disk_free_bytes));
}

std::string metrics::render() const {
    return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace admit::service
