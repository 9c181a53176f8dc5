#pragma once
// Shared by the reliability tests: a roster for their event
// (reliability_event_toml in support/test_events.hpp), a load client that
// keeps scanning through crashes (resending what was not acknowledged, as a
// kiosk would), and the audit of a data directory against what the clients
// saw acknowledged.
// Thread safety: a load_client runs its own thread; its accessors lock.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/roster.hpp"
#include "scanner/kiosk/kiosk_process.hpp"
#include "support/server_process.hpp"

namespace admit::test {

// 300 delegates a-000 .. a-299.
std::vector<core::attendee> reliability_roster();
std::string attendee_id(int i);

// A station that scans without pause: one scan (or now and then a batch of
// five) at a time, each with a fresh scan id; it waits for the verdicts,
// and when the connection breaks or the server says STORAGE_UNAVAILABLE it
// reconnects to whatever port `port` holds now and sends every scan not yet
// acknowledged again, with the same scan ids.
class load_client {
public:
    load_client(
        const server_process& server,
        std::string station,
        const std::atomic<unsigned short>& port,
        std::uint32_t seed
    );
    ~load_client();
    load_client(const load_client&) = delete;
    load_client& operator=(const load_client&) = delete;

    void start();
    // No new scans from now on; keeps resending until all are acknowledged.
    void stop_scanning() { scanning_ = false; }
    // Ends the thread (waits for it).
    void quit();

    std::size_t acknowledged_count() const;
    std::size_t pending_count() const;
    std::vector<std::string> acknowledged() const;
    std::uint64_t reconnects() const { return reconnects_; }
    std::uint64_t storage_errors() const { return storage_errors_; }

private:
    void run();

    const server_process& server_;
    std::string station_;
    const std::atomic<unsigned short>& port_;
    std::mt19937 random_;
    std::atomic<bool> scanning_{true};
    std::atomic<bool> quit_{false};
    std::atomic<std::uint64_t> reconnects_{0};
    std::atomic<std::uint64_t> storage_errors_{0};
    mutable std::mutex mutex_;  // guards the two below
    std::map<std::string, std::string> pending_;  // scan id -> serialized wire::Scan
    std::set<std::string> acknowledged_;
    std::uint64_t counter_ = 0;
    std::thread thread_;
};

// What a data directory's scan log says, read with a read-only store.
struct log_audit {
    std::int64_t records = 0;       // rows visited
    std::int64_t scan_count = 0;    // store's scan_count()
    std::map<std::string, int> times_of;  // scan id -> how often it is in the log
    std::map<std::string, int> inside;    // hall -> recomputed occupancy
};
log_audit audit_log(const std::filesystem::path& data_dir);

// hall -> inside, from GET /api/occupancy (empty on failure).
std::map<std::string, int> served_occupancy(unsigned short port);

// Scan ids a kiosk showed or synced ("scan" and "synced" events).
std::set<std::string> kiosk_scan_ids(const kiosk_process& kiosk);

// The outbox backlog of a kiosk's state directory (0 when there is no outbox yet).
std::size_t outbox_backlog(const std::filesystem::path& state_dir);

// Arguments of an admit-scanner on the --keyboard --json path.
std::vector<std::string> kiosk_args(
    unsigned short port,
    const std::string& station,
    const std::filesystem::path& state_dir,
    const std::string& direction
);

// Runs a program to its end (at most `timeout`): exit code (-1: killed at
// the deadline) and what it wrote to stdout and stderr.
struct program_result {
    int code = -1;
    std::string output;
};
program_result run_program(
    std::vector<std::string> args,
    std::chrono::milliseconds timeout = std::chrono::seconds(60)
);

// The pid of the admit-server whose command line names this data directory
// (0 when none): the test changes its limits with prlimit.
int server_pid(const std::filesystem::path& data_dir);

}  // namespace admit::test
