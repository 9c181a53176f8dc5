#pragma once
// The servers a kiosk may talk to, and which one it tries next.
// parse_servers() turns the operator's list (--server a:8080,b:8080, repeated
// --server, TOML server/servers) into addresses, or an error naming the bad
// entry. server_rotation is the failover rule as plain data: stay on a server
// while it works (sticky, no return to the first), move to the next one
// (round-robin) when it cannot be reached or its connection drops, and ask
// for the backoff only after a whole round of servers failed, so the next
// server is tried at once. With one server it is the old rule: reconnect at
// once after a drop, back off after every failed attempt.
// Thread safety: plain values; a server_rotation belongs to one thread.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace admit::scanner {

struct server_address {
    std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
    unsigned short port = 0;

    // HOST:PORT as the operator writes it ([::1]:8080 for IPv6).
    std::string text() const;
    bool operator==(const server_address&) const = default;
};

// Each entry is one HOST:PORT or several separated by commas; spaces around
// them are ignored. Returns the servers in order, or nullopt with `error`
// naming the bad entry and what a good one looks like, worded to follow
// where the list came from: `--server entry "x" has no :PORT; give ...`.
std::optional<std::vector<server_address>> parse_servers(
    const std::vector<std::string>& entries, std::string& error
);

class server_rotation {
public:
    // `servers` must not be empty.
    explicit server_rotation(std::vector<server_address> servers);

    const server_address& current() const { return servers_[current_]; }
    // The server tried after the current one fails.
    const server_address& next() const { return servers_[(current_ + 1) % servers_.size()]; }
    std::size_t size() const { return servers_.size(); }
    // Whole rounds of failed attempts since the kiosk was last connected.
    std::size_t failed_rounds() const { return failed_rounds_; }

    // Connected to the current server: it stays the one to use.
    void connected();
    // The current server could not be reached (refused, timeout, TLS, hello):
    // move to the next. True when this completed a round in which every
    // server failed: wait the backoff before the next attempt.
    bool unreachable();
    // The connection to the current server was up and went down: move to the
    // next, which is tried at once (a fresh round).
    void dropped();

private:
    std::vector<server_address> servers_;
    std::size_t current_ = 0;
    std::size_t failed_in_round_ = 0;
    std::size_t failed_rounds_ = 0;
};

}  // namespace admit::scanner
