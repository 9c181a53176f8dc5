#pragma once
// The kiosk's link to the server: one thread that keeps the station
// WebSocket up and moves the outbox to the server. It connects, says hello
// (station, token, protocol 1, outbox backlog), then sends every outbox scan
// it has not sent on this connection, in outbox order: the replay after a
// reconnect and a fresh scan are the same path, batched up to the server's
// max_batch. Each verdict removes its scan from the outbox. A link that does
// not answer a scan or a heartbeat within answer_timeout is dead: it is
// closed, the scans stay in the outbox, and it reconnects.
// A server that answers STORAGE_UNAVAILABLE (its database is away) is not
// left for another that shares the same database (HelloAck/Error
// storage_shared): the link closes, waits the backoff (with jitter, growing
// while the storage stays away) and retries the same server; the kiosk
// decides offline meanwhile.
// With several servers (they share one scan log, and dedupe by scan id), a
// server that cannot be reached or whose connection drops is left for the
// next one in the list at once; the backoff (0.2 s doubling to 5 s, with
// jitter) is waited only after every server failed in a round
// (server_rotation). The link stays on a working server until it fails.
// Whichever server is connected gets the whole outbox replayed, so a scan
// the previous server never acknowledged is decided by the new one.
// While online it fetches the offline rules (GET /api/station/rules) from the
// connected server at connect and every minute, and keeps them in
// <state>/rules.json. Failovers are logged (spdlog) with the server and why.
// Thread safety: public member functions may be called from any thread;
// events are delivered on the link thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/station_client.hpp"
#include "kiosk/outbox.hpp"
#include "kiosk/server_list.hpp"
#include "protocol/rules_json.hpp"

namespace admit::scanner {

struct link_options {
    // Tried in this order, round-robin; never empty.
    std::vector<server_address> servers{{"127.0.0.1", 8080}};
    std::string station_id;
    std::string token;
    client::tls_options tls;  // wss:// and https://, verifying the server's certificate
    std::filesystem::path state_dir;
    std::chrono::milliseconds answer_timeout{3000};  // a link silent this long is dead
    // How long a scan at the door waits for the server's verdict before the
    // kiosk decides it offline (the scan stays in the outbox and is sent on).
    std::chrono::milliseconds verdict_budget{300};
    std::chrono::milliseconds heartbeat_every{5000};
    std::chrono::milliseconds rules_every{60000};
    std::chrono::milliseconds backoff_min{200};
    std::chrono::milliseconds backoff_max{5000};
};

// A server verdict as the kiosk uses it.
struct server_verdict {
    std::string scan_id;
    core::verdict result;
    std::string attendee_id;
    std::string name;
    std::string category;
    std::string hall_id;
    int inside = 0;
    int capacity = 0;
    bool replayed = false;
    bool duplicate = false;  // a second read within the server's duplicate window
    std::string server;  // HOST:PORT of the server that sent it
};

// What the server said at hello.
struct hello_facts {
    std::string hall_id;
    std::string hall_name;
    std::string role;  // "entrance", "exit", "both"
    int inside = 0;
    int capacity = 0;
    std::uint32_t max_batch = 100;
    bool storage_shared = false;  // the server's scan log is shared with the other servers
};

struct link_event {
    enum class kind : std::uint8_t {
        online,   // hello acknowledged: hello is set
        offline,  // the link went down: detail says why
        verdict,  // a verdict arrived: verdict and (when it was still waiting) entry are set
        dropped,  // the server refused a scan for good (BAD_SCAN): entry and detail
        held,     // the server cannot record a scan under its id (SCAN_ID_CONFLICT):
                  // kept in the outbox's held table for staff; entry and detail
        rules,    // new rules fetched and stored
        redecided,  // the server decided one of this kiosk's scans again: redecision is set
        problem,  // something to log: detail
    };
    kind what = kind::problem;
    std::string detail;
    std::optional<hello_facts> hello;
    std::optional<server_verdict> verdict;
    std::optional<outbox_entry> entry;
    std::string server;  // HOST:PORT the link is on (online) or lost (offline)
    std::optional<wire::Redecision> redecision = std::nullopt;
};

class station_link {
public:
    using event_handler = std::function<void(const link_event&)>;

    station_link(link_options options, outbox& box, event_handler on_event);
    ~station_link();
    station_link(const station_link&) = delete;
    station_link& operator=(const station_link&) = delete;

    void start();
    void stop();
    // A new scan is in the outbox: send it now.
    void wake() { dirty_ = true; }

    bool online() const { return online_; }
    // HOST:PORT of the server connected now, or tried next when offline.
    std::string server() const;
    std::optional<hello_facts> hello() const;
    // The latest rules: fetched, or read from <state>/rules.json at start; may be null.
    std::shared_ptr<const protocol::station_rules> rules() const;
    // Stores rules given by the operator (e.g. --rules FILE) as the cached rules.
    void seed_rules(std::shared_ptr<const protocol::station_rules> rules, const std::string& json);

private:
    void run();
    void fetch_rules();
    void store_rules(const std::string& json);
    bool wait_or_stop(std::chrono::milliseconds d);
    void emit(link_event::kind what, std::string detail);

    link_options options_;
    outbox& outbox_;
    event_handler on_event_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> online_{false};
    std::atomic<bool> dirty_{true};
    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;

    server_rotation servers_;  // the link thread's only

    mutable std::mutex mutex_;  // guards hello_, rules_ and server_
    std::optional<hello_facts> hello_;
    server_address server_;
    std::shared_ptr<const protocol::station_rules> rules_;

    // The link thread's only: when rules were last fetched, and from where.
    std::chrono::steady_clock::time_point rules_fetched_{};
    std::string rules_server_;
};

}  // namespace admit::scanner
