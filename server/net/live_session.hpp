#pragma once
// One dashboard's WebSocket at /ws/live (internal to server/net). It first
// sends the whole state (with the day's series); then the server offers it
// each broadcast, which it sends as a delta when the viewer has the broadcast
// before it, and whole otherwise. It keeps only the latest unsent broadcast,
// so a slow browser gets the current state, never a backlog, and never slows
// a scanner or another viewer. A viewer whose write has not finished in
// stall_limit is closed.
// Thread safety: offer(), offer_frames(), request_close() and check_stalled()
// from any thread; the rest on the strand.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/beast_types.hpp"
#include "net/live_state.hpp"
#include "net/station_session.hpp"

namespace admit::net {

// A viewer that takes a broadcast in both forms (whole and delta) and picks one.
class live_frame_sink {
public:
    virtual void offer_frames(std::shared_ptr<const live_frames> frames) = 0;

protected:
    ~live_frame_sink() = default;
};

template <typename Stream>
class live_session : public live_viewer,
                     public live_frame_sink,
                     public std::enable_shared_from_this<live_session<Stream>> {
public:
    live_session(Stream stream, std::shared_ptr<server_context> ctx);

    asio::awaitable<void> run(http::request<http::string_body> upgrade);
    void offer_frames(std::shared_ptr<const live_frames> frames) override;
    // A whole state only (no delta): the viewer gets it as it is.
    void offer(std::shared_ptr<const std::string> frame) override;
    void check_stalled(std::chrono::steady_clock::duration stall_limit) override;
    void request_close() override;

private:
    // Starts the next write when none is in flight (on the strand): no wake-up
    // timer and no coroutine hop between a broadcast and its send.
    void pump();
    void on_written(boost::system::error_code ec);

    websocket::stream<Stream> ws_;
    std::shared_ptr<server_context> ctx_;
    std::shared_ptr<const live_frames> pending_;
    std::shared_ptr<const live_frames> writing_;  // keeps the frame being written alive
    std::uint64_t skip_upto_ = 0;  // broadcasts already in the first frame
    std::uint64_t have_ = 0;       // the broadcast the browser's state is (0: none, send whole)
    std::chrono::steady_clock::time_point write_started_{};  // zero while no write is in flight
    bool closed_ = false;
    bool close_requested_ = false;
    bool closing_ = false;
};

// Samples occupancy and, when anything changed, sends the new state to every
// viewer: at most every broadcast_interval, and within poll_interval of a
// change after a quiet spell. Ends when the io_context stops.
asio::awaitable<void> broadcast_live_state(std::shared_ptr<server_context> ctx);

}  // namespace admit::net
