#pragma once
// One kiosk's WebSocket connection at /ws/station (internal to server/net).
// A reader coroutine parses StationMessage frames and submits scans to the
// engine; verdicts come back on the connection's strand and a writer
// coroutine sends them, one write in flight, from a bounded queue. When a
// connection has max_inflight scans awaiting verdicts the reader stops
// reading, so a flooding kiosk slows only itself.
// Thread safety: every member runs on the connection's strand.

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "admit/station.pb.h"
#include "engine/engine.hpp"
#include "net/badge_cache.hpp"
#include "net/beast_types.hpp"
#include "net/metrics.hpp"
#include "net/server.hpp"

namespace admit::net {

// What the server can ask of any open connection, whatever its transport.
class closable {
public:
    virtual ~closable() = default;
    // Asks the connection to close with a close frame after what is queued (any thread).
    virtual void request_close() = 0;
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
    server_context(const config::loaded_config& c, engine::engine& e, metrics& m, api& a, live_state& l,
                   server_options o)
        : config(c), engine(e), stats(m), routes(a), live(l), options(std::move(o)), badges(e.badge_key()) {}

    const config::loaded_config& config;
    engine::engine& engine;
    metrics& stats;
    api& routes;
    live_state& live;
    server_options options;
    badge_cache badges;
    session_registry<closable> stations;
    session_registry<live_viewer> viewers;
};

// Stream is beast::tcp_stream (plain) or tls_stream (HTTPS/WSS).
template <typename Stream>
class station_session : public closable, public std::enable_shared_from_this<station_session<Stream>> {
public:
    station_session(Stream stream, std::shared_ptr<server_context> ctx);

    // Accepts the upgrade and serves the connection until it ends.
    asio::awaitable<void> run(http::request<http::string_body> upgrade);
    void request_close() override;

private:
    asio::awaitable<void> read_loop();
    asio::awaitable<void> write_loop();
    void on_frame(const beast::flat_buffer& frame);
    void on_hello(const wire::Hello& hello);
    void on_scans(const google::protobuf::RepeatedPtrField<wire::Scan>& scans, bool batch);
    void on_verdicts(std::vector<engine::scan_outcome> outcomes, std::chrono::steady_clock::time_point received, bool batch);
    void send_error(wire::Error::Code code, const std::string& message, const std::string& scan_id = {});
    void send(const wire::ServerMessage& message);
    void wake_writer();

    websocket::stream<Stream> ws_;
    std::shared_ptr<server_context> ctx_;
    asio::steady_timer wake_;       // the writer sleeps on it; send() cancels it
    asio::steady_timer inflight_;   // the reader sleeps on it while too many scans await verdicts
    std::deque<std::shared_ptr<const std::string>> out_;
    std::string remote_;
    std::string station_id_;        // set after a good hello
    std::size_t awaiting_ = 0;      // scans submitted, verdicts not yet sent
    int protocol_errors_ = 0;
    bool close_requested_ = false;
    bool closed_ = false;
    bool counted_ = false;          // counted in the connected-stations gauge
};

}  // namespace admit::net
