#pragma once
// Test support: a TCP relay on a fixed loopback port that forwards each
// connection to a target port that can change. A restarted admit-server
// binds a new ephemeral port; the kiosk keeps its --server address and
// reaches the new server through the relay, as a real kiosk would.
// Thread safety: set_target() from any thread; one thread per connection.

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace admit::test {

class tcp_relay {
public:
    tcp_relay();
    ~tcp_relay();
    tcp_relay(const tcp_relay&) = delete;
    tcp_relay& operator=(const tcp_relay&) = delete;

    unsigned short port() const { return port_; }
    void set_target(unsigned short port) { target_ = port; }

private:
    void accept_loop();
    void pipe_loop(int client);

    int listener_ = -1;
    unsigned short port_ = 0;
    std::atomic<unsigned short> target_{0};
    std::atomic<bool> stop_{false};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> pipes_;
};

}  // namespace admit::test
