// admit-sim: simulated scanner stations. Each station of the event (or of
// --stations) gets its own thread and connection to a running admit-server
// and scans a realistic crowd from the badge list written by
// `admit issue-badges`, printing each verdict (on stdout, or to --log FILE),
// a one-line summary every --progress seconds, and a summary at the end.
// Exit codes: 0 done, 1 a problem (bad config, token list, or every station
// refused), 2 a usage error.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "config/event_loader.hpp"
#include "sim/crowd.hpp"
#include "sim/pacer.hpp"
#include "sim/station_runner.hpp"
#include "sim/station_tokens.hpp"
#include "sim/tally.hpp"
#include "sim/tokens_csv.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_problem = 1;
constexpr int exit_usage = 2;

admit::sim::run_control* signal_target = nullptr;

extern "C" void on_signal(int sig) {
    // An atomic<bool> store is safe in a handler; a second signal ends the process at once.
    if (signal_target != nullptr) signal_target->stop.store(true);
    std::signal(sig, SIG_DFL);
}

// The port admit-server wrote with --port-file; waits a little for a server still starting.
unsigned short read_port_file(const std::string& file) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        std::ifstream in(file);
        unsigned port = 0;
        if (in >> port && port > 0 && port <= 65535) return static_cast<unsigned short>(port);
        if (std::chrono::steady_clock::now() >= deadline) {
            throw std::runtime_error(fmt::format(
                "{} holds no port number after 10 s; is admit-server running with --port-file {}?",
                file, file
            ));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

std::vector<admit::core::station> choose_stations(
    const admit::core::event_config& event, const std::vector<std::string>& wanted
) {
    if (wanted.empty()) return event.stations;
    std::vector<admit::core::station> chosen;
    for (const auto& id : wanted) {
        const auto* station = event.find_station(id);
        if (station == nullptr) {
            std::string known;
            for (const auto& s : event.stations) known += (known.empty() ? "" : ", ") + s.id;
            throw std::runtime_error(
                fmt::format("--stations: no station \"{}\" in the config; it has {}", id, known)
            );
        }
        chosen.push_back(*station);
    }
    return chosen;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "admit-sim: simulated scanner stations for a running admit-server. One thread and "
        "connection per station; people from the badge list arrive at entrances, some leave "
        "through exits, a few walk to another hall, and a share of scans are bad (forged, not a "
        "badge, scanned twice). Prints one line per verdict and a summary at the end "
        "(Ctrl-C, --duration or --max-scans)."};

    std::string config_file;
    std::string tokens_file;
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    std::string port_file;
    std::vector<std::string> station_ids;
    std::vector<std::string> station_token_pairs;
    std::string station_token_file;
    double rate = 2.0;
    double duration = 0.0;
    std::uint64_t max_scans = 0;
    std::uint64_t seed = std::random_device{}();
    double bad_share = 0.03;
    bool quiet = false;
    bool json = false;
    bool verbose = false;
    double progress_every = 0.0;
    double heartbeat_every = 5.0;
    std::string log_file;

    app.add_option("--config", config_file, "Event config file (TOML), the one the server runs")
        ->required()
        ->check(CLI::ExistingFile);
    app.add_option(
           "--tokens", tokens_file,
           "Badge list id,name,category,token written by `admit issue-badges --out FILE`"
    )
        ->required()
        ->check(CLI::ExistingFile);
    app.add_option("--host", host, "Server address; the simulator connects to no other host")
        ->capture_default_str();
    auto* port_option =
        app.add_option("--port", port, "Server port (default: [server] port in the config)");
    app.add_option(
           "--port-file", port_file,
           "Read the port from this file (admit-server --port-file); waits up to 10 s"
    )
        ->excludes(port_option);
    app.add_option(
           "--stations", station_ids,
           "Only these stations, comma-separated (default: every station in the config)"
    )
        ->delimiter(',');
    app.add_option(
        "--station-token", station_token_pairs,
        "ID=TOKEN for a station whose config entry has only token_hash (repeatable); "
        "overrides the config's plain demo tokens"
    );
    app.add_option(
           "--station-token-file", station_token_file,
           "File of ID=TOKEN lines (# comments), like --station-token"
    )
        ->check(CLI::ExistingFile);
    app.add_option("--rate", rate, "Scans per second, all stations together")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 10000.0));
    app.add_option(
           "--duration", duration, "Stop after this many seconds (0: until Ctrl-C or SIGTERM)"
    )
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    app.add_option("--max-scans", max_scans, "Stop after this many scans (0: no limit)")
        ->capture_default_str();
    app.add_option(
        "--seed", seed, "Seed for the crowd's choices (default: random; printed at start)"
    );
    app.add_option(
           "--bad-scans", bad_share,
           "Share of bad scans: forged badges, things that are not badges, badges scanned twice"
    )
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    auto* quiet_flag = app.add_flag("--quiet,-q", quiet, "No line per scan; only the summary");
    app.add_flag("--json", json, "One JSON object per scan and a JSON summary, on stdout")
        ->excludes(quiet_flag);
    app.add_flag("--verbose,-v", verbose, "Log every reconnect attempt");
    app.add_option(
           "--progress", progress_every,
           "Print a one-line summary (scans, refusals by reason, each hall's occupancy) every this "
           "many seconds (0: none)"
    )
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    app.add_option("--heartbeat", heartbeat_every, "Seconds between a station's heartbeats (a kiosk: 5)")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 3600.0));
    app.add_option(
        "--log", log_file,
        "Write the line per scan to this file (appended) instead of stdout; stdout keeps the "
        "summaries"
    );

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help is a success; any other parse failure is a usage error.
        return app.exit(e) == 0 ? exit_ok : exit_usage;
    }

    // Logs go to stderr so that stdout is only the scan lines and the summary.
    auto logger = spdlog::stderr_color_mt("admit-sim");
    logger->set_pattern("%H:%M:%S %^%l%$ %v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);

    try {
        const auto loaded = admit::config::load_config(config_file);
        const auto& event = loaded.event;
        auto people = admit::sim::read_tokens_csv(tokens_file);

        auto tokens = admit::sim::read_config_station_tokens(config_file);
        if (!station_token_file.empty())
            admit::sim::add_station_token_file(tokens, station_token_file);
        admit::sim::add_station_token_pairs(tokens, station_token_pairs, "--station-token");

        const auto stations = choose_stations(event, station_ids);
        for (const auto& station : stations) {
            if (!tokens.contains(station.id)) {
                throw std::runtime_error(fmt::format(
                    "no plain token for station \"{}\" (the config has only its hash); give "
                    "--station-token {}=TOKEN or --station-token-file",
                    station.id, station.id
                ));
            }
        }

        if (!port_file.empty()) {
            port = read_port_file(port_file);
        } else if (port == 0) {
            port = loaded.server.port;
            if (port == 0) {
                throw std::runtime_error(
                    "the config's [server] port is 0 (any free port); give --port or --port-file"
                );
            }
        }

        // The run id keeps scan ids unique across runs, even with the same --seed.
        const auto run_id = fmt::format("{:08x}", std::random_device{}());
        spdlog::info(
            "run {}: seed {}, {} stations, {} people, {} scans/s to {}:{}", run_id, seed,
            stations.size(), people.size(), rate, host, port
        );

        admit::sim::run_control control;
        if (duration > 0) {
            control.deadline = std::chrono::steady_clock::now() +
                               std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(duration)
                               );
        }
        control.max_scans = max_scans;
        control.heartbeat_every = std::chrono::milliseconds(static_cast<std::int64_t>(heartbeat_every * 1000));
        signal_target = &control;
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);

        const auto style = json    ? admit::sim::output_style::json
                           : quiet ? admit::sim::output_style::quiet
                                   : admit::sim::output_style::lines;
        admit::sim::crowd crowd(std::move(people), event.halls, bad_share, seed ^ 0xC0FFEEu);
        admit::sim::pacer pacer(rate, seed);
        admit::sim::tally tally(event, style);
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> lines(nullptr, &std::fclose);
        if (!log_file.empty()) {
            lines.reset(std::fopen(log_file.c_str(), "a"));
            if (!lines) throw std::runtime_error(fmt::format("--log {}: cannot open it for writing", log_file));
            tally.set_line_file(lines.get());
        }
        const admit::sim::server_address server{host, port};

        std::vector<std::unique_ptr<admit::sim::station_runner>> runners;
        for (std::size_t i = 0; i < stations.size(); ++i) {
            runners.push_back(std::make_unique<admit::sim::station_runner>(
                event, stations[i], tokens.find(stations[i].id)->second, run_id, server, crowd, pacer,
                tally, control, seed + 0x9E3779B97F4A7C15ULL * (i + 1)
            ));
        }

        const auto started = std::chrono::steady_clock::now();
        std::vector<std::uint8_t> accepted(runners.size(), 0);
        {
            std::atomic<std::size_t> running{runners.size()};
            std::vector<std::jthread> threads;
            for (std::size_t i = 0; i < runners.size(); ++i) {
                threads.emplace_back([&, i] {
                    accepted[i] = runners[i]->run() ? 1 : 0;
                    --running;
                });
            }
            if (progress_every > 0) {
                // A line every progress_every seconds until every station has stopped.
                const auto every = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(progress_every)
                );
                auto next = started + every;
                while (running.load() > 0) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                    if (std::chrono::steady_clock::now() < next) continue;
                    next += every;
                    tally.print_progress(std::chrono::steady_clock::now() - started);
                }
            }
        }
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        signal_target = nullptr;
        tally.print_summary(std::chrono::steady_clock::now() - started, runners.size());
        if (std::none_of(accepted.begin(), accepted.end(), [](std::uint8_t a) { return a != 0; })) {
            spdlog::error("the server refused every station's token");
            return exit_problem;
        }
    } catch (const admit::config::config_error& e) {
        for (const auto& problem : e.problems()) std::cerr << problem << '\n';
        std::cerr << "admit-sim: " << e.problems().size() << " problem(s) in the config\n";
        return exit_problem;
    } catch (const std::exception& e) {
        std::cerr << "admit-sim: " << e.what() << '\n';
        return exit_problem;
    }
    return exit_ok;
}
