#pragma once
// A plain, blocking client of the station protocol: connect, hello, send
// scans, receive server messages with a deadline. Used by the simulator,
// the load tools and the tests; the kiosk builds its link on it.
// No Beast types in this header.
// Thread safety: one thread at a time per client.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "admit/station.pb.h"

namespace admit::client {

// wss:// instead of ws://: the server's certificate must chain to ca_file
// (PEM; empty = the system's trusted CAs) and name the host connected to.
struct tls_options {
    bool enabled = false;
    std::string ca_file;
};

class station_client {
public:
    station_client();
    ~station_client();
    station_client(const station_client&) = delete;
    station_client& operator=(const station_client&) = delete;

    // Opens the WebSocket (throws std::runtime_error saying why it failed).
    void connect(const std::string& host, unsigned short port, const std::string& path = "/ws/station",
                 std::chrono::milliseconds timeout = std::chrono::seconds(5), const tls_options& tls = {});
    bool is_open() const;
    void close();

    void send(const wire::StationMessage& message);
    // For tests of bad input: any bytes, as a binary or text frame.
    void send_raw(std::string_view bytes, bool binary = true);
    // A WebSocket ping (a control frame; the server answers with a pong, which receive() drops).
    void ping();

    // The next server message; nullopt when none arrived in time or the connection closed.
    std::optional<wire::ServerMessage> receive(std::chrono::milliseconds timeout);
    // The next frame as it came (the JSON text of /ws/live, say); nullopt as receive().
    std::optional<std::string> receive_raw(std::chrono::milliseconds timeout);
    // Why the connection ended (empty while open): "closed by server (1001 going away)", ...
    std::string close_reason() const;

    // hello and wait for its answer: HelloAck, or throws with the server's error.
    wire::HelloAck hello(const std::string& station_id, const std::string& token,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace admit::client
