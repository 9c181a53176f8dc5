// admit-scanner: the door kiosk. Reads badges from a camera, image files,
// raw grey frames or a handheld scanner in keyboard mode, and shows each
// verdict full screen (or as JSON lines with --json). Every scan goes to the
// outbox in --state first, so nothing is lost when the link or the power
// fails. Exit codes: 0 done, 1 a problem the message explains, 2 wrong usage.
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <toml++/toml.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "decode/duplicate_filter.hpp"
#include "decode/qr_decoder.hpp"
#include "kiosk/json_display.hpp"
#include "kiosk/kiosk.hpp"
#include "kiosk/server_list.hpp"
#include "kiosk/terminal_display.hpp"
#include "screen/door_display.hpp"
#include "screen/tee_display.hpp"
#include "sources/camera_source.hpp"
#include "sources/file_source.hpp"
#include "sources/line_source.hpp"
#include "sources/raw_frame_source.hpp"

namespace {

namespace fs = std::filesystem;
using namespace admit::scanner;

constexpr int exit_ok = 0;
constexpr int exit_problem = 1;
constexpr int exit_usage = 2;

struct settings {
    std::string config_file;
    std::vector<std::string> servers{"127.0.0.1:8080"};
    std::string station;
    std::string token;
    std::string ca_file;
    bool tls = false;
    std::string direction;
    std::string state = "kiosk-state";
    std::string rules_file;
    int margin = 5;
    std::string repeat_window = "3s";
    int answer_timeout_ms = 3000;
    int verdict_budget_ms = 300;
    double drain_timeout_s = 10;
    std::string camera;
    std::string size = "1280x720";
    int fps = 15;
    std::vector<std::string> images;
    std::string raw;
    bool keyboard = false;
    bool json = false;
    bool sound = false;
    // The door screen (--screen PORT): a full-screen page for Chromium in kiosk mode.
    int screen_port = -1;
    std::string screen_web = ADMIT_DOOR_WEB;
    std::string screen_language = "ko";
    double volume = 0.8;
    bool mute = false;
    int idle_seconds = 8;
};

// "3s", "500ms", "2.5" (seconds).
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
    try {
        std::size_t used = 0;
        const double value = std::stod(text, &used);
        const auto unit = text.substr(used);
        if (value < 0) return std::nullopt;
        if (unit == "ms") return std::chrono::milliseconds(static_cast<std::int64_t>(value));
        if (unit.empty() || unit == "s")
            return std::chrono::milliseconds(static_cast<std::int64_t>(value * 1000));
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

// TOML `server = "h:p"` (or "h:p,h2:p") or `servers = ["h:p", "h2:p"]`; checked
// here so that a bad entry is reported with the file and line.
void take_servers(const toml::table& t, settings& s, const CLI::App& app) {
    if (app.count("--server") > 0) return;
    std::vector<std::string> found;
    const toml::node* first = nullptr;
    for (const char* key : {"server", "servers"}) {
        const toml::node* node = t.get(key);
        if (node == nullptr) continue;
        const auto line = node->source().begin.line;
        if (first != nullptr) {
            throw std::runtime_error(fmt::format(
                "{}:{}: both server and servers are given; keep one list", s.config_file, line
            ));
        }
        first = node;
        auto take = [&](const toml::node& n) {
            const auto text = n.value<std::string>();
            if (!text) {
                throw std::runtime_error(fmt::format(
                    "{}:{}: {} must be \"HOST:PORT\" or a list of them, e.g. servers = "
                    "[\"10.0.0.10:8080\", \"10.0.0.11:8080\"]",
                    s.config_file, n.source().begin.line, key
                ));
            }
            found.push_back(*text);
        };
        if (const auto* list = node->as_array()) {
            for (const auto& item : *list) take(item);
        } else {
            take(*node);
        }
        std::string error;
        if (!parse_servers(found, error))
            throw std::runtime_error(fmt::format("{}:{}: {} {}", s.config_file, line, key, error));
    }
    if (first != nullptr) s.servers = std::move(found);
}

// The TOML file gives defaults; options on the command line win.
void apply_config_file(settings& s, const CLI::App& app) {
    toml::table t;
    try {
        t = toml::parse_file(s.config_file);
    } catch (const toml::parse_error& e) {
        throw std::runtime_error(fmt::format(
            "{}:{}: {}", s.config_file, e.source().begin.line, std::string(e.description())
        ));
    }
    auto take = [&](const char* key, const char* option, auto& target) {
        using T = std::remove_reference_t<decltype(target)>;
        if (app.count(option) > 0) return;
        if (auto v = t[key].value<T>()) target = *v;
    };
    take_servers(t, s, app);
    take("station", "--station", s.station);
    take("token", "--token", s.token);
    take("ca", "--ca", s.ca_file);
    take("tls", "--tls", s.tls);
    take("direction", "--direction", s.direction);
    take("state", "--state", s.state);
    take("rules", "--rules", s.rules_file);
    take("margin", "--margin", s.margin);
    take("verdict_budget_ms", "--verdict-budget", s.verdict_budget_ms);
    take("repeat_window", "--repeat-window", s.repeat_window);
    take("sound", "--sound", s.sound);
    take("camera", "--camera", s.camera);
    take("size", "--size", s.size);
    take("fps", "--fps", s.fps);
    take("screen", "--screen", s.screen_port);
    take("screen_web", "--screen-web", s.screen_web);
    take("language", "--language", s.screen_language);
    take("volume", "--volume", s.volume);
    take("mute", "--mute", s.mute);
    take("idle", "--idle", s.idle_seconds);
}

// The door screen's settings, from the kiosk's options and input.
door_options door_settings(const settings& s) {
    door_options d;
    d.server.port = static_cast<unsigned short>(s.screen_port);
    d.server.web_root = s.screen_web;
    d.language = s.screen_language;
    d.volume = s.volume;
    d.mute = s.mute;
    d.idle_seconds = s.idle_seconds;
    d.input = !s.camera.empty() ? "camera"
              : !s.images.empty() ? "images"
              : !s.raw.empty()    ? "raw"
                                  : "keyboard";
    d.version = ADMIT_VERSION;
    d.servers = s.servers;
    return d;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(fmt::format("{}: cannot read the file; check the path", path));
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

int main(int argc, char** argv) {
    settings s;
    CLI::App app{
        "admit-scanner: the door kiosk of the admit check-in system.\n"
        "Reads badges, shows ADMITTED/REFUSED, keeps every scan in an outbox until the server "
        "has it, and decides offline when the link is down."};
    app.add_option(
        "--config", s.config_file, "kiosk TOML file with the same keys (server, station, ...)"
    );
    app.add_option(
           "--server", s.servers,
           "server HOST:PORT ([::1]:8080 for IPv6); several as a,b or repeated: the kiosk fails "
           "over to the next when one cannot be reached"
    )
        ->capture_default_str();
    app.add_flag("--tls", s.tls, "connect with wss:// and https://, trusting the system's CAs");
    app.add_option("--ca", s.ca_file,
                   "connect with TLS and trust only this CA (PEM), e.g. from deploy/scripts/make-certs.sh")
        ->check(CLI::ExistingFile);
    app.add_option("--station", s.station, "this kiosk's station id");
    app.add_option("--token", s.token, "this station's token");
    app.add_option("--direction", s.direction, "entry or exit (default: the station's role)")
        ->check(CLI::IsMember({"entry", "exit"}));
    app.add_option("--state", s.state, "directory for the outbox and cached rules")
        ->capture_default_str();
    app.add_option(
        "--rules", s.rules_file, "rules JSON to start with (as GET /api/station/rules gives)"
    );
    app.add_option("--margin", s.margin, "offline: refuse entries this many places before capacity")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    app.add_option(
           "--repeat-window", s.repeat_window, "ignore the same badge again within this time"
    )
        ->capture_default_str();
    app.add_option(
           "--answer-timeout", s.answer_timeout_ms,
           "ms after which a link that answers neither a scan nor a heartbeat is dropped"
    )
        ->capture_default_str()
        ->check(CLI::Range(50, 60000));
    app.add_option(
           "--verdict-budget", s.verdict_budget_ms,
           "ms a scan at the door waits for the server's verdict before the kiosk decides it "
           "offline (the scan stays in the outbox and is sent on)"
    )
        ->capture_default_str()
        ->check(CLI::Range(20, 60000));
    app.add_option(
           "--drain-timeout", s.drain_timeout_s,
           "at end of input, seconds to wait for the outbox to empty"
    )
        ->capture_default_str();
    auto* camera = app.add_option("--camera", s.camera, "V4L2 camera device, e.g. /dev/video0");
    app.add_option("--size", s.size, "camera frame size WxH")->capture_default_str();
    app.add_option("--fps", s.fps, "camera frames per second")->capture_default_str();
    auto* images = app.add_option("--images", s.images, "image files, or a folder of them");
    auto* raw = app.add_option("--raw", s.raw, "raw grey frames of WxH on stdin");
    auto* keyboard =
        app.add_flag("--keyboard", s.keyboard, "one payload per line on stdin (handheld scanner)");
    app.add_flag("--json", s.json, "print one JSON line per event instead of the door screen");
    app.add_flag("--sound", s.sound, "ring the terminal bell on refusals");
    app.add_option(
           "--screen", s.screen_port,
           "also serve the door screen on http://127.0.0.1:PORT/ (0: any free port) for a "
           "browser in kiosk mode; the terminal view or --json stays on stdout"
    )
        ->check(CLI::Range(0, 65535));
    app.add_option("--screen-web", s.screen_web, "the door screen's files (web/door)")
        ->capture_default_str();
    app.add_option("--language", s.screen_language, "the door screen's language")
        ->capture_default_str()
        ->check(CLI::IsMember({"ko", "en"}));
    app.add_option("--volume", s.volume, "the door screen's tone volume, 0 to 1")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    app.add_flag("--mute", s.mute, "no tones on the door screen");
    app.add_option("--idle", s.idle_seconds, "seconds a verdict stays on the door screen")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    camera->excludes(images)->excludes(raw)->excludes(keyboard);
    images->excludes(raw)->excludes(keyboard);
    raw->excludes(keyboard);

    try {
        app.parse(argc, argv);
        if (!s.config_file.empty()) apply_config_file(s, app);
    } catch (const CLI::ParseError& e) {
        const int printed = app.exit(e);
        return printed == 0 ? exit_ok : exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "admit-scanner: " << e.what() << '\n';
        return exit_usage;
    }

    auto usage = [](const std::string& what) {
        std::cerr << "admit-scanner: " << what << "; see --help\n";
        return exit_usage;
    };
    if (s.station.empty() || s.token.empty()) return usage("--station and --token are required");
    if (s.camera.empty() && s.images.empty() && s.raw.empty() && !s.keyboard)
        return usage("choose an input: --camera, --images, --raw or --keyboard");
    std::string bad_server;
    auto servers = parse_servers(s.servers, bad_server);
    if (!servers) return usage("--server " + bad_server);
    const auto window = parse_duration(s.repeat_window);
    if (!window) return usage("--repeat-window must be like 3s or 500ms");

    kiosk_options options;
    options.link.servers = std::move(*servers);
    options.link.station_id = s.station;
    options.link.token = s.token;
    // --ca implies TLS: the kiosk then only talks to a server whose certificate that CA signed.
    options.link.tls = admit::client::tls_options{s.tls || !s.ca_file.empty(), s.ca_file};
    options.link.state_dir = s.state;
    options.link.answer_timeout = std::chrono::milliseconds(s.answer_timeout_ms);
    options.link.verdict_budget = std::chrono::milliseconds(s.verdict_budget_ms);
    if (s.direction == "entry") options.dir = admit::core::direction::entry;
    if (s.direction == "exit") options.dir = admit::core::direction::exit;
    options.margin = s.margin;

    // stdout is the door screen (or the JSON lines): log lines (failovers) go to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_mt("admit-scanner"));

    std::unique_ptr<display> stdout_view;
    if (s.json) {
        stdout_view = std::make_unique<json_display>(std::cout);
    } else {
        stdout_view = std::make_unique<terminal_display>(std::cout, s.sound);
    }
    std::unique_ptr<door_display> door;
    std::unique_ptr<tee_display> both;
    display* screen = stdout_view.get();
    if (s.screen_port >= 0) {
        try {
            door = std::make_unique<door_display>(door_settings(s));
        } catch (const std::exception& e) {
            std::cerr << "admit-scanner: " << e.what() << '\n';
            return exit_problem;
        }
        // Where a browser finds it (stderr: stdout is the terminal view or the JSON lines).
        spdlog::info("door screen on http://127.0.0.1:{}/", door->port());
        both = std::make_unique<tee_display>(*stdout_view, *door);
        screen = both.get();
    }

    try {
        kiosk k(options, *screen);
        if (!s.rules_file.empty()) k.seed_rules(read_file(s.rules_file));
        if (door) {
            door->attach([&k] { return door_facts{k.hello(), k.rules(), k.backlog()}; });
        }
        // The door screen reads the kiosk every second: it lets go before the kiosk goes.
        const std::unique_ptr<door_display, void (*)(door_display*)> detach_door(
            door.get(), [](door_display* d) { d->attach({}); }
        );
        if (!options.dir && k.role() == "both") {
            return usage(fmt::format(
                "station {} is an entrance and an exit; give --direction entry|exit", s.station
            ));
        }
        k.start();
        // A kiosk just switched on gives the link a moment, so the first badge gets a server
        // verdict.
        k.wait_online(options.link.answer_timeout);
        if (!options.dir && k.role() == "both") {
            return usage(fmt::format(
                "station {} is an entrance and an exit; give --direction entry|exit", s.station
            ));
        }

        // Open the input before announcing readiness, so a missing camera stops the start.
        std::unique_ptr<frame_source> frames;
        std::optional<line_source> lines;
        if (!s.camera.empty()) {
            const auto size = raw_frame_source::parse_size(s.size);
            if (!size) return usage("--size must be WxH, e.g. 1280x720");
            frames = std::make_unique<camera_source>(camera_options{
                s.camera, size->width, size->height, s.fps});
        } else if (!s.images.empty()) {
            if (s.images.size() == 1 && fs::is_directory(s.images.front())) {
                frames =
                    std::make_unique<file_source>(file_source::from_folder(s.images.front()).files()
                    );
            } else {
                frames = std::make_unique<file_source>(
                    std::vector<fs::path>(s.images.begin(), s.images.end())
                );
            }
        } else if (!s.raw.empty()) {
            const auto size = raw_frame_source::parse_size(s.raw);
            if (!size) return usage("--raw must be WxH, e.g. 1280x720");
            frames = std::make_unique<raw_frame_source>(std::cin, *size);
        } else {
            lines.emplace(std::cin);
        }

        const auto dir = k.direction();
        screen->ready(
            s.station,
            dir ? (*dir == admit::core::direction::entry ? "entry" : "exit") : "from server"
        );

        duplicate_filter repeats(*window);
        auto handle = [&](const std::string& payload) {
            if (!repeats.accept(payload, std::chrono::steady_clock::now())) {
                screen->repeat(payload);
                return;
            }
            const auto shown = k.scan(payload);
            if (door) door->remember(payload, shown);
        };
        if (lines) {
            while (auto payload = lines->next()) handle(*payload);
        } else {
            const qr_decoder decoder;
            for (;;) {
                auto f = frames->next();
                if (f.what == next_frame::kind::end) break;
                if (f.what == next_frame::kind::problem) {
                    screen->note("error", f.problem);
                    continue;
                }
                const auto codes = decoder.decode_codes(f.image.view());
                // The door screen's live preview, codes outlined: camera (or raw frames) only.
                if (door && (!s.camera.empty() || !s.raw.empty())) door->frame(f.image.view(), codes);
                for (const auto& code : codes) handle(code.text);
            }
        }
        // End of input: give the outbox a chance to reach the server.
        const bool drained =
            k.drain(std::chrono::milliseconds(static_cast<std::int64_t>(s.drain_timeout_s * 1000)));
        if (!drained) {
            screen->note(
                "warning",
                fmt::format(
                    "{} scan(s) still in the outbox; they are sent at the next start", k.backlog()
                )
            );
        }
        k.stop();
    } catch (const std::exception& e) {
        screen->note("error", e.what());
        std::cerr << "admit-scanner: " << e.what() << '\n';
        return exit_problem;
    }
    return exit_ok;
}
