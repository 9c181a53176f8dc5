#pragma once
// One kiosk's WebSocket connection at /ws/station (internal to server/net).
// A reader coroutine parses StationMessage frames and submits scans to the
// engine; verdicts come back on the connection's strand. Every frame out goes
// through send() to the frame_writer (net/frame_writer.hpp): written at once
// when no write is in flight, otherwise queued (bounded) and written, in
// order, by the completion of the write before it; verdicts that come during
// a write are held and sent after the queue as one VerdictBatch. When a connection has
// max_inflight scans awaiting verdicts the reader stops reading, so a flooding
// kiosk slows only itself. A watchdog tick per connection pings a silent peer
// and drops it after the idle timeout. A connection with no good hello by the
// hello deadline, or over its control-frame limit, is closed with 1008
// (policy violation) and given a short grace for the close handshake.
// Note on the house style (a writer coroutine woken by a timer): that design
// cost a timer cancel, a strand hop and a coroutine resume per frame, and
// Beast's own idle timeout re-arms a timer on every read; together with the
// type-erased executor they were the user-space CPU per message that
// BENCHMARKS.md section 5 measured, so the write is started directly and the
// executor is the concrete strand type on plain connections.
// Thread safety: every member runs on the connection's strand.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "admit/station.pb.h"
#include "engine/engine.hpp"
#include "net/badge_cache.hpp"
#include "net/beast_types.hpp"
#include "net/control_frame_limit.hpp"
#include "net/frame_writer.hpp"
#include "net/server.hpp"
#include "service/metrics.hpp"

namespace admit::net {

// What the server can ask of any open connection, whatever its transport.
class closable {
public:
    virtual ~closable() = default;
    // Asks the connection to close with a close frame after what is queued (any thread).
    virtual void request_close() = 0;
};

// A kiosk's connection: it can be told of re-decisions of its own scans.
class station_peer : public closable {
public:
    // Sends `message` if this connection is the station `station_id` (any thread).
    virtual void tell(const std::string& station_id, std::shared_ptr<const wire::ServerMessage> message) = 0;
};

// A dashboard connection: it is offered the newest state.
class live_viewer : public closable {
public:
    virtual void offer(std::shared_ptr<const std::string> frame) = 0;
    virtual void check_stalled(std::chrono::steady_clock::duration limit) = 0;
};

// Weak references to the open sessions of one kind, for shutdown and broadcast.
// Thread safety: safe from any thread.
template <typename Session>
class session_registry {
public:
    void add(const std::shared_ptr<Session>& s) {
        std::lock_guard lock(mutex_);
        std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
        sessions_.push_back(s);
    }
    // How many are registered, counting some that may have ended since (they
    // are dropped at the next add()): cheap, for sizing work, not for a list.
    std::size_t count() {
        std::lock_guard lock(mutex_);
        return sessions_.size();
    }
    std::vector<std::shared_ptr<Session>> alive() {
        std::lock_guard lock(mutex_);
        std::vector<std::shared_ptr<Session>> out;
        for (const auto& w : sessions_)
            if (auto s = w.lock()) out.push_back(std::move(s));
        return out;
    }

private:
    std::mutex mutex_;
    std::vector<std::weak_ptr<Session>> sessions_;
};

// What every connection of one server shares.
struct server_context {
    server_context(
        const config::loaded_config& c,
        engine::engine& e,
        service::metrics& m,
        service::api& a,
        service::live_state& l,
        server_options o
    )
        : config(c),
          engine(e),
          stats(m),
          routes(a),
          live(l),
          options(std::move(o)),
          badges(e.badge_key()) {}

    const config::loaded_config& config;
    engine::engine& engine;
    service::metrics& stats;
    service::api& routes;
    service::live_state& live;
    server_options options;
    badge_cache badges;
    session_registry<station_peer> stations;
    session_registry<live_viewer> viewers;
    // Plain dashboard connections and the broadcaster run here, on one thread
    // of their own at a lower priority, so a broadcast never delays a scan.
    // Exactly one thread runs it: its sessions need no strand.
    asio::io_context* dashboards = nullptr;
    // Requests that must not run on a station thread (api::work_of): each
    // kind on threads of its own, with a bound on those waiting or running.
    struct work_pool {
        asio::io_context* context = nullptr;
        std::atomic<unsigned> queued{0};
        unsigned max_queued = 0;
        const char* name = "";
    };
    work_pool blocking;  // staff actions and histories (nice 10)
    work_pool reports;   // exports and badge PDFs (idle priority)
};

// Tells each station connected here of the re-decisions of its scans among
// `outcomes` (made by a late scan here, or followed from another server), as
// a Redecision message. Any thread (the engine's observer calls it).
void tell_redecisions(server_context& ctx, const std::vector<engine::scan_outcome>& outcomes);

// Moves a plain connection's socket onto another executor (a strand, or
// another io_context). On failure the result is a closed socket, and the
// session ends at its handshake.
template <typename Executor>
asio::basic_stream_socket<tcp, Executor> move_socket(beast::tcp_stream stream, const Executor& executor) {
    tcp::socket socket = stream.release_socket();
    asio::basic_stream_socket<tcp, Executor> out(executor);
    boost::system::error_code ec;
    const auto protocol = socket.local_endpoint(ec).protocol();
    const auto handle = socket.release(ec);
    if (!ec) out.assign(protocol, handle, ec);
    return out;
}

// The stream a station session runs on. A plain connection's socket is moved
// onto its strand by concrete type, without the beast::tcp_stream layer (the
// WebSocket stream has its own timeouts), so no operation goes through
// any_io_executor; TLS connections keep their stream.
template <typename Stream>
struct station_transport {
    using stream_type = Stream;
    static Stream adopt(Stream stream) { return stream; }
};

template <>
struct station_transport<beast::tcp_stream> {
    using strand_type = asio::strand<asio::io_context::executor_type>;
    using stream_type = asio::basic_stream_socket<tcp, strand_type>;
    static stream_type adopt(beast::tcp_stream stream);
};

// Stream is beast::tcp_stream (plain) or tls_stream (HTTPS/WSS), as the HTTP session hands it over.
template <typename Stream>
class station_session : public station_peer, public std::enable_shared_from_this<station_session<Stream>> {
public:
    station_session(Stream stream, std::shared_ptr<server_context> ctx);

    // Accepts the upgrade and serves the connection until it ends.
    asio::awaitable<void> run(http::request<http::string_body> upgrade);
    void request_close() override;
    void tell(const std::string& station_id, std::shared_ptr<const wire::ServerMessage> message) override;

private:
    using stream_type = typename station_transport<Stream>::stream_type;
    using executor_type = typename stream_type::executor_type;
    using timer_type = asio::basic_waitable_timer<std::chrono::steady_clock,
                                                  asio::wait_traits<std::chrono::steady_clock>, executor_type>;

    asio::awaitable<void, executor_type> serve(http::request<http::string_body> upgrade);
    asio::awaitable<void, executor_type> read_loop();
    asio::awaitable<void, executor_type> watch_idle();
    void on_control_frame();
    void arm_deadline(std::chrono::steady_clock::duration after, bool for_close);
    void close_for_policy(const char* reason, const std::string& message);
    void on_frame(const beast::flat_buffer& frame);
    void on_hello(const wire::Hello& hello);
    void on_scans(const google::protobuf::RepeatedPtrField<wire::Scan>& scans, bool batch);
    void on_verdicts(std::vector<engine::scan_outcome> outcomes, std::chrono::steady_clock::time_point received, bool batch);
    void send_error(wire::Error::Code code, const std::string& message, const std::string& scan_id = {});
    void send(const wire::ServerMessage& message);
    void enqueue(const wire::ServerMessage& message);
    wire::Verdict& hold_verdict(bool for_batch) { return writer_.hold_verdict(for_batch); }
    void write_next();
    void on_write(const boost::system::error_code& ec);
    void drop_unread_peer();
    void close_when_written();
    void mark_closed();
    void close_socket();

    websocket::stream<stream_type, false> ws_;  // permessage-deflate is never offered
    std::shared_ptr<server_context> ctx_;
    timer_type inflight_;   // the reader sleeps on it while too many scans await verdicts
    timer_type watchdog_;   // ticks every half idle timeout
    timer_type deadline_;   // the hello deadline, then the grace of a policy close
    control_frame_limit control_limit_;
    frame_writer<websocket::stream<stream_type, false>> writer_;  // one write in flight, the queue, held verdicts
    std::string remote_;
    std::string station_id_;        // set after a good hello
    std::size_t awaiting_ = 0;      // scans submitted, verdicts not yet sent
    std::uint64_t frames_in_ = 0;   // frames received (data and control), for the watchdog
    int protocol_errors_ = 0;
    bool pinging_ = false;          // a keep-alive ping is in flight
    bool reader_waiting_ = false;   // the reader sleeps on inflight_
    bool close_requested_ = false;
    bool close_started_ = false;
    bool closed_ = false;           // nothing more is sent
    bool counted_ = false;          // counted in the connected-stations gauge
    bool deadline_for_close_ = false;  // deadline_ is a policy close's grace, not the hello deadline
    bool control_flood_ = false;    // over the control-frame limit: its close is posted
    bool policy_close_ = false;     // closing for misbehaving: the close frame does not wait for the queue
    websocket::close_reason close_why_{websocket::close_code::going_away};  // sent in our close frame
};

}  // namespace admit::net
