#include "admin/backup_command.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <chrono>
#include <filesystem>

#include "store/backup.hpp"
#include "store/scan_store.hpp"

namespace admit::admin {

backup_commands add_backup_commands(CLI::App& app, backup_args& args) {
    backup_commands cmds;
    cmds.backup = app.add_subcommand(
        "backup",
        "Copy the store of a data directory (scan log, roster, audit) to FILE, consistent as of "
        "the start, while the server keeps running and scanning. Badge keys are not copied."
    );
    cmds.backup->add_option("--data", args.data_dir, "Data directory of the event")->required();
    cmds.backup->add_option("--out", args.out_file, "Backup file to write (replaced if it exists)")
        ->required();

    cmds.restore = app.add_subcommand(
        "restore",
        "Put a backup file back as DIR/admit.db. The server of DIR must be stopped; an existing "
        "admit.db is replaced only with --force (and kept as admit.db.before-restore-<time>)."
    );
    cmds.restore->add_option("--backup", args.backup_file, "Backup file made by `admit backup`")
        ->required();
    cmds.restore->add_option("--data", args.data_dir, "Data directory to restore into")->required();
    cmds.restore->add_flag("--force", args.force, "Replace an existing admit.db");
    return cmds;
}

void run_backup(const backup_args& args, std::ostream& out) {
    const auto started = std::chrono::steady_clock::now();
    // Read-only: the copy never takes the write lock from the running server.
    auto store = store::open_sqlite_store(args.data_dir, store::open_mode::read_only);
    const auto scans = store->backup_to(args.out_file);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    fmt::print(
        out, "backed up {} scan(s) from {} to {} ({} bytes) in {:.1f} s\n", scans, args.data_dir,
        args.out_file, std::filesystem::file_size(args.out_file), took.count()
    );
}

void run_restore(const backup_args& args, std::ostream& out) {
    const auto result = store::restore_backup(args.backup_file, args.data_dir, args.force);
    if (!result.previous.empty()) {
        fmt::print(out, "kept the replaced store as {}\n", result.previous.string());
    }
    fmt::print(
        out, "restored {} scan(s) from {} into {}; start the server on it\n", result.scans,
        args.backup_file, args.data_dir
    );
}

}  // namespace admit::admin
