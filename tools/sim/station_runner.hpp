#pragma once
// One simulated station: its own connection, hello, then scans from the crowd
// at its share of the rate, one at a time, each waiting for its verdict. Like
// a kiosk it sends a heartbeat every 5 s (--heartbeat). It follows the server's clock (the
// hello's and heartbeats' server time, which may be a rehearsal clock) and
// an entrance whose hall has no session open for check-in scans only now
// and then (people who came too early), so the scans go where the event is. A
// lost link is reopened with backoff (0.2 s doubling to 5 s) and the scan that
// had no verdict is resent with the same scan id, which the server answers
// with its first verdict. Stops when the run is over (signal, duration, count).
// Thread safety: one thread per runner; the shared parts (crowd, pacer,
// tally, run_control) are thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "admit/station.pb.h"
#include "client/station_client.hpp"
#include "core/event.hpp"
#include "sim/crowd.hpp"
#include "sim/pacer.hpp"
#include "sim/tally.hpp"

namespace admit::sim {

// When the run ends; shared by all stations.
struct run_control {
    std::atomic<bool> stop{false};
    std::optional<std::chrono::steady_clock::time_point> deadline;
    std::uint64_t max_scans = 0;  // 0: no limit
    std::atomic<std::uint64_t> scans_started{0};
    // As a kiosk (scanner/kiosk/station_link.hpp, heartbeat_every).
    std::chrono::milliseconds heartbeat_every{5000};

    bool over() const {
        return stop.load() || (deadline && std::chrono::steady_clock::now() >= *deadline);
    }
    bool budget_left() const { return max_scans == 0 || scans_started.load() < max_scans; }
    // Claims one scan of the budget; false when it is spent.
    bool claim_scan() { return max_scans == 0 || scans_started.fetch_add(1) < max_scans; }
};

struct server_address {
    std::string host;
    unsigned short port = 0;
};

class station_runner {
public:
    station_runner(
        const core::event_config& event,
        const core::station& station,
        std::string token,
        std::string run_id,
        const server_address& server,
        crowd& people,
        pacer& pace,
        tally& counts,
        run_control& control,
        std::uint64_t seed
    );

    // Runs until the run is over or the server refuses this station's token.
    // Returns false in the latter case.
    bool run();

private:
    using clock = std::chrono::steady_clock;

    // Opens the link and says hello, retrying with backoff. False: the run is
    // over, or the token was refused (refused_ is set).
    bool open_link();
    bool try_hello();
    // Sends the scan until a verdict comes (resending after a lost link).
    void scan_once(const planned_scan& scan);
    // Reads (and drops) what the server sends until when: keeps the link
    // answering pings while the station waits for its next person.
    void idle_until(clock::time_point when);
    void drop_link(const std::string& why);
    // Sends a heartbeat when one is due (every 5 s while linked).
    void heartbeat_if_due();
    // Notes the server's time from a hello answer or a heartbeat answer.
    void note_server_time(std::int64_t server_ms);
    // Is a session of this station's hall open for check-in now, by the server's clock? (true when unknown)
    bool hall_open_now() const;
    // The station's clock: the server's as last heard plus the time since (a
    // kiosk's clock agrees with the server's, also under a rehearsal clock).
    std::int64_t device_now_ms() const;

    const core::event_config& event_;
    const core::station& station_;
    const std::string token_;
    const std::string run_id_;
    const server_address server_;
    crowd& crowd_;
    pacer& pacer_;
    tally& tally_;
    run_control& control_;
    std::mt19937_64 rng_;
    client::station_client client_;
    bool linked_ = false;  // hello answered on the current connection
    bool ever_linked_ = false;
    bool refused_ = false;
    std::chrono::milliseconds backoff_{200};
    std::uint64_t counter_ = 0;
    clock::time_point next_heartbeat_{};
    std::int64_t server_ms_ = 0;  // 0: not known yet
    clock::time_point server_ms_at_{};
};

}  // namespace admit::sim
