// admit_echo_server: a WebSocket echo server built the way admit-server's
// station sessions are (server/net/station_session.cpp), for the transport
// comparison in BENCHMARKS.md. It mirrors that design; it is not the server:
//   - the listener accepts each socket onto its own strand (make_strand);
//   - a session is a reader coroutine and a writer coroutine (C++20, as_tuple);
//   - one write in flight per connection, from a bounded queue of shared
//     buffers; the writer sleeps on a timer that send() cancels;
//   - the same WebSocket options (timeouts, no_delay, max message size).
// Loopback only: listens on 127.0.0.1. Stops on SIGINT/SIGTERM.
//
//   admit_echo_server [--port N] [--threads N] [--port-file FILE]

#include <csignal>
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
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_queued_frames = 4096;  // as server_options::max_queued_frames

class echo_session : public std::enable_shared_from_this<echo_session> {
public:
    explicit echo_session(tcp::socket socket)
        : ws_(beast::tcp_stream(std::move(socket))), wake_(ws_.get_executor(), asio::steady_timer::time_point::max()) {}

    asio::awaitable<void> run() {
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = std::chrono::seconds(10);
        timeouts.idle_timeout = std::chrono::seconds(20);
        timeouts.keep_alive_pings = true;
        ws_.set_option(timeouts);
        ws_.read_message_max(256 * 1024);
        ws_.binary(true);
        auto [ec] = co_await ws_.async_accept(use_tuple);
        if (ec) co_return;
        asio::co_spawn(ws_.get_executor(), write_loop(), asio::detached);
        beast::flat_buffer frame;
        for (;;) {
            frame.clear();
            auto [rec, n] = co_await ws_.async_read(frame, use_tuple);
            if (rec) break;
            const auto data = frame.data();
            send(std::make_shared<const std::string>(static_cast<const char*>(data.data()), data.size()));
        }
        closed_ = true;
        wake_.cancel();
    }

private:
    void send(std::shared_ptr<const std::string> message) {
        if (closed_) return;
        if (out_.size() >= max_queued_frames) {
            closed_ = true;
            beast::get_lowest_layer(ws_).close();
            return;
        }
        out_.push_back(std::move(message));
        wake_.cancel();
    }

    asio::awaitable<void> write_loop() {
        auto self = shared_from_this();
        for (;;) {
            if (out_.empty()) {
                if (closed_) co_return;
                wake_.expires_at(asio::steady_timer::time_point::max());
                co_await wake_.async_wait(use_tuple);
                continue;
            }
            const auto message = out_.front();
            auto [ec, n] = co_await ws_.async_write(asio::buffer(*message), use_tuple);
            if (ec) {
                closed_ = true;
                co_return;
            }
            out_.pop_front();
        }
    }

    websocket::stream<beast::tcp_stream> ws_;
    asio::steady_timer wake_;
    std::deque<std::shared_ptr<const std::string>> out_;
    bool closed_ = false;
};

asio::awaitable<void> accept_loop(asio::io_context& ioc, tcp::acceptor& acceptor) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) continue;
        socket.set_option(tcp::no_delay(true));
        auto executor = socket.get_executor();
        auto session = std::make_shared<echo_session>(std::move(socket));
        asio::co_spawn(executor, [session]() -> asio::awaitable<void> { co_await session->run(); }, asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    unsigned short port = 0;
    unsigned threads = 1;
    std::string port_file;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        if (key == "--port") port = static_cast<unsigned short>(std::stoul(argv[i + 1]));
        else if (key == "--threads") threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
        else if (key == "--port-file") port_file = argv[i + 1];
        else {
            std::fprintf(stderr, "usage: admit_echo_server [--port N] [--threads N] [--port-file FILE]\n");
            return 2;
        }
    }
    asio::io_context ioc(static_cast<int>(threads));
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    if (!port_file.empty()) std::ofstream(port_file) << acceptor.local_endpoint().port() << '\n';
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
