#pragma once
// The plain station tokens the simulator says hello with. load_config keeps
// only their hashes, so they are read from the TOML's [[stations]] token keys
// (demo configs carry them), then overridden by ID=TOKEN pairs given on the
// command line or in a file (one per line, # comments).
// Thread safety: free functions, no shared state.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace admit::sim {

using station_tokens = std::map<std::string, std::string, std::less<>>;  // station id -> token

// Tokens found in the config; stations with only token_hash are left out.
station_tokens read_config_station_tokens(const std::filesystem::path& config_file);

// Parses "ID=TOKEN" pairs into tokens (throws std::runtime_error on a malformed pair).
void add_station_token_pairs(
    station_tokens& tokens, const std::vector<std::string>& pairs, const std::string& source_name
);

// Reads a file of ID=TOKEN lines into tokens.
void add_station_token_file(station_tokens& tokens, const std::filesystem::path& file);

}  // namespace admit::sim
