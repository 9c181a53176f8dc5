#pragma once
// The server's own counters, read from its /metrics (Prometheus text): its
// group commits (how many, with how many scans, how long the write + fsync
// took) and its scan-to-verdict histogram (frame read to verdict handed to
// the socket). Read at both ends of the measured window, their difference
// says what the disk cost in that window, and how long the server itself
// took per scan, without the load client's own queueing.
// Thread safety: free functions; each read has its own connection.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace admit::load {

struct server_counters {
    double groups = 0;          // admit_commit_seconds_count
    double commit_seconds = 0;  // admit_commit_seconds_sum
    double scans = 0;           // admit_commit_group_scans_sum
    // admit_scan_ack_seconds_bucket: (upper bound in seconds, scans answered within it),
    // cumulative, in the order of the text (the last bound is +Inf).
    std::vector<std::pair<double, double>> ack_buckets;
};

// nullopt when the server does not answer or has no such counters (an older server).
std::optional<server_counters> read_server_counters(const std::string& host, unsigned short port);
// The counters from the Prometheus text; nullopt when the commit counters are missing
// (the ack buckets may be empty).
std::optional<server_counters> parse_server_counters(const std::string& exposition);
// What happened between two reads (later minus earlier).
server_counters counters_between(const server_counters& earlier, const server_counters& later);
// The smallest bucket bound (seconds) within which at least `share` of the window's
// scans were answered; nullopt when no scan was, +Inf when only the last bucket holds it.
std::optional<double> ack_bound(const server_counters& window, double share);
// The share of the window's scans answered within `seconds` (a bucket bound); nullopt
// when no scan was answered or there is no such bound.
std::optional<double> ack_share_within(const server_counters& window, double seconds);

}  // namespace admit::load
