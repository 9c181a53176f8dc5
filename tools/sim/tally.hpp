#pragma once
// What the simulator saw: one line per scan on stdout (readable, or JSON
// lines), counters, and the summary at the end. Connection events go to the
// log (stderr), so that stdout stays one record per line.
// Thread safety: every public function may be called from any thread; lines
// are written whole under a lock.

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <utility>
#include <map>
#include <mutex>
#include <string>

#include "admit/station.pb.h"
#include "core/event.hpp"
#include "sim/crowd.hpp"

namespace admit::sim {

enum class output_style : std::uint8_t { lines, json, quiet };

// How one scan ended.
struct scan_outcome {
    std::string station_id;
    std::string scan_id;
    const planned_scan* scan = nullptr;
    const wire::Verdict* verdict = nullptr;  // nullptr: no verdict
    std::string problem;                     // why there is no verdict
    std::chrono::milliseconds latency{0};    // from the first send to the verdict
    int sends = 1;                           // 2+: resent after a lost link
};

class tally {
public:
    tally(const core::event_config& event, output_style style);

    void record(const scan_outcome& outcome);
    void count_reconnect();
    void count_timeout();

    // The summary, readable or as one JSON object (style json).
    void print_summary(std::chrono::steady_clock::duration elapsed, std::size_t stations);
    // One line on stdout: scans so far, refusals by reason, each hall's occupancy (as verdicts said).
    void print_progress(std::chrono::steady_clock::duration elapsed);
    // Per-scan lines go to this file instead of stdout (the summaries stay on stdout).
    void set_line_file(std::FILE* file);

private:
    void print_line(const scan_outcome& outcome);

    const core::event_config& event_;
    const output_style style_;
    std::mutex mutex_;
    std::size_t sent_ = 0;
    std::size_t admitted_entries_ = 0;
    std::size_t admitted_exits_ = 0;
    std::size_t refused_ = 0;
    std::size_t flagged_ = 0;
    std::size_t replayed_ = 0;
    std::size_t resent_ = 0;
    std::size_t unanswered_ = 0;
    std::size_t reconnects_ = 0;
    std::size_t timeouts_ = 0;
    std::map<std::string, std::size_t> refused_by_reason_;
    std::map<std::string, std::size_t> bad_by_kind_;
    std::map<std::string, std::size_t> problems_;
    std::map<std::string, std::pair<int, int>> hall_inside_;  // hall id -> inside, capacity from the last verdict
    std::FILE* lines_ = stdout;
};

}  // namespace admit::sim
