#pragma once
// `admit staff add|revoke|list`: personal credentials for help-desk people.
// Each person gets their own credential, printed once; the store keeps only
// its hash, and the server records the credential's name as who did each
// desk action. Revoking takes effect on running servers within a second.
//
// Why a plain (unkeyed BLAKE2b, config::hash_token) hash and not
// crypto_pwhash: the credential is 32 random bytes made here, never a
// password a person chose, so guessing it from a stolen hash is 2^256 work
// however fast the hash is; a deliberately slow hash would only cost every
// desk request ~0.1 s of CPU and rule out finding the credential by its hash.
// Thread safety: each call opens its own store.

#include <CLI/CLI.hpp>

#include <ostream>
#include <string>

namespace admit::admin {

struct staff_args {
    std::string config_file;
    std::string data_dir;
    std::string name;
};

struct staff_commands {
    CLI::App* staff = nullptr;
    CLI::App* add = nullptr;
    CLI::App* revoke = nullptr;
    CLI::App* list = nullptr;
};

staff_commands add_staff_commands(CLI::App& app, staff_args& args);

// Each throws std::runtime_error (or store_error) with a message for the user.
void run_staff_add(const staff_args& args, std::ostream& out);
void run_staff_revoke(const staff_args& args, std::ostream& out);
void run_staff_list(const staff_args& args, std::ostream& out);

// A new credential: "admit-staff-" and 32 random bytes in base64url.
std::string new_staff_credential();

}  // namespace admit::admin
