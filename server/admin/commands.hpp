#pragma once
// The admin tool's subcommands as plain functions, one per `admit <command>`,
// so main.cpp only parses arguments. Output goes to the given streams.
// Failures throw: user_error (and config::config_error, store::store_error,
// std::runtime_error from the layers below) carry a message that says what is
// wrong and what to do; main prints it and exits 1.
// Thread safety: each call opens its own files and store; no shared state.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/event_loader.hpp"
#include "core/badge.hpp"
#include "store/scan_store.hpp"

namespace admit::admin {

class user_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Writes bytes to a new file readable only by its owner (badge tokens admit people).
void write_private_file(const std::filesystem::path& file, std::string_view bytes);

void keygen(const std::filesystem::path& data_dir, bool force, std::ostream& out);

// Prints a summary of a valid config; throws config::config_error otherwise.
void check_config(const std::filesystem::path& config_file, std::ostream& out);

// All or nothing: every bad row goes to err as "<csv>:<line>: ..." and nothing is stored.
void import_roster(
    const std::filesystem::path& config_file,
    const std::filesystem::path& data_dir,
    const std::filesystem::path& csv_file,
    std::ostream& out,
    std::ostream& err
);

// Prints one badge token; reissue bumps the badge version, revoking older tokens.
void issue_badge(
    const std::filesystem::path& config_file,
    const std::filesystem::path& data_dir,
    const std::string& attendee_id,
    bool reissue,
    std::ostream& out
);

// Writes id,name,category,token for everyone to out_file (mode 0600).
void issue_badges(
    const std::filesystem::path& config_file,
    const std::filesystem::path& data_dir,
    const std::filesystem::path& out_file,
    std::ostream& out
);

void demo_roster(
    const std::filesystem::path& config_file,
    std::size_t count,
    std::uint64_t seed,
    std::ostream& out
);

// The event's badge key (event_facts.hpp): throws store_error when `key` is
// not the one the event's store names; stores it when none is (`claim`).
void check_signing_key(
    store::scan_store& store,
    const config::loaded_config& config,
    const std::filesystem::path& data_dir,
    const core::public_key& key,
    bool claim = true
);

// Shows the event's badge key and this data directory's; `adopt`: makes this
// key the event's (after `keygen --force` for a leaked key, section 6b).
void event_key(const std::filesystem::path& config_file, const std::filesystem::path& data_dir, bool adopt,
               std::ostream& out);

// Points libpq at the PostgreSQL password file: `file` when given, else
// $PGPASSFILE when set, else /etc/admit/pgpass when it exists (the server's unit's file).
void use_pg_passfile(const std::string& file);

// What to do about an error that says PostgreSQL wanted a password and none
// was found (libpq's "no password supplied"): how to give the password file.
// Empty for any other error.
std::string pg_password_hint(const std::string& error);

void hash_token(const std::string& token, std::ostream& out);

}  // namespace admit::admin
