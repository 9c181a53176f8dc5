// admit-server: the check-in server. Reads the event's TOML file, opens the
// data directory's scan log, rebuilds occupancy, and serves stations, the
// API and the dashboard on one port until SIGINT/SIGTERM; SIGHUP reloads the config.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/allocator.hpp"
#include "app/clock.hpp"
#include "config/event_loader.hpp"
#include "config/key_files.hpp"
#include "engine/engine.hpp"
#include "net/server.hpp"
#include "service/api.hpp"
#include "service/config_reload.hpp"
#include "service/metrics.hpp"
#include "service/web_files.hpp"
#include "store/event_facts.hpp"
#include "store/scan_store.hpp"

namespace {

struct options {
    std::string config_file;
    std::string data_dir;
    std::string store_url;
    std::string web_dir;
    std::string listen;
    int port = -1;
    unsigned threads = 0;
    std::string port_file;
    std::string log_level = "info";
    std::string clock_start;
    std::size_t max_group = 4096;
    int live_interval_ms = 10;
    int hello_timeout_s = 10;
    double clock_speed = 1.0;
    bool clock_restart = false;
    int max_clock_ahead_s = 300;
    int max_scan_age_h = 72;
};

std::filesystem::path default_web_dir() {
#ifdef ADMIT_DEFAULT_WEB_DIR
    return ADMIT_DEFAULT_WEB_DIR;
#else
    return "web";
#endif
}

// The real clock, or the rehearsal clock of --clock-start. Servers sharing a
// PostgreSQL store share one rehearsal clock: the first stores the real moment
// it started, and the others run from that moment, not from their own start.
admit::app::server_clock make_clock(const options& opt, admit::store::scan_store& store, bool shared_store) {
    if (opt.clock_start.empty()) return {};
    const auto start = admit::app::parse_iso_time(opt.clock_start);
    if (!start) throw std::runtime_error("--clock-start \"" + opt.clock_start + "\" is not a time like 2023-09-25T17:00:00+09:00");
    const auto real_now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto origin = real_now;
    if (shared_store) {
        origin = admit::core::time_point{std::chrono::milliseconds{admit::store::shared_rehearsal_origin(
            store, start->time_since_epoch().count(), opt.clock_speed, real_now.time_since_epoch().count(),
            opt.clock_restart)}};
    }
    admit::app::server_clock clock(*start, opt.clock_speed, origin);
    if (origin != real_now) {
        spdlog::warn("rehearsal clock: time started at {} (x{}) at {}, by the first server of this event; "
                     "it reads {} now; --clock-restart starts it over for every server; do not use during the event",
                     opt.clock_start, opt.clock_speed, admit::app::iso_utc(origin), admit::app::iso_utc(clock.now()));
    } else {
        spdlog::warn("rehearsal clock: time starts at {} and runs {}x; do not use during the event", opt.clock_start,
                     opt.clock_speed);
    }
    return clock;
}

int serve(const options& opt) {
    auto config = admit::config::load_config(opt.config_file);
    const auto file_settings = config.server;  // as in the file: a reload compares against these
    auto& s = config.server;
    if (!opt.data_dir.empty()) s.data_dir = opt.data_dir;
    if (!opt.store_url.empty()) s.postgres_url = opt.store_url;
    if (!opt.listen.empty()) s.listen_address = opt.listen;
    if (opt.port >= 0) s.port = static_cast<unsigned short>(opt.port);
    if (opt.threads > 0) s.threads = opt.threads;
    std::filesystem::path web = default_web_dir();
    if (!s.web_dir.empty()) web = s.web_dir;
    if (!opt.web_dir.empty()) web = opt.web_dir;
    if (s.viewer_token_hashes.empty() && s.staff_token_hashes.empty()) {
        spdlog::warn("no [access] tokens in {}: the API and dashboard are open to anyone who can reach the port",
                     opt.config_file);
    }

    // The signing key lives in the data folder: it must never be a static file.
    admit::service::check_web_dir_apart(web, s.data_dir);
    const auto key = admit::config::read_public_key(s.data_dir);
    admit::store::store_location location{s.data_dir, s.postgres_url};
    // Freed when the disk fills, so the store can empty its WAL and go on (sqlite_store.hpp).
    location.disk_reserve_bytes = 4 * 1024 * 1024;
    auto store = admit::store::open_store(location);
    // One badge key per event: the first server stores its fingerprint; another key is refused here,
    // at start, rather than as BAD_SIGNATURE at every door.
    const auto key_file = std::filesystem::path(s.data_dir) / "keys" / "badge.pub";
    const auto event_key = admit::store::check_event_badge_key(*store, key, key_file, admit::store::describe(location), true);
    spdlog::info("badge key {} (fingerprint {}): the event's", key_file.string(), admit::core::fingerprint_text(event_key));
    const auto clock = make_clock(opt, *store, location.is_postgres());
    admit::engine::engine_options engine_options{opt.max_group, std::chrono::milliseconds(250)};
    engine_options.disk_watch = s.data_dir;
    admit::engine::engine engine(config.event, std::move(store), key, [clock] { return clock.now(); },
                                  engine_options);
    // Servers sharing a PostgreSQL store follow each other's scans (LISTEN/NOTIFY).
    engine.follow_changes(admit::store::open_change_listener(location));
    admit::service::metrics stats(config.event);
    admit::service::live_state live(config, engine);
    // Set once the network server exists; the observer may run before that.
    std::atomic<admit::net::server*> stations{nullptr};
    engine.set_observer([&stats, &live, &stations](const auto& outcomes) {
        stats.count_outcomes(outcomes);
        live.on_outcomes(outcomes);
        if (auto* net = stations.load()) net->tell_redecisions(outcomes);
    });
    engine.set_replay_watcher([&live](const auto& record, const auto& where) { live.on_replay(record, where); });
    engine.set_commit_watcher([&stats](const admit::engine::engine::group_commit& c) {
        stats.observe_commit(c.scans, std::chrono::duration<double>(c.commit).count());
    });
    engine.start();
    // Which clock the times stored from now on come from, for the reports.
    try {
        engine.run_on_writer([&](admit::store::scan_store& log) {
            log.add_audit(admit::store::server_start_entry(
                clock.now(), clock.simulated(),
                clock.simulated() ? fmt::format("{} at {}x", opt.clock_start, opt.clock_speed) : "", log.last_seq() + 1
            ));
        });
    } catch (const std::exception& e) {
        spdlog::warn("cannot note the server's clock in the audit log: {}", e.what());
    }

    admit::service::api routes(config, engine, stats, live, s.data_dir, web);
    admit::service::config_reloader reloader(opt.config_file, file_settings, engine, live);
    routes.set_reloader([&reloader](const std::string& who) {
        const auto result = reloader.reload(who);
        return admit::service::api::reload_outcome{result.ok, result.json()};
    });
    admit::net::server_options net_opts;
    net_opts.address = s.listen_address;
    net_opts.port = s.port;
    net_opts.threads = s.threads;
    net_opts.live_interval = std::chrono::milliseconds(opt.live_interval_ms);
    net_opts.clock_bounds = {std::chrono::seconds(opt.max_clock_ahead_s), std::chrono::hours(opt.max_scan_age_h)};
    net_opts.hello_timeout = std::chrono::seconds(opt.hello_timeout_s);
    net_opts.storage_shared = location.is_postgres();
    admit::net::server server(config, engine, stats, routes, live, net_opts);
    server.start();
    stations = &server;

    const auto port = server.port();
    spdlog::info("admit-server for \"{}\": {} halls, {} stations, scans in {}; memory from {}", config.event.name,
                 config.event.halls.size(), config.event.stations.size(), admit::store::describe(location),
                 admit::app::memory_allocator());
    std::printf("admit-server listening on http://%s:%u/ (stations: ws://%s:%u/ws/station)\n",
                s.listen_address.c_str(), port, s.listen_address.c_str(), port);
    std::fflush(stdout);
    if (!opt.port_file.empty()) {
        std::ofstream(opt.port_file) << port << '\n';
    }

    // Wait here for SIGINT/SIGTERM (blocked in every thread, see main());
    // SIGHUP reloads the config (systemd's ExecReload) and waits on.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    int received = 0;
    for (;;) {
        sigwait(&signals, &received);
        if (received != SIGHUP) break;
        spdlog::info("SIGHUP: reloading {}", opt.config_file);
        (void)reloader.reload("SIGHUP");  // it logs what changed, or why nothing did
    }
    spdlog::info("{}: shutting down: finishing scans in flight", received == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();
    stations = nullptr;  // the engine's last commits tell no one: the stations are closed
    engine.stop();
    spdlog::info("stopped cleanly; last scan seq {}", engine.occupancy().last_seq);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // Block the stop signals before any thread starts, so only sigwait() sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    // A file-size limit (a full disk, a quota) must fail the write, which the
    // store reports and the engine survives, not kill the process.
    std::signal(SIGXFSZ, SIG_IGN);

    CLI::App app{"admit-server: venue check-in server (stations, live occupancy, API)"};
    options opt;
    app.add_option("-c,--config", opt.config_file, "event TOML file (e.g. deploy/seoul-2023.toml)")
        ->required()->check(CLI::ExistingFile);
    app.add_option("-d,--data", opt.data_dir, "data directory (keys, and the SQLite scan log); default: [server] data_dir");
    app.add_option("--store-url", opt.store_url,
                   "keep the scan log in this PostgreSQL database (libpq URL) instead; default: [store] url");
    app.add_option("--listen", opt.listen, "address to listen on; default: [server] listen");
    app.add_option("-p,--port", opt.port, "port; 0 picks a free one; default: [server] port")->check(CLI::Range(0, 65535));
    app.add_option("-t,--threads", opt.threads, "network threads; default: [server] threads")->check(CLI::Range(1, 64));
    app.add_option("--web", opt.web_dir, "folder with the dashboard files; default: [server] web_dir or web/");
    app.add_option("--port-file", opt.port_file, "write the bound port to this file (for scripts and tests)");
    app.add_option("--clock-start", opt.clock_start,
                   "rehearsal: pretend the time is this (e.g. 2023-09-25T17:00:00+09:00)");
    app.add_option("--clock-speed", opt.clock_speed, "rehearsal: the pretend clock runs this many times real time")
        ->check(CLI::Range(0.1, 1000.0));
    app.add_flag("--clock-restart", opt.clock_restart,
                 "rehearsal, servers on PostgreSQL: start the --clock-start clock over now, for every server "
                 "started after this one (they otherwise share the first server's clock)");
    app.add_option("--max-group", opt.max_group,
                   "most scans committed in one transaction (1 = a commit per scan, for benchmarks)")
        ->check(CLI::Range(1, 100000));
    app.add_option("--live-interval", opt.live_interval_ms,
                   "dashboards: least milliseconds between two broadcasts (each is a send per viewer; "
                   "with very many viewers the server spaces them further); "
                   "a scan after a quiet spell is shown at once")
        ->check(CLI::Range(10, 10000))->capture_default_str();
    app.add_option("--max-clock-ahead", opt.max_clock_ahead_s,
                   "seconds a kiosk's scan time may be ahead of the server's; a scan further ahead is "
                   "flagged clock_skew and judged and reported at the server's time")
        ->check(CLI::Range(1, 86400))->capture_default_str();
    app.add_option("--max-scan-age", opt.max_scan_age_h,
                   "hours a kiosk's scan time may be behind the server's (offline scans arrive late); "
                   "an older one is flagged clock_skew and judged and reported at the server's time")
        ->check(CLI::Range(1, 24 * 365))->capture_default_str();
    app.add_option("--hello-timeout", opt.hello_timeout_s,
                   "seconds a station connection may stay open without a good Hello (pings do not count); "
                   "kiosks say hello at once")
        ->check(CLI::Range(1, 3600))->capture_default_str();
    app.add_option("--log-level", opt.log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::from_str(opt.log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

    try {
        return serve(opt);
    } catch (const admit::config::config_error& e) {
        std::fprintf(stderr, "admit-server: the config is broken:\n%s\n", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "admit-server: %s\n", e.what());
    }
    return 1;
}
