#pragma once
// The server's group-commit counters, read from its /metrics (Prometheus text):
// how many groups it committed, with how many scans, and how long the commits
// (write + fsync) took. Read at both ends of the measured window, their
// difference says what the disk cost in that window.
// Thread safety: free functions; each read has its own connection.

#include <optional>
#include <string>

namespace admit::load {

struct commit_counters {
    double groups = 0;          // admit_commit_seconds_count
    double commit_seconds = 0;  // admit_commit_seconds_sum
    double scans = 0;           // admit_commit_group_scans_sum
};

// nullopt when the server does not answer or has no such counters (an older server).
std::optional<commit_counters> read_commit_counters(const std::string& host, unsigned short port);
// The counters from the Prometheus text; nullopt when they are missing.
std::optional<commit_counters> parse_commit_counters(const std::string& exposition);

}  // namespace admit::load
