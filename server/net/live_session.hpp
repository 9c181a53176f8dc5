#pragma once
// One dashboard's WebSocket at /ws/live (internal to server/net). The server
// offers it the newest state; it keeps only the latest unsent frame, so a
// slow browser gets the current state, never a backlog, and never slows a
// scanner or another viewer. A viewer whose write has not finished in
// stall_limit is closed.
// Thread safety: offer() and check_stalled() from any thread; the rest on the strand.

#include <chrono>
#include <memory>
#include <string>

#include "net/beast_types.hpp"
#include "net/station_session.hpp"

namespace admit::net {

template <typename Stream>
class live_session : public live_viewer, public std::enable_shared_from_this<live_session<Stream>> {
public:
    live_session(Stream stream, std::shared_ptr<server_context> ctx);

    asio::awaitable<void> run(http::request<http::string_body> upgrade);
    void offer(std::shared_ptr<const std::string> frame) override;
    void check_stalled(std::chrono::steady_clock::duration stall_limit) override;
    void request_close() override;

private:
    asio::awaitable<void> write_loop();

    websocket::stream<Stream> ws_;
    std::shared_ptr<server_context> ctx_;
    asio::steady_timer wake_;
    std::shared_ptr<const std::string> pending_;
    std::chrono::steady_clock::time_point write_started_{};  // zero while no write is in flight
    bool closed_ = false;
    bool close_requested_ = false;
};

// Every broadcast_interval: sample occupancy, and when anything changed send
// the new state to every viewer. Ends when the io_context stops.
asio::awaitable<void> broadcast_live_state(std::shared_ptr<server_context> ctx);

}  // namespace admit::net
