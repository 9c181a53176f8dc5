#pragma once
// One dashboard's WebSocket at /ws/live (internal to server/net). It first
// sends the whole state (with the day's series); then the server offers it
// each broadcast, which it sends as a delta when the viewer has the broadcast
// before it, and whole otherwise. It keeps only the latest unsent broadcast,
// so a slow browser gets the current state, never a backlog, and never slows
// a scanner or another viewer. A viewer whose write has not finished in
// stall_limit is closed, and so is one over its control-frame limit (a ping
// flood), with 1008.
// Thread safety: offer(), offer_frames(), request_close() and check_stalled()
// from any thread; the rest on its executor (the dashboards' thread, or a strand).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/beast_types.hpp"
#include "net/broadcast_schedule.hpp"
#include "net/control_frame_limit.hpp"
#include "net/station_session.hpp"
#include "service/live_state.hpp"

namespace admit::net {

// Where a dashboard connection runs: a plain one moves to the dashboards'
// io_context (one thread, so no strand: the broadcaster, on that thread,
// hands it a broadcast without a post); a TLS one cannot move and stays on
// its strand of the network threads.
template <typename Stream>
struct live_transport {
    using stream_type = Stream;
    static Stream adopt(Stream stream, asio::io_context&) { return stream; }
};

template <>
struct live_transport<beast::tcp_stream> {
    using stream_type = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;
    static stream_type adopt(beast::tcp_stream stream, asio::io_context& dashboards) {
        return move_socket(std::move(stream), dashboards.get_executor());
    }
};

// A viewer that takes a broadcast in both forms (whole and delta) and picks one.
class live_frame_sink {
public:
    virtual void offer_frames(std::shared_ptr<const service::live_frames> frames) = 0;

protected:
    ~live_frame_sink() = default;
};

template <typename Stream>
class live_session : public live_viewer,
                     public live_frame_sink,
                     public std::enable_shared_from_this<live_session<Stream>> {
public:
    live_session(Stream stream, std::shared_ptr<server_context> ctx);

    // Starts serving the dashboard on its socket's executor (accept the
    // upgrade, then send until it leaves) and returns at once: the HTTP
    // connection's coroutine ends there.
    asio::awaitable<void> run(http::request<http::string_body> upgrade);
    void offer_frames(std::shared_ptr<const service::live_frames> frames) override;
    // A whole state only (no delta): the viewer gets it as it is.
    void offer(std::shared_ptr<const std::string> frame) override;
    void check_stalled(std::chrono::steady_clock::duration stall_limit) override;
    void request_close() override;

private:
    using stream_type = typename live_transport<Stream>::stream_type;
    using executor_type = typename stream_type::executor_type;

    asio::awaitable<void, executor_type> serve(http::request<http::string_body> upgrade);
    // Starts the next write when none is in flight (on its executor): no wake-up
    // timer and no coroutine hop between a broadcast and its send.
    void pump();
    void on_written(boost::system::error_code ec);
    void on_control_frame();

    // Plain connections: the socket on ctx->dashboards by concrete executor
    // type (the fan-out writes skip any_io_executor).
    websocket::stream<stream_type> ws_;
    std::shared_ptr<server_context> ctx_;
    std::shared_ptr<const service::live_frames> pending_;
    std::shared_ptr<const service::live_frames> writing_;  // keeps the frame being written alive
    std::uint64_t skip_upto_ = 0;  // broadcasts already in the first frame
    std::uint64_t have_ = 0;       // the broadcast the browser's state is (0: none, send whole)
    std::chrono::steady_clock::time_point write_started_{};  // zero while no write is in flight
    bool closed_ = false;
    bool close_requested_ = false;
    bool closing_ = false;
    bool control_flood_ = false;  // over the control-frame limit: its close is posted
    control_frame_limit control_limit_;
    websocket::close_reason close_why_{websocket::close_code::going_away};
};

// Sends the state to the viewers when it changed: a committed scan wakes it
// (notify(), from the engine's writer thread), so a dashboard shows a scan one
// fan-out after its commit, with broadcasts to each viewer broadcast_spacing()
// apart (each costs a send per viewer). Many viewers are broadcast to in
// groups that take turns (broadcast_schedule.hpp says why). Station changes
// and the occupancy samples are picked up by a poll. Every second it also
// closes viewers stalled for 30 s.
// Thread safety: notify() from any thread; the rest runs on the dashboards' thread.
// Ends when the io_context stops.
class live_broadcaster : public std::enable_shared_from_this<live_broadcaster> {
public:
    live_broadcaster(asio::io_context& ioc, std::shared_ptr<server_context> ctx);
    // The loop; spawn it on executor().
    asio::awaitable<void> run();
    asio::io_context::executor_type executor() const { return executor_; }
    // Something was committed: broadcast as soon as min_interval allows.
    void notify();

private:
    // Renders the state for one group and offers it to that group's viewers.
    void broadcast(const std::vector<std::shared_ptr<live_viewer>>& viewers, std::size_t group, std::size_t groups);

    std::shared_ptr<server_context> ctx_;
    asio::io_context::executor_type executor_;  // the dashboards' context: one thread, no strand needed
    asio::steady_timer timer_;
    std::atomic<bool> woken_{false};  // a wake-up is posted and not yet seen
    broadcast_schedule schedule_;
    std::chrono::steady_clock::time_point last_stall_check_{};
    std::chrono::steady_clock::duration recent_send_{};  // what one viewer's part of a broadcast took lately (moving average)
};

}  // namespace admit::net
