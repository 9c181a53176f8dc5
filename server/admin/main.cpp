// `admit`: the organisers' command-line tool: badge keys, config checks,
// roster import, badge tokens and demo data. Exit codes: 0 done, 1 a problem
// the message explains, 2 wrong usage.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <string>

#include "admin/backup_command.hpp"
#include "admin/badge_files.hpp"
#include "admin/commands.hpp"
#include "admin/export_command.hpp"
#include "admin/reload_command.hpp"
#include "admin/staff_command.hpp"
#include "config/event_loader.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_problem = 1;
constexpr int exit_usage = 2;

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "admit: the admin tool of the admit check-in system.\n"
        "Typical order: keygen, check-config, import-roster, issue-badges."};
    app.require_subcommand(1);

    std::string data_dir;
    std::string config_file;
    bool force = false;
    auto* keygen = app.add_subcommand(
        "keygen", "Create the event's badge signing keys in DIR/keys (badge.key 0600, badge.pub)."
    );
    keygen->add_option("--data", data_dir, "Data directory of the event")->required();
    keygen->add_flag("--force", force, "Replace existing keys (revokes every badge issued so far)");

    bool adopt = false;
    auto* event_key_cmd = app.add_subcommand(
        "event-key",
        "Show the event's badge key (stored by the first server) and this data directory's; "
        "--adopt makes this one the event's (after keygen --force)."
    );
    event_key_cmd->add_option("--config", config_file, "Event config file")->required();
    event_key_cmd->add_option("--data", data_dir, "Data directory of the event")->required();
    event_key_cmd->add_flag("--adopt", adopt, "Make this data directory's key the event's key");

    // The same PostgreSQL password file as the server's unit (deploy/multi-site/admit-server-postgres.conf).
    std::string pg_passfile;
    app.add_option("--pg-passfile", pg_passfile,
                   "PostgreSQL password file (host:port:db:user:password); default: $PGPASSFILE, else "
                   "/etc/admit/pgpass when it exists, as the server's unit sets")
        ->check(CLI::ExistingFile);

    auto* check = app.add_subcommand(
        "check-config", "Check an event TOML file; print a summary, or every problem with its line."
    );
    check->add_option("FILE", config_file, "Event config, e.g. deploy/seoul-2023.toml")->required();

    std::string csv_file;
    auto* import = app.add_subcommand(
        "import-roster",
        "Import a roster CSV (id,name,category[,organisation,city,country,email]). All or "
        "nothing: every bad row is listed and nothing is stored. Re-importing updates people "
        "and keeps their badge versions."
    );
    import->add_option("--config", config_file, "Event config file")->required();
    import->add_option("--data", data_dir, "Data directory of the event")->required();
    import->add_option("ROSTER", csv_file, "Roster CSV file (UTF-8)")->required();

    std::string attendee_id;
    bool reissue = false;
    auto* issue = app.add_subcommand(
        "issue-badge",
        "Print the badge token of one attendee. --reissue bumps the badge version, which "
        "revokes the old badge (lost or stolen)."
    );
    issue->add_option("--config", config_file, "Event config file")->required();
    issue->add_option("--data", data_dir, "Data directory of the event")->required();
    issue->add_option("ID", attendee_id, "Attendee id")->required();
    issue->add_flag("--reissue", reissue, "Revoke the current badge and issue a new one");

    std::string out_file;
    auto* issue_all = app.add_subcommand(
        "issue-badges",
        "Write id,name,category,token for everyone in the roster to a CSV (mode 0600) for "
        "badge printing."
    );
    issue_all->add_option("--config", config_file, "Event config file")->required();
    issue_all->add_option("--data", data_dir, "Data directory of the event")->required();
    issue_all->add_option("--out", out_file, "Output CSV file")->required();

    std::string badge_dir;
    std::string badge_id;
    std::string layout = "a6";
    auto* badges_cmd = app.add_subcommand(
        "badges",
        "Write badge files for printing: <id>.png and <id>.svg (the QR of the signed token) per "
        "attendee and one print-ready badges.pdf, into DIR (files mode 0600)."
    );
    badges_cmd->add_option("--config", config_file, "Event config file")->required();
    badges_cmd->add_option("--data", data_dir, "Data directory of the event")->required();
    badges_cmd->add_option("--out", badge_dir, "Output folder")->required();
    badges_cmd->add_option("--id", badge_id, "Only this attendee");
    badges_cmd->add_option("--layout", layout, "a6: one badge per A6 page; a4: four per A4 sheet")
        ->capture_default_str()
        ->check(CLI::IsMember({"a6", "a4"}));

    std::size_t count = 400;
    std::uint64_t seed = 2023;
    auto* demo = app.add_subcommand(
        "demo-roster",
        "Write a realistic made-up roster CSV to stdout (delegates from 71 cities, VIPs, "
        "speakers, 21 finalists, press, staff, guests). Same seed, same roster."
    );
    demo->add_option("--config", config_file, "Event config file (for its categories)")->required();
    demo->add_option("--count", count, "How many people")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
    demo->add_option("--seed", seed, "Random seed")->capture_default_str();

    std::string token;
    auto* hash = app.add_subcommand(
        "hash-token",
        "Print the hash of a station, viewer or staff token, for token_hash / *_token_hashes "
        "in the config."
    );
    hash->add_option("TOKEN", token, "The plain token")->required();

    admit::admin::export_args export_args;
    auto* export_reports = admit::admin::add_export_command(app, export_args);
    admit::admin::backup_args backup_args;
    const auto backup_cmds = admit::admin::add_backup_commands(app, backup_args);
    admit::admin::reload_args reload_args;
    auto* reload_cmd = admit::admin::add_reload_command(app, reload_args);
    admit::admin::staff_args staff_args;
    const auto staff_cmds = admit::admin::add_staff_commands(app, staff_args);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help is a success; any other parse failure is a usage error.
        const int printed = app.exit(e);
        return printed == 0 ? exit_ok : exit_usage;
    }

    admit::admin::use_pg_passfile(pg_passfile);
    try {
        if (*keygen) {
            admit::admin::keygen(data_dir, force, std::cout);
        } else if (*event_key_cmd) {
            admit::admin::event_key(config_file, data_dir, adopt, std::cout);
        } else if (*check) {
            admit::admin::check_config(config_file, std::cout);
        } else if (*import) {
            admit::admin::import_roster(config_file, data_dir, csv_file, std::cout, std::cerr);
        } else if (*issue) {
            admit::admin::issue_badge(config_file, data_dir, attendee_id, reissue, std::cout);
        } else if (*issue_all) {
            admit::admin::issue_badges(config_file, data_dir, out_file, std::cout);
        } else if (*badges_cmd) {
            admit::admin::write_badge_files(
                config_file, data_dir, badge_dir,
                badge_id.empty() ? std::nullopt : std::optional<std::string>(badge_id),
                layout == "a4" ? admit::badges::page_layout::a4_four_up
                               : admit::badges::page_layout::a6_single,
                std::cout
            );
        } else if (*demo) {
            admit::admin::demo_roster(config_file, count, seed, std::cout);
        } else if (*hash) {
            admit::admin::hash_token(token, std::cout);
        } else if (*export_reports) {
            admit::admin::run_export(export_args, std::cout);
        } else if (*backup_cmds.backup) {
            admit::admin::run_backup(backup_args, std::cout);
        } else if (*backup_cmds.restore) {
            admit::admin::run_restore(backup_args, std::cout);
        } else if (*reload_cmd) {
            if (!admit::admin::run_reload(reload_args, std::cout, std::cerr)) return exit_problem;
        } else if (*staff_cmds.add) {
            admit::admin::run_staff_add(staff_args, std::cout);
        } else if (*staff_cmds.revoke) {
            admit::admin::run_staff_revoke(staff_args, std::cout);
        } else if (*staff_cmds.list) {
            admit::admin::run_staff_list(staff_args, std::cout);
        }
    } catch (const admit::config::config_error& e) {
        for (const auto& problem : e.problems()) {
            std::cerr << problem << '\n';
        }
        std::cerr << "admit: " << e.problems().size()
                  << " problem(s) in the config; fix them and run again\n";
        return exit_problem;
    } catch (const std::exception& e) {
        std::cerr << "admit: " << e.what() << '\n';
        if (const auto hint = admit::admin::pg_password_hint(e.what()); !hint.empty()) {
            std::cerr << hint << '\n';
        }
        return exit_problem;
    }
    return exit_ok;
}
