#pragma once
// `admit export`: every attendance report of an event, from its data
// directory, in CSV, XLSX and/or PDF (see reports/export_reports.hpp). Kept
// apart from commands.cpp so the reports library is linked only into the
// tool. The store is opened read-only, so exporting during the event never
// blocks the running server.
// Thread safety: each call opens its own store and files.

#include <CLI/CLI.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace admit::admin {

struct export_args {
    std::string config_file;
    std::string data_dir;
    std::string out_dir;
    std::vector<std::string> formats{"csv", "xlsx", "pdf"};
};

// Adds the `export` subcommand, filling args when it is parsed.
CLI::App* add_export_command(CLI::App& app, export_args& args);

// Writes the reports and lists what it wrote; throws like the other commands.
void run_export(const export_args& args, std::ostream& out);

}  // namespace admit::admin
