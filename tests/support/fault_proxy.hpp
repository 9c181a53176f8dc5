#pragma once
// Test support: a fault-injecting TCP proxy on a loopback port, between a
// real kiosk and the real server. It forwards each connection to a target
// port that can change (a restarted server binds a new ephemeral port), and
// on command it breaks the network the way real networks break:
//   - drop_all():        closes every open connection at once (a switch reboots)
//   - set_delay(d):      holds every chunk for d before forwarding it (a slow link)
//   - cut_mid_frame():   the next chunk in either direction is forwarded only in
//                        part, then both sides are closed (a frame cut in half)
//   - half_open_all():   the connections open now stop forwarding without being
//                        closed (a NAT forgot the flow); new connections work
//   - set_refusing(b):   new connections are closed at once (the server is unreachable)
// Every loop polls with a short timeout and ends when the proxy is destroyed.
// Thread safety: every public member may be called from any thread; one
// thread per connection plus the acceptor.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace admit::test {

class fault_proxy {
public:
    fault_proxy();
    ~fault_proxy();
    fault_proxy(const fault_proxy&) = delete;
    fault_proxy& operator=(const fault_proxy&) = delete;

    unsigned short port() const { return port_; }
    void set_target(unsigned short port) { target_ = port; }

    void drop_all();
    void set_delay(std::chrono::milliseconds delay) { delay_ms_ = delay.count(); }
    void cut_mid_frame() { cut_next_ = true; }
    void half_open_all();
    void set_refusing(bool refusing) { refusing_ = refusing; }

    // Connections accepted so far (a kiosk that reconnects makes a new one).
    std::uint64_t connections() const { return accepted_; }
    // Faults carried out so far (connections dropped, cut or frozen).
    std::uint64_t faults() const { return faults_; }

private:
    void accept_loop();
    void pipe_loop(int client, std::uint64_t born);

    int listener_ = -1;
    unsigned short port_ = 0;
    std::atomic<unsigned short> target_{0};
    std::atomic<bool> stop_{false};
    std::atomic<bool> refusing_{false};
    std::atomic<bool> cut_next_{false};
    std::atomic<std::int64_t> delay_ms_{0};
    // A connection born before the drop (freeze) generation is closed (frozen).
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<std::uint64_t> drop_before_{0};
    std::atomic<std::uint64_t> freeze_before_{0};
    std::atomic<std::uint64_t> accepted_{0};
    std::atomic<std::uint64_t> faults_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> pipes_;
};

}  // namespace admit::test
