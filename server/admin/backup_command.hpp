#pragma once
// `admit backup` and `admit restore`: an online copy of a data directory's
// store (scan log, roster, audit) while the server runs, and putting such a
// copy back into a data directory whose server is stopped. Badge keys
// (DIR/keys) are not in the copy: they never change after keygen and are
// kept apart, offline (see deploy/OPERATIONS.md).
// Thread safety: each call opens its own store and files.

#include <CLI/CLI.hpp>

#include <ostream>
#include <string>

namespace admit::admin {

struct backup_args {
    std::string data_dir;
    std::string out_file;
    std::string backup_file;
    bool force = false;
};

// Adds the `backup` and `restore` subcommands, filling args when parsed.
struct backup_commands {
    CLI::App* backup = nullptr;
    CLI::App* restore = nullptr;
};
backup_commands add_backup_commands(CLI::App& app, backup_args& args);

// Throw store_error (or std::exception) with a message saying what to do.
void run_backup(const backup_args& args, std::ostream& out);
void run_restore(const backup_args& args, std::ostream& out);

}  // namespace admit::admin
