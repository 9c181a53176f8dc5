#pragma once
// The network side of admit-load: many WebSocket connections on one
// io_context (one thread, C++20 coroutines), each bound to one of several
// 127.0.0.x source addresses before connecting so that 10 000 connections
// fit in the ephemeral port range. Modes:
//   scans: stations say hello, then send scans open loop (a total rate, each
//          scan's latency measured from its intended send time, so a stalled
//          server cannot hide its stall: coordinated-omission safe) or closed
//          loop (a window of W scans in flight per connection), each scan
//          alone or (batch) in ScanBatch frames as a kiosk replays its outbox;
//          optionally with M /ws/live viewers and one viewer that never reads
//          (the viewers' frames are read on a second thread: live_readers.hpp).
//   idle:  stations say hello and stay idle; the server's RSS before/after.
//   echo:  binary frames of a set size to a WebSocket echo server, W in flight
//          per connection; round-trip times.
// No Beast types here: only load_run.cpp includes Beast.
// Thread safety: run_load() runs everything on the calling thread, except
// the viewers' reads (a thread of their own, ended before it returns).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/histogram.hpp"
#include "load/server_metrics.hpp"
#include "sim/tokens_csv.hpp"

namespace admit::load {

enum class load_mode { scans, idle, echo };

struct station_login {
    std::string id;
    std::string token;
    int hall = 0;  // index of the station's hall
};

struct run_options {
    load_mode mode = load_mode::scans;
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    int source_addresses = 8;     // bind to 127.0.0.2 .. 127.0.0.(1+n); 0: let the kernel choose
    int connections = 1;          // station (scans, idle) or echo connections
    int connect_parallel = 200;   // handshakes in progress at once
    double connect_timeout = 120; // seconds for every connection to be up
    double rate = 0;              // scans/s, all connections together; 0: closed loop
    int window = 1;               // closed loop / echo: messages in flight per connection
    int batch = 0;                // scans: 0 sends each scan alone; N sends ScanBatch frames of N (outbox replay)
    double warmup = 1;            // seconds of load before measuring
    double duration = 10;         // seconds measured
    double drain = 5;             // seconds to wait for answers after the last send
    std::vector<station_login> stations;  // the first `connections` are used (cycled when fewer)
    std::vector<sim::badge_holder> people;
    std::uint64_t seed = 1;
    int viewers = 0;              // /ws/live dashboards (scans mode)
    std::string viewer_token;
    bool stalled_viewer = false;  // one more viewer that never reads, from half-time
    std::string echo_path = "/";
    std::size_t message_size = 100;
    int server_pid = 0;           // for CPU time and RSS; 0: not measured
    double idle_hold = 5;         // idle: seconds to hold the connections after measuring
};

// Figures of one half of the measured window (viewer runs: before/after the stalled viewer).
using bench::histogram;

struct phase_figures {
    histogram scan_latency;    // ns, scan intended-send to verdict
    histogram viewer_latency;  // ns, state frame server_time to receipt
    histogram feed_latency;    // ns, newest feed entry's scan time to receipt
    std::uint64_t acked = 0;
    std::uint64_t viewer_frames = 0;
};

struct run_results {
    int connected = 0;
    int connect_failures = 0;
    int still_open = 0;  // connections open at the end of the run (idle: after the hold)
    std::string first_connect_error;
    double connect_seconds = 0;
    std::uint64_t sent = 0;            // scans or echo messages
    std::uint64_t answered = 0;        // verdicts or echoes (all of the run)
    std::uint64_t answered_in_window = 0;
    std::uint64_t unanswered = 0;      // still waiting when the run ended
    double measured_seconds = 0;
    histogram latency;                 // ns: scan-to-verdict, or echo round trip
    std::map<std::string, std::uint64_t> verdicts;  // "admitted", or the refusal reason
    std::map<std::string, std::uint64_t> errors;    // server Error codes
    int viewers_connected = 0;
    std::uint64_t viewer_frames = 0;
    phase_figures phase[2];
    std::int64_t stalled_unread_bytes = -1;  // bytes waiting in the stalled viewer's socket
    std::optional<double> server_cpu_seconds;  // over the measured window
    std::optional<std::int64_t> rss_before_kib;
    std::optional<std::int64_t> rss_after_kib;
    double client_cpu_seconds = 0;             // this process, over the measured window
    std::optional<server_counters> server;     // scans mode: the server's own counters over the window
};

run_results run_load(const run_options& options);

}  // namespace admit::load
