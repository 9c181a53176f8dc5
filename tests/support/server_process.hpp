#pragma once
// Test support: the real admit-server binary on an ephemeral loopback port,
// with a fresh data directory (keys, roster) and an event config written by
// the test (tests/support/test_events.hpp has the usual ones). Stops with
// SIGTERM (graceful) or SIGKILL (crash), restarts on the same data directory.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

#include "core/badge.hpp"
#include "core/roster.hpp"
#include "support/temp_dir.hpp"

namespace admit::test {

// A roster entry of the small test event (organisation, city and country filled in).
core::attendee attendee_of(std::string id, std::string name, std::string category);
// The small event's people: delegates d-001..d-004, guest g-001, staff s-001.
std::vector<core::attendee> small_roster();
// small_roster() and delegates "<prefix>-NNN" named "<name> N", for N from first to last.
std::vector<core::attendee> small_roster_with_delegates(const std::string& prefix, const std::string& name,
                                                        int first, int last);

class server_process {
public:
    // Writes config + keys + roster into a new temp dir; does not start.
    // The data directory is <temp dir>/data, or data_dir when given (a small filesystem, say).
    explicit server_process(std::string config_toml, std::vector<core::attendee> roster,
                            std::filesystem::path data_dir = {});
    ~server_process();

    void start(std::vector<std::string> extra_args = {});
    void stop_graceful();  // SIGTERM, wait for exit; returns when the process ended
    void kill_hard();      // SIGKILL
    int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(10));  // exit code, -1 on timeout
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

    unsigned short port() const { return port_; }
    const std::filesystem::path& data_dir() const { return data_dir_; }
    const std::filesystem::path& config_file() const { return config_file_; }
    const std::filesystem::path& log_file() const { return log_file_; }
    std::string log() const;
    const core::badge_keys& keys() const { return keys_; }

    // A signed badge token for someone on the roster.
    std::string badge(const std::string& attendee_id, std::uint32_t version = 1) const;

private:
    temp_dir dir_;
    std::filesystem::path data_dir_;
    std::filesystem::path config_file_;
    std::filesystem::path log_file_;
    core::badge_keys keys_;
    std::vector<core::attendee> roster_;
    std::string event_id_;
    pid_t pid_ = -1;
    unsigned short port_ = 0;
};

// Path of a program built by this project (bin/<name>).
std::filesystem::path program(const std::string& name);

// Waits until pred() or the deadline; true when pred() held.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        struct timespec ts{0, 10'000'000};
        nanosleep(&ts, nullptr);
    }
    return pred();
}

}  // namespace admit::test
