// admit-load: the load client of the benchmarks (BENCHMARKS.md). Loopback
// only; every run is bounded in connections and time and ends by itself.
//
//   admit-load gen-event --out FILE --data DIR --stations N    the benchmark event config
//   admit-load scans ...   stations send scans (open loop --rate, or closed loop --window,
//                          each scan alone or in --batch frames as a kiosk replays its outbox),
//                          optionally with --viewers M dashboards and a --stalled-viewer
//   admit-load idle ...    N stations say hello and idle; the server's RSS per connection
//   admit-load echo ...    binary frames to a WebSocket echo server; round trips
//
// Prints a summary (and with --json FILE the figures as one JSON object).
// Exit codes: 0 done, 1 a problem (no server, nothing connected), 2 usage.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/resource.h>

#include "config/event_loader.hpp"
#include "load/gen_event.hpp"
#include "load/load_run.hpp"
#include "sim/station_tokens.hpp"
#include "sim/tokens_csv.hpp"

namespace {

using admit::load::load_mode;
using admit::load::run_options;
using admit::load::run_results;

constexpr int max_connections = 20'000;
constexpr double max_seconds = 600;

unsigned short read_port_file(const std::string& file) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
        std::ifstream in(file);
        unsigned port = 0;
        if (in >> port && port > 0 && port <= 65535) return static_cast<unsigned short>(port);
        if (std::chrono::steady_clock::now() >= deadline)
            throw std::runtime_error(fmt::format("{} holds no port after 20 s; is the server running?", file));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

// Stations of the config with their plain tokens and hall index.
std::vector<admit::load::station_login> stations_of(const std::string& config_file) {
    const auto loaded = admit::config::load_config(config_file);
    const auto tokens = admit::sim::read_config_station_tokens(config_file);
    std::map<std::string, int, std::less<>> hall_index;
    for (const auto& h : loaded.event.halls) hall_index.emplace(h.id, static_cast<int>(hall_index.size()));
    std::vector<admit::load::station_login> out;
    for (const auto& s : loaded.event.stations) {
        const auto t = tokens.find(s.id);
        if (t == tokens.end()) continue;
        out.push_back({s.id, t->second, hall_index[s.hall_id]});
    }
    if (out.empty()) throw std::runtime_error(config_file + ": no station with a plain token (token = \"...\")");
    return out;
}

// Raises the open-file limit to what the connections need (the hard limit at most).
void raise_file_limit(int connections) {
    rlimit l{};
    if (getrlimit(RLIMIT_NOFILE, &l) != 0) return;
    const rlim_t want = static_cast<rlim_t>(connections) + 256;
    if (l.rlim_cur >= want) return;
    l.rlim_cur = std::min(want, l.rlim_max);
    setrlimit(RLIMIT_NOFILE, &l);
    if (l.rlim_cur < want)
        fmt::print(stderr, "admit-load: open files limited to {} (hard limit); raise it with ulimit -n\n", l.rlim_cur);
}

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

void add_latency(std::string& json, const std::string& prefix, const admit::bench::histogram& h) {
    json += fmt::format(",\"{0}_count\":{1},\"{0}_p50_ms\":{2:.3f},\"{0}_p90_ms\":{3:.3f},\"{0}_p99_ms\":{4:.3f},"
                        "\"{0}_p999_ms\":{5:.3f},\"{0}_max_ms\":{6:.3f},\"{0}_mean_ms\":{7:.3f}",
                        prefix, h.count(), ms(h.value_at(50)), ms(h.value_at(90)), ms(h.value_at(99)),
                        ms(h.value_at(99.9)), ms(h.max()), h.mean() / 1e6);
}

std::string latency_line(const admit::bench::histogram& h) {
    return fmt::format("p50 {:.3f} ms, p90 {:.3f}, p99 {:.3f}, p99.9 {:.3f}, max {:.3f} ({} samples)",
                       ms(h.value_at(50)), ms(h.value_at(90)), ms(h.value_at(99)), ms(h.value_at(99.9)),
                       ms(h.max()), h.count());
}

// The server's own scan-to-verdict over the window (its histogram's buckets):
// apart from the client's queueing, which a client reading 1,000 dashboards adds.
void print_server_ack(const admit::load::server_counters& s, std::string& json) {
    const auto p99 = admit::load::ack_bound(s, 0.99);
    if (!p99) return;
    const auto within5 = admit::load::ack_share_within(s, 0.005);
    const auto bound = std::isinf(*p99) ? std::string("over the largest bucket")
                                        : fmt::format("at most {:g} ms", *p99 * 1e3);
    fmt::print("  at the server (scan read to verdict handed to the socket): p99 {}{}\n", bound,
               within5 ? fmt::format(", {:.1f} % within 5 ms", 100.0 * *within5) : "");
    if (!std::isinf(*p99)) json += fmt::format(",\"server_ack_p99_le_ms\":{:g}", *p99 * 1e3);
    if (within5) json += fmt::format(",\"server_ack_within_5ms\":{:.4f}", *within5);
}

int report(const run_options& o, const run_results& r, const std::string& json_file, const std::string& hist_file,
           const std::string& label) {
    const char* mode = o.mode == load_mode::scans ? "scans" : o.mode == load_mode::idle ? "idle" : "echo";
    std::string json = fmt::format("{{\"label\":\"{}\",\"mode\":\"{}\",\"connections\":{},\"connected\":{},"
                                   "\"connect_failures\":{},\"connect_seconds\":{:.2f}",
                                   label, mode, o.connections, r.connected, r.connect_failures, r.connect_seconds);
    fmt::print("admit-load {}{}: {} of {} connections up in {:.1f} s", mode, label.empty() ? "" : " [" + label + "]",
               r.connected, o.connections, r.connect_seconds);
    if (r.connect_failures > 0) fmt::print(" ({} failed; first: {})", r.connect_failures, r.first_connect_error);
    fmt::print("\n");
    if (o.mode == load_mode::idle) {
        if (r.rss_before_kib && r.rss_after_kib) {
            const double per = r.connected > 0
                                   ? static_cast<double>(*r.rss_after_kib - *r.rss_before_kib) * 1024.0 / r.connected
                                   : 0.0;
            fmt::print("  server RSS {} KiB before, {} KiB with {} idle stations: {:.0f} bytes per idle connection\n",
                       *r.rss_before_kib, *r.rss_after_kib, r.connected, per);
            fmt::print("  {} of {} still open after holding them {:.0f} s\n", r.still_open, r.connected, o.idle_hold);
            json += fmt::format(",\"still_open\":{},\"rss_before_kib\":{},\"rss_after_kib\":{},\"bytes_per_connection\":{:.0f}",
                                r.still_open, *r.rss_before_kib, *r.rss_after_kib, per);
        }
    } else {
        const double rate = r.measured_seconds > 0 ? static_cast<double>(r.answered_in_window) / r.measured_seconds : 0;
        const char* what = o.mode == load_mode::scans ? "acknowledged scans" : "echoes";
        fmt::print("  {}: {:.0f}/s over {:.1f} s ({} sent, {} answered, {} unanswered at the end)\n", what, rate,
                   r.measured_seconds, r.sent, r.answered, r.unanswered);
        fmt::print("  {}: {}\n", o.mode == load_mode::scans ? "scan-to-verdict" : "round trip", latency_line(r.latency));
        json += fmt::format(",\"rate_target\":{},\"window\":{},\"batch\":{},\"sent\":{},\"answered\":{},\"unanswered\":{},"
                            "\"throughput\":{:.1f},\"client_cpu_s\":{:.3f}",
                            o.rate, o.window, o.batch, r.sent, r.answered, r.unanswered, rate, r.client_cpu_seconds);
        add_latency(json, "lat", r.latency);
        if (r.server_cpu_seconds) {
            const double per = r.answered_in_window > 0 ? *r.server_cpu_seconds * 1e6 / static_cast<double>(r.answered_in_window) : 0;
            fmt::print("  server CPU {:.2f} s over the window: {:.2f} us per {}; client CPU {:.2f} s\n",
                       *r.server_cpu_seconds, per, o.mode == load_mode::scans ? "scan" : "message", r.client_cpu_seconds);
            json += fmt::format(",\"server_cpu_s\":{:.3f},\"server_cpu_us_per_msg\":{:.3f}", *r.server_cpu_seconds, per);
        }
        if (r.server) print_server_ack(*r.server, json);
        if (r.server && r.server->groups > 0) {
            const auto& c = *r.server;
            fmt::print("  group commits in the window: {:.0f}, {:.1f} scans each on average, commit (write + fsync) "
                       "mean {:.3f} ms, {:.0f} % of the window\n",
                       c.groups, c.scans / c.groups, 1e3 * c.commit_seconds / c.groups,
                       100.0 * c.commit_seconds / r.measured_seconds);
            json += fmt::format(",\"commit_groups\":{:.0f},\"commit_group_mean_scans\":{:.2f},\"commit_mean_ms\":{:.4f}",
                                c.groups, c.scans / c.groups, 1e3 * c.commit_seconds / c.groups);
        }
        if (!r.verdicts.empty()) {
            std::uint64_t all = 0;
            for (const auto& [k, n] : r.verdicts) all += n;
            std::string mix;
            json += ",\"verdicts\":{";
            bool first = true;
            for (const auto& [k, n] : r.verdicts) {
                mix += fmt::format("{}{} {:.1f}%", mix.empty() ? "" : ", ", k, 100.0 * static_cast<double>(n) / static_cast<double>(all));
                json += fmt::format("{}\"{}\":{}", first ? "" : ",", k, n);
                first = false;
            }
            json += "}";
            fmt::print("  verdicts: {}\n", mix);
        }
        if (!r.errors.empty()) {
            for (const auto& [k, n] : r.errors) fmt::print("  server errors: {} x {}\n", n, k);
            json += ",\"errors\":{";
            bool first = true;
            for (const auto& [k, n] : r.errors) {
                json += fmt::format("{}\"{}\":{}", first ? "" : ",", k, n);
                first = false;
            }
            json += "}";
        }
        if (o.viewers > 0) {
            fmt::print("  viewers: {} of {} connected, {} frames\n", r.viewers_connected, o.viewers, r.viewer_frames);
            json += fmt::format(",\"viewers\":{},\"viewers_connected\":{},\"viewer_frames\":{}", o.viewers,
                                r.viewers_connected, r.viewer_frames);
            for (int p = 0; p < 2; ++p) {
                const auto& ph = r.phase[p];
                const char* name = p == 0 ? "first half" : (o.stalled_viewer ? "second half, with a stalled viewer" : "second half");
                fmt::print("  {}: broadcast fan-out (frame rendered to viewer) {}\n", name, latency_line(ph.viewer_latency));
                fmt::print("  {}: commit to viewer (a refusal's server time to the first frame showing it) {}\n", name,
                           latency_line(ph.feed_latency));
                fmt::print("  {}: scan-to-verdict {}\n", name, latency_line(ph.scan_latency));
                const auto prefix = fmt::format("phase{}", p + 1);
                add_latency(json, prefix + "_viewer", ph.viewer_latency);
                add_latency(json, prefix + "_feed", ph.feed_latency);
                add_latency(json, prefix + "_scan", ph.scan_latency);
                json += fmt::format(",\"{}_acked\":{}", prefix, ph.acked);
            }
            if (o.stalled_viewer) {
                fmt::print("  stalled viewer: {} bytes unread in its socket at the end\n", r.stalled_unread_bytes);
                json += fmt::format(",\"stalled_unread_bytes\":{}", r.stalled_unread_bytes);
            }
        }
    }
    json += "}\n";
    if (!json_file.empty()) std::ofstream(json_file) << json;
    if (!hist_file.empty()) {
        std::ofstream out(hist_file);
        out << "# admit-load " << mode << " " << label << ": latency in milliseconds\n"
            << r.latency.percentile_table(1e6);
        for (int p = 0; p < 2 && o.viewers > 0; ++p) {
            out << "\n# phase " << p + 1 << ": state frame to viewer, ms\n" << r.phase[p].viewer_latency.percentile_table(1e6);
        }
    }
    if (r.connected == 0) {
        fmt::print(stderr, "admit-load: no connection came up: {}\n", r.first_connect_error);
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"admit-load: load client for admit benchmarks (loopback only, bounded runs)"};
    app.require_subcommand(1);

    // gen-event
    auto* gen = app.add_subcommand("gen-event", "Write the benchmark event config (N stations, plain tokens)");
    std::string gen_out, gen_data;
    admit::load::event_shape shape;
    gen->add_option("--out", gen_out, "config file to write")->required();
    gen->add_option("--data", gen_data, "data directory the config names")->required();
    gen->add_option("--stations", shape.stations, "stations")->check(CLI::Range(1, max_connections));
    gen->add_option("--halls", shape.halls, "halls")->check(CLI::Range(1, 100));
    gen->add_option("--threads", shape.threads, "the server's network threads")->check(CLI::Range(1, 64));
    gen->add_option("--viewer-token", shape.viewer_token, "viewer token for /ws/live");

    run_options o;
    std::string config_file, tokens_file, port_file, json_file, hist_file, label;
    const auto common = [&](CLI::App* c, bool stations) {
        c->add_option("--host", o.host, "server address (loopback only)")->capture_default_str();
        c->add_option("--port", o.port, "server port");
        c->add_option("--port-file", port_file, "read the port from this file (admit-server --port-file)");
        c->add_option("--connections,-n", o.connections, "connections")
            ->check(CLI::Range(1, max_connections))->capture_default_str();
        c->add_option("--source-addresses", o.source_addresses,
                      "bind connections to 127.0.0.2 .. 127.0.0.(1+K) (0: any)")->check(CLI::Range(0, 250))->capture_default_str();
        c->add_option("--connect-parallel", o.connect_parallel, "handshakes at once")->check(CLI::Range(1, 5000));
        c->add_option("--server-pid", o.server_pid, "server process: CPU time and RSS from /proc");
        c->add_option("--json", json_file, "write the figures as JSON to this file");
        c->add_option("--hist", hist_file, "write the latency percentile distribution to this file");
        c->add_option("--label", label, "a name for this run in the output");
        c->add_option("--seed", o.seed, "random seed");
        if (stations) {
            c->add_option("--config", config_file, "the event config the server runs")->required()->check(CLI::ExistingFile);
        }
    };
    const auto timing = [&](CLI::App* c) {
        c->add_option("--warmup", o.warmup, "seconds of load before measuring")->check(CLI::Range(0.0, max_seconds))->capture_default_str();
        c->add_option("--duration", o.duration, "seconds measured")->check(CLI::Range(0.1, max_seconds))->capture_default_str();
        c->add_option("--drain", o.drain, "seconds to wait for answers at the end")->check(CLI::Range(0.0, 60.0));
        c->add_option("--window,-w", o.window, "closed loop: in flight per connection")->check(CLI::Range(1, 1000));
    };

    auto* scans = app.add_subcommand("scans", "Stations send scans; throughput and scan-to-verdict latency");
    common(scans, true);
    timing(scans);
    scans->add_option("--tokens", tokens_file, "badge list (admit issue-badges --out)")->required()->check(CLI::ExistingFile);
    auto* rate = scans->add_option("--rate", o.rate, "open loop: scans/s, all stations together (0: closed loop)")
                     ->check(CLI::Range(0.0, 1e6));
    scans->add_option("--batch", o.batch,
                      "send scans in ScanBatch frames of this many, as a kiosk replays its outbox after an outage "
                      "(closed loop: --window batches in flight per station; 0: each scan alone)")
        ->check(CLI::Range(0, 500))
        ->excludes(rate);
    scans->add_option("--viewers", o.viewers, "also open this many /ws/live dashboards")->check(CLI::Range(0, max_connections));
    scans->add_option("--viewer-token", o.viewer_token, "viewer token")->default_val("load-viewer");
    scans->add_flag("--stalled-viewer", o.stalled_viewer, "from half-time, one more dashboard that never reads");

    auto* idle = app.add_subcommand("idle", "Stations say hello and stay idle; server RSS per connection");
    common(idle, true);
    idle->add_option("--hold", o.idle_hold, "seconds to hold the connections after measuring")->check(CLI::Range(0.0, max_seconds));

    auto* echo = app.add_subcommand("echo", "Binary frames to a WebSocket echo server; round trips");
    common(echo, false);
    timing(echo);
    echo->add_option("--path", o.echo_path, "request target")->capture_default_str();
    echo->add_option("--size", o.message_size, "frame size in bytes")->check(CLI::Range(8, 1 << 20));

    CLI11_PARSE(app, argc, argv);

    try {
        if (gen->parsed()) {
            admit::load::write_event_config(gen_out, gen_data, shape);
            fmt::print("wrote {} ({} stations, {} halls)\n", gen_out, shape.stations, shape.halls);
            return 0;
        }
        if (o.host.rfind("127.", 0) != 0) throw std::runtime_error("--host must be a loopback address (127.x.x.x)");
        if (!port_file.empty()) o.port = read_port_file(port_file);
        if (o.port == 0) throw std::runtime_error("give --port or --port-file");
        if (scans->parsed()) o.mode = load_mode::scans;
        if (idle->parsed()) o.mode = load_mode::idle;
        if (echo->parsed()) o.mode = load_mode::echo;
        if (!config_file.empty()) o.stations = stations_of(config_file);
        if (!tokens_file.empty()) o.people = admit::sim::read_tokens_csv(tokens_file);
        raise_file_limit(o.connections + o.viewers + 1);
        const auto r = admit::load::run_load(o);
        return report(o, r, json_file, hist_file, label);
    } catch (const std::exception& e) {
        fmt::print(stderr, "admit-load: {}\n", e.what());
        return 1;
    }
}
