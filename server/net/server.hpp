#pragma once
// The network front: one port serving HTTP (the API and web/) and the
// station WebSocket at /ws/station, on a configurable number of threads,
// a strand per connection. No Beast types in this header.
// Thread safety: start/stop/wait from one controlling thread.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "config/event_loader.hpp"
#include "engine/engine.hpp"
#include "service/api.hpp"
#include "service/live_state.hpp"
#include "service/metrics.hpp"

namespace admit::net {

struct server_options {
    std::string address = "127.0.0.1";
    unsigned short port = 8080;   // 0: any free port (tests)
    unsigned threads = 2;
    std::size_t max_frame = 256 * 1024;   // largest WebSocket message accepted
    std::size_t max_batch = 500;          // scans in one ScanBatch
    // The scan log is shared with other servers (PostgreSQL): kiosks are told
    // so at hello and with STORAGE_UNAVAILABLE, so they retry rather than fail over.
    bool storage_shared = false;
    std::size_t max_inflight = 2000;      // scans awaiting verdicts per connection
    std::size_t max_queued_frames = 4096; // unsent frames before a peer that does not read is dropped
    std::size_t max_http_body = 1024 * 1024;
    std::chrono::seconds http_timeout{30};
    std::chrono::seconds ws_idle_timeout{20};
    // A station connection with no good Hello by then is closed (1008); pings
    // and pongs do not extend it. Kiosks say hello at once.
    std::chrono::seconds hello_timeout{10};
    // Control frames (ping, pong, close) per connection: a burst of this many,
    // then this many a second; over it the connection is closed (1008). A
    // kiosk or browser sends one every few seconds at most.
    double control_burst = 200;
    double control_per_second = 50;
    // Dashboards: broadcasts at most this often (or less often when they take long:
    // broadcast_spacing); a commit after a quiet spell is sent at once.
    std::chrono::milliseconds live_interval{10};
    // A scan whose device time is further from the server's is flagged
    // clock_skew and judged and reported at the server's time.
    core::clock_bounds clock_bounds{};
    // Requests that may wait for the disk or the writer (api::work_of) run on
    // this many threads of their own; more than max_blocking_queued waiting
    // or running get 503 + Retry-After.
    unsigned blocking_threads = 2;
    unsigned max_blocking_queued = 16;
    // Exports and badge PDFs: seconds of CPU each, so one thread at idle
    // priority (it runs only when stations and dashboards leave a core free).
    unsigned report_threads = 1;
    unsigned max_report_queued = 4;
};

class server {
public:
    server(
        const config::loaded_config& config,
        engine::engine& engine,
        service::metrics& stats,
        service::api& routes,
        service::live_state& live,
        server_options options
    );
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Binds and listens (throws std::runtime_error naming the address on failure), starts the threads.
    void start();
    // The port actually bound (after start), useful with port 0.
    unsigned short port() const;
    // Tells the stations of this server of re-decisions of their scans among
    // committed outcomes (call from the engine's observer; any thread).
    void tell_redecisions(const std::vector<engine::scan_outcome>& outcomes);
    // Graceful: stop accepting, let the engine commit what it has, send the
    // verdicts, close every connection with a close frame, stop the threads.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace admit::net
