// admit_echo_server: a WebSocket echo server built the way admit-server's
// station sessions are (server/net/station_session.cpp), for the transport
// comparison in BENCHMARKS.md. It mirrors that design; it is not the server:
//   - each socket runs on its own strand, held by its concrete type
//     (strand<io_context::executor_type>, not any_io_executor) on a plain
//     socket under the WebSocket stream (no beast::tcp_stream layer);
//   - a reader coroutine (C++20, as_tuple) reads frames; every reply goes
//     through send(): written at once when no write is in flight, else queued
//     in a bounded queue and written by the completion of the write before it
//     (one write in flight, in order; over the bound the connection closes);
//   - reply buffers are reused (no allocation per message once warm);
//   - the idle timeout (ping after a silent half, close after a silent whole)
//     is a per-connection watchdog tick instead of Beast's, which re-arms a
//     timer on every read;
//   - the same WebSocket options otherwise (no_delay, binary, max message size,
//     handshake timeout), no permessage-deflate compiled in.
// Loopback only: listens on 127.0.0.1. Stops on SIGINT/SIGTERM.
//
//   admit_echo_server [--port N] [--threads N] [--port-file FILE]

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "echo_options.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using strand_type = asio::strand<asio::io_context::executor_type>;
using socket_type = asio::basic_stream_socket<tcp, strand_type>;
using timer_type = asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                                              strand_type>;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable_t<strand_type>{});
constexpr std::size_t max_queued_frames = 4096;  // as server_options::max_queued_frames
constexpr std::chrono::seconds idle_timeout{20};  // as server_options::ws_idle_timeout

class echo_session : public std::enable_shared_from_this<echo_session> {
public:
    explicit echo_session(socket_type socket) : ws_(std::move(socket)), watchdog_(ws_.get_executor()) {}

    asio::awaitable<void, strand_type> run() {
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = std::chrono::seconds(10);
        timeouts.idle_timeout = websocket::stream_base::none();  // the watchdog's job
        timeouts.keep_alive_pings = false;
        ws_.set_option(timeouts);
        ws_.read_message_max(256 * 1024);
        ws_.binary(true);
        ws_.control_callback([this](websocket::frame_type, beast::string_view) { ++frames_in_; });
        auto [ec] = co_await ws_.async_accept(use_tuple);
        if (ec) co_return;
        asio::co_spawn(ws_.get_executor(), watch_idle(), asio::detached);
        beast::flat_buffer frame;
        for (;;) {
            frame.clear();
            auto [rec, n] = co_await ws_.async_read(frame, use_tuple);
            if (rec) break;
            ++frames_in_;
            const auto data = frame.data();
            std::string reply = take_buffer();
            reply.assign(static_cast<const char*>(data.data()), data.size());
            send(std::move(reply));
        }
        closed_ = true;
        watchdog_.cancel();
    }

private:
    void send(std::string message) {
        if (closed_) return;
        if (out_.size() >= max_queued_frames) {
            closed_ = true;
            beast::get_lowest_layer(ws_).close();
            return;
        }
        out_.push_back(std::move(message));
        if (!writing_) start_write();
    }

    // One write in flight: the next starts when this one completes.
    void start_write() {
        writing_ = true;
        ws_.async_write(asio::buffer(out_.front()),
                        [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_write(ec); });
    }

    void on_write(boost::system::error_code ec) {
        writing_ = false;
        if (ec) {
            closed_ = true;
            out_.clear();
            beast::get_lowest_layer(ws_).close();
            return;
        }
        recycle(std::move(out_.front()));
        out_.pop_front();
        if (!out_.empty()) start_write();
    }

    std::string take_buffer() {
        if (spare_.empty()) return {};
        std::string s = std::move(spare_.back());
        spare_.pop_back();
        return s;
    }

    void recycle(std::string s) {
        if (spare_.size() < 4 && s.capacity() <= 64 * 1024) {
            s.clear();
            spare_.push_back(std::move(s));
        }
    }

    // Every half idle timeout: a ping after one silent half, the end after two.
    asio::awaitable<void, strand_type> watch_idle() {
        auto self = shared_from_this();
        std::uint64_t seen = frames_in_;
        int silent = 0;
        for (;;) {
            watchdog_.expires_after(idle_timeout / 2);
            auto [ec] = co_await watchdog_.async_wait(use_tuple);
            if (ec || closed_) co_return;
            if (frames_in_ != seen) {
                seen = frames_in_;
                silent = 0;
                continue;
            }
            if (++silent == 1) {
                ws_.async_ping({}, [self](boost::system::error_code) {});
                continue;
            }
            beast::get_lowest_layer(ws_).close();
            co_return;
        }
    }

    websocket::stream<socket_type, false> ws_;
    timer_type watchdog_;
    std::deque<std::string> out_;
    std::vector<std::string> spare_;
    std::uint64_t frames_in_ = 0;
    bool writing_ = false;
    bool closed_ = false;
};

asio::awaitable<void> accept_loop(asio::io_context& ioc, tcp::acceptor& acceptor) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) continue;
        socket.set_option(tcp::no_delay(true));
        // As the station session does with the socket the HTTP session hands it: onto a strand, by type.
        const auto strand = asio::make_strand(ioc);
        const auto protocol = socket.local_endpoint().protocol();
        socket_type own(strand, protocol, socket.release());
        auto session = std::make_shared<echo_session>(std::move(own));
        asio::co_spawn(strand, session->run(), [session](std::exception_ptr) {});
    }
}

}  // namespace

int main(int argc, char** argv) {
    const auto options = admit::bench::parse_echo_options(argc, argv, "admit_echo_server", true);
    const unsigned threads = options.threads;
    asio::io_context ioc(static_cast<int>(threads));
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), options.port));
    if (!options.port_file.empty()) std::ofstream(options.port_file) << acceptor.local_endpoint().port() << '\n';
    std::printf("admit_echo_server on ws://127.0.0.1:%u/ (%u thread%s)\n", acceptor.local_endpoint().port(), threads,
                threads == 1 ? "" : "s");
    std::fflush(stdout);
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
    asio::co_spawn(ioc, accept_loop(ioc, acceptor), asio::detached);
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    return 0;
}
