#include "admin/staff_command.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include "config/event_loader.hpp"
#include "store/scan_store.hpp"

namespace admit::admin {

namespace {

std::unique_ptr<store::scan_store> open_event_store(const staff_args& args, store::open_mode mode) {
    const auto config = config::load_config(args.config_file);
    return store::open_store({args.data_dir, config.server.postgres_url}, mode);
}

core::time_point now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// As the other commands record themselves in the audit log: the tool and the login.
std::string cli_actor() {
    const char* user = std::getenv("USER");
    return fmt::format("admit-cli:{}", user != nullptr && *user != '\0' ? user : "unknown");
}

std::string checked_name(const std::string& name) {
    if (name.empty() || name.size() > 100 || name.find_first_of("\r\n\t") != std::string::npos) {
        throw std::runtime_error(fmt::format(
            "staff name \"{}\" is not usable: give 1 to 100 characters on one line, e.g. \"Kim Minji\"", name
        ));
    }
    return name;
}

std::string utc_text(core::time_point t) {
    return fmt::format("{:%Y-%m-%d %H:%M} UTC", std::chrono::floor<std::chrono::minutes>(t));
}

}  // namespace

staff_commands add_staff_commands(CLI::App& app, staff_args& args) {
    staff_commands cmds;
    cmds.staff = app.add_subcommand(
        "staff",
        "Help-desk people, each with their own credential: the audit log records the name of "
        "whoever acts at the desk. (The [access] staff tokens stay accepted for small events.)"
    );
    cmds.staff->require_subcommand(1);
    cmds.add = cmds.staff->add_subcommand(
        "add", "Make a credential for NAME and print it once (only its hash is kept)."
    );
    cmds.revoke = cmds.staff->add_subcommand(
        "revoke", "Revoke NAME's credential; running servers refuse it within a second."
    );
    cmds.list = cmds.staff->add_subcommand("list", "List the staff credentials, revoked ones too.");
    for (auto* cmd : {cmds.add, cmds.revoke, cmds.list}) {
        cmd->add_option("--config", args.config_file, "Event config file")->required();
        cmd->add_option("--data", args.data_dir, "Data directory of the event")->required();
    }
    cmds.add->add_option("NAME", args.name, "The person's name, as the audit log shows it")->required();
    cmds.revoke->add_option("NAME", args.name, "The person's name")->required();
    return cmds;
}

std::string new_staff_credential() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    std::array<unsigned char, 32> secret{};
    randombytes_buf(secret.data(), secret.size());
    constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string text(sodium_base64_ENCODED_LEN(secret.size(), variant), '\0');
    sodium_bin2base64(text.data(), text.size(), secret.data(), secret.size(), variant);
    text.resize(text.find('\0'));
    sodium_memzero(secret.data(), secret.size());
    return "admit-staff-" + text;
}

void run_staff_add(const staff_args& args, std::ostream& out) {
    const auto name = checked_name(args.name);
    auto log = open_event_store(args, store::open_mode::read_write);
    const auto credential = new_staff_credential();
    const auto at = now();
    log->add_staff({name, config::hash_token(credential), at, std::nullopt});
    log->add_audit({0, at, cli_actor(), "staff_add", name, "credential issued"});
    fmt::print(out,
               "credential for {}:\n{}\n"
               "Give it to them once: it is not stored and cannot be shown again (only its hash is kept).\n"
               "They sign in at the help desk with it; `admit staff revoke \"{}\"` withdraws it.\n",
               name, credential, name);
}

void run_staff_revoke(const staff_args& args, std::ostream& out) {
    const auto name = checked_name(args.name);
    auto log = open_event_store(args, store::open_mode::read_write);
    const auto at = now();
    if (!log->revoke_staff(name, at)) {
        throw std::runtime_error(fmt::format(
            "staff \"{}\" has no credential in force; `admit staff list` shows who has one", name
        ));
    }
    log->add_audit({0, at, cli_actor(), "staff_revoke", name, "credential revoked"});
    fmt::print(out, "revoked the credential of {}; running servers refuse it within a second\n", name);
}

void run_staff_list(const staff_args& args, std::ostream& out) {
    auto log = open_event_store(args, store::open_mode::read_only);
    const auto staff = log->staff_list();
    if (staff.empty()) {
        fmt::print(out, "no staff credentials; add one with `admit staff add NAME`\n");
        return;
    }
    for (const auto& c : staff) {
        fmt::print(out, "{}\tadded {}\t{}\n", c.name, utc_text(c.added),
                   c.revoked ? "revoked " + utc_text(*c.revoked) : std::string("in force"));
    }
}

}  // namespace admit::admin
