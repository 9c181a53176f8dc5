#pragma once
// Reads an event's TOML file into core::event_config and checks it whole.
// A broken file is refused with every problem found, each naming the file,
// the line and what to do:  seoul.toml:14: hall "ddp-art2" has capacity -5;
// capacity must be at least 1
// Thread safety: free functions, no shared state.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"

namespace admit::config {

// Thrown with all problems; what() joins them one per line.
class config_error : public std::runtime_error {
public:
    explicit config_error(std::vector<std::string> problems);
    const std::vector<std::string>& problems() const { return problems_; }

private:
    std::vector<std::string> problems_;
};

// Server-side settings that live in the same file under [server].
struct server_settings {
    std::string listen_address = "127.0.0.1";
    unsigned short port = 8080;
    unsigned threads = 2;
    std::string data_dir = "var/admit";  // keys; and the SQLite store unless postgres_url is set
    std::string postgres_url;            // [store] backend = "postgresql": its libpq URL
    std::string web_dir;                 // empty: the web/ folder next to the sources
    std::string tls_cert;                // PEM certificate chain; with tls_key: serve HTTPS/WSS only
    std::string tls_key;                 // PEM private key
    std::vector<std::string> viewer_token_hashes;  // [access] viewer tokens, hashed
    std::vector<std::string> staff_token_hashes;   // [access] staff tokens, hashed
};

struct loaded_config {
    core::event_config event;
    server_settings server;
};

// source_name is used in messages ("seoul-2023.toml"); text is the TOML.
loaded_config parse_config(std::string_view text, const std::string& source_name);
loaded_config load_config(const std::filesystem::path& file);

// Token hashing shared by config, server and admin tool:
// hex of libsodium crypto_generichash (32 bytes) of the token.
std::string hash_token(std::string_view token);

}  // namespace admit::config
