#include "admin/export_command.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <chrono>

#include "config/event_loader.hpp"
#include "reports/export_reports.hpp"
#include "store/scan_store.hpp"

namespace admit::admin {

CLI::App* add_export_command(CLI::App& app, export_args& args) {
    auto* cmd = app.add_subcommand(
        "export",
        "Write the attendance reports (per session, attendee, city, organisation, hall "
        "occupancy, refusals, audit, raw scans, offline conflicts, per day) to DIR: "
        "csv/*.csv, admit-report.xlsx and summary-YYYY-MM-DD.pdf. Safe while the server runs."
    );
    cmd->add_option("--config", args.config_file, "Event config file")->required();
    cmd->add_option("--data", args.data_dir, "Data directory of the event")->required();
    cmd->add_option("--out", args.out_dir, "Output folder (created if missing)")->required();
    cmd->add_option("--format", args.formats, "Formats to write, comma-separated")
        ->delimiter(',')
        ->check(CLI::IsMember({"csv", "xlsx", "pdf"}))
        ->capture_default_str();
    return cmd;
}

void run_export(const export_args& args, std::ostream& out) {
    const auto config = config::load_config(args.config_file);
    const auto& event = config.event;
    auto store = store::open_store({args.data_dir, config.server.postgres_url}, store::open_mode::read_only);
    auto wants = [&](const char* format) {
        return std::find(args.formats.begin(), args.formats.end(), format) != args.formats.end();
    };
    reports::export_options options;
    options.out_dir = args.out_dir;
    options.csv = wants("csv");
    options.xlsx = wants("xlsx");
    options.pdf = wants("pdf");

    const auto started = std::chrono::steady_clock::now();
    const auto result = reports::export_reports(*store, event, options);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    for (const auto& file : result.files) {
        fmt::print(out, "wrote {}\n", file.string());
    }
    fmt::print(
        out, "exported {} scan(s) over {} day(s) in {:.1f} s to {}\n", result.scans, result.days,
        took.count(), args.out_dir
    );
}

}  // namespace admit::admin
