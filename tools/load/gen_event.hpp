#pragma once
// The benchmark event admit-load runs against: a TOML event config with N
// stations (role "both", spread over the halls, plain tokens "load-<id>"),
// halls big enough never to be full, and one session per hall open from a
// day before now to two days after, so every badge scan is judged for real.
// Thread safety: free function.

#include <filesystem>
#include <string>

namespace admit::load {

struct event_shape {
    int stations = 200;
    int halls = 4;
    int capacity = 1'000'000;
    unsigned threads = 2;  // the server's network threads
    std::string viewer_token = "load-viewer";
};

// Writes the config; the data directory is where the server keeps keys and the log.
void write_event_config(const std::filesystem::path& file, const std::filesystem::path& data_dir,
                        const event_shape& shape);

}  // namespace admit::load
