#include "net/station_client.hpp"

#include <deque>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

namespace admit::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct station_client::impl {
    asio::io_context ioc;
    std::optional<websocket::stream<beast::tcp_stream>> ws;
    beast::flat_buffer buffer;
    bool reading = false;   // an async_read is pending
    std::deque<std::string> received;
    std::string ended;      // why the connection ended

    void start_read() {
        if (reading || !ended.empty() || !ws) return;
        reading = true;
        ws->async_read(buffer, [this](beast::error_code ec, std::size_t) {
            reading = false;
            if (ec) {
                ended = ec == websocket::error::closed
                            ? fmt::format("closed by server ({} {})", ws->reason().code,
                                          std::string(ws->reason().reason.c_str()))
                            : ec.message();
                return;
            }
            received.push_back(beast::buffers_to_string(buffer.data()));
            buffer.clear();
        });
    }
};

station_client::station_client() : impl_(std::make_unique<impl>()) {}
station_client::~station_client() { close(); }

void station_client::connect(const std::string& host, unsigned short port, const std::string& path,
                             std::chrono::milliseconds timeout) {
    impl_->ioc.restart();
    impl_->ws.emplace(impl_->ioc);
    impl_->ended.clear();
    impl_->received.clear();
    impl_->reading = false;
    auto& ws = *impl_->ws;
    tcp::resolver resolver(impl_->ioc);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) throw std::runtime_error(fmt::format("cannot resolve {}: {}", host, ec.message()));
    beast::get_lowest_layer(ws).expires_after(timeout);
    beast::get_lowest_layer(ws).connect(endpoints, ec);
    if (ec) throw std::runtime_error(fmt::format("cannot connect to {}:{}: {}", host, port, ec.message()));
    beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true));
    ws.binary(true);
    ws.read_message_max(16 * 1024 * 1024);
    ws.handshake(fmt::format("{}:{}", host, port), path, ec);
    if (ec) throw std::runtime_error(fmt::format("WebSocket handshake with {}:{}{} failed: {}", host, port, path, ec.message()));
    beast::get_lowest_layer(ws).expires_never();
}

bool station_client::is_open() const { return impl_->ws && impl_->ws->is_open() && impl_->ended.empty(); }

void station_client::close() {
    if (!impl_->ws) return;
    beast::error_code ec;
    if (impl_->ws->is_open() && impl_->ended.empty() && !impl_->reading) impl_->ws->close(websocket::close_code::normal, ec);
    beast::get_lowest_layer(*impl_->ws).socket().close(ec);
    impl_->ioc.restart();
    impl_->ioc.poll();
    impl_->ws.reset();
}

void station_client::send(const wire::StationMessage& message) { send_raw(message.SerializeAsString(), true); }

void station_client::send_raw(std::string_view bytes, bool binary) {
    if (!impl_->ws) throw std::runtime_error("station_client: not connected");
    impl_->ws->binary(binary);
    beast::error_code ec;
    impl_->ws->write(asio::buffer(bytes.data(), bytes.size()), ec);
    impl_->ws->binary(true);
    if (ec) throw std::runtime_error(fmt::format("send failed: {}", ec.message()));
}

std::optional<std::string> station_client::receive_raw(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (impl_->received.empty() && impl_->ended.empty()) {
        impl_->start_read();
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) break;
        impl_->ioc.restart();
        impl_->ioc.run_one_for(left);
    }
    if (impl_->received.empty()) return std::nullopt;
    auto bytes = std::move(impl_->received.front());
    impl_->received.pop_front();
    return bytes;
}

std::optional<wire::ServerMessage> station_client::receive(std::chrono::milliseconds timeout) {
    const auto bytes = receive_raw(timeout);
    if (!bytes) return std::nullopt;
    wire::ServerMessage m;
    if (!m.ParseFromString(*bytes)) throw std::runtime_error("server sent a frame that is not a ServerMessage");
    return m;
}

std::string station_client::close_reason() const { return impl_->ended; }

wire::HelloAck station_client::hello(const std::string& station_id, const std::string& token,
                                     std::chrono::milliseconds timeout) {
    wire::StationMessage m;
    auto* h = m.mutable_hello();
    h->set_protocol_version(1);
    h->set_station_id(station_id);
    h->set_token(token);
    h->set_software_version("admit-station-client/1");
    send(m);
    const auto reply = receive(timeout);
    if (!reply) throw std::runtime_error(fmt::format("no answer to hello ({})", close_reason()));
    if (reply->has_error()) throw std::runtime_error(fmt::format("hello refused: {}", reply->error().message()));
    if (!reply->has_hello_ack()) throw std::runtime_error("unexpected answer to hello");
    return reply->hello_ack();
}

}  // namespace admit::net
