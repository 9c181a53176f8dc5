#include "client/station_client.hpp"
#include "client/http_client.hpp"
#include "protocol/version.hpp"

#include <deque>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <openssl/ssl.h>

#include <variant>
#include <fmt/format.h>

namespace admit::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct station_client::impl {
    using plain_ws = websocket::stream<beast::tcp_stream>;
    using tls_ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

    asio::io_context ioc;
    std::optional<asio::ssl::context> tls_ctx;
    std::variant<std::monostate, std::unique_ptr<plain_ws>, std::unique_ptr<tls_ws>> ws;
    beast::flat_buffer buffer;
    bool reading = false;   // an async_read is pending
    std::deque<std::string> received;
    std::string ended;      // why the connection ended

    bool connected() const { return ws.index() != 0; }

    // Calls f with the open WebSocket, whichever transport it uses.
    template <typename F>
    void visit(F&& f) {
        if (auto* plain = std::get_if<std::unique_ptr<plain_ws>>(&ws)) {
            f(**plain);
        } else if (auto* secure = std::get_if<std::unique_ptr<tls_ws>>(&ws)) {
            f(**secure);
        } else {
            throw std::runtime_error("station_client: not connected");
        }
    }

    void start_read() {
        if (reading || !ended.empty() || !connected()) return;
        reading = true;
        visit([this](auto& s) {
            s.async_read(buffer, [this, &s](beast::error_code ec, std::size_t) {
                reading = false;
                if (ec) {
                    ended = ec == websocket::error::closed
                                ? fmt::format("closed by server ({} {})", s.reason().code,
                                              std::string(s.reason().reason.c_str()))
                                : ec.message();
                    return;
                }
                received.push_back(beast::buffers_to_string(buffer.data()));
                buffer.clear();
            });
        });
    }
};

station_client::station_client() : impl_(std::make_unique<impl>()) {}
station_client::~station_client() { close(); }

void station_client::connect(const std::string& host, unsigned short port, const std::string& path,
                             std::chrono::milliseconds timeout, const tls_options& tls) {
    close();
    impl_->ioc.restart();
    impl_->ended.clear();
    impl_->received.clear();
    impl_->reading = false;
    tcp::resolver resolver(impl_->ioc);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) throw std::runtime_error(fmt::format("cannot resolve {}: {}", host, ec.message()));

    auto open = [&](auto& ws) {
        auto& tcp_layer = beast::get_lowest_layer(ws);
        tcp_layer.expires_after(timeout);
        tcp_layer.connect(endpoints, ec);
        if (ec) throw std::runtime_error(fmt::format("cannot connect to {}:{}: {}", host, port, ec.message()));
        tcp_layer.socket().set_option(tcp::no_delay(true));
        if constexpr (std::is_same_v<std::decay_t<decltype(ws)>, impl::tls_ws>) {
            auto& ssl = ws.next_layer();
            // SNI and the name the certificate must carry.
            // SSL_set_tlsext_host_name, without the macro's C cast.
            if (SSL_ctrl(ssl.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                         const_cast<char*>(host.c_str())) != 1)
                throw std::runtime_error("cannot set the TLS server name");
            ssl.set_verify_callback(asio::ssl::host_name_verification(host));
            ssl.handshake(asio::ssl::stream_base::client, ec);
            if (ec) throw std::runtime_error(fmt::format("TLS handshake with {}:{} failed: {}", host, port, ec.message()));
        }
        ws.binary(true);
        ws.read_message_max(16 * 1024 * 1024);
        ws.handshake(host_header(host, port), path, ec);
        if (ec) throw std::runtime_error(fmt::format("WebSocket handshake with {}:{}{} failed: {}", host, port, path, ec.message()));
        tcp_layer.expires_never();
    };
    if (tls.enabled) {
        impl_->tls_ctx.emplace(asio::ssl::context::tls_client);
        auto& ctx = *impl_->tls_ctx;
        ctx.set_verify_mode(asio::ssl::verify_peer);
        if (tls.ca_file.empty()) {
            ctx.set_default_verify_paths();
        } else {
            ctx.load_verify_file(tls.ca_file, ec);
            if (ec) throw std::runtime_error(fmt::format("CA file \"{}\": {}", tls.ca_file, ec.message()));
        }
        auto ws = std::make_unique<impl::tls_ws>(impl_->ioc, ctx);
        open(*ws);
        impl_->ws = std::move(ws);
    } else {
        auto ws = std::make_unique<impl::plain_ws>(impl_->ioc);
        open(*ws);
        impl_->ws = std::move(ws);
    }
}

bool station_client::is_open() const {
    if (!impl_->connected() || !impl_->ended.empty()) return false;
    return std::visit(
        [](const auto& p) {
            if constexpr (std::is_same_v<std::decay_t<decltype(p)>, std::monostate>) {
                return false;
            } else {
                return p->is_open();
            }
        },
        impl_->ws);
}

void station_client::close() {
    if (!impl_->connected()) return;
    impl_->visit([this](auto& ws) {
        beast::error_code ec;
        if (ws.is_open() && impl_->ended.empty() && !impl_->reading) ws.close(websocket::close_code::normal, ec);
        beast::get_lowest_layer(ws).socket().close(ec);
    });
    impl_->ioc.restart();
    impl_->ioc.poll();
    impl_->ws = std::monostate{};
}

void station_client::send(const wire::StationMessage& message) { send_raw(message.SerializeAsString(), true); }

void station_client::send_raw(std::string_view bytes, bool binary) {
    impl_->visit([&](auto& ws) {
        ws.binary(binary);
        beast::error_code ec;
        ws.write(asio::buffer(bytes.data(), bytes.size()), ec);
        ws.binary(true);
        if (ec) throw std::runtime_error(fmt::format("send failed: {}", ec.message()));
    });
}

void station_client::ping() {
    impl_->visit([](auto& ws) {
        beast::error_code ec;
        ws.ping({}, ec);
        if (ec) throw std::runtime_error(fmt::format("ping failed: {}", ec.message()));
    });
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
    h->set_protocol_version(protocol::protocol_version);
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

}  // namespace admit::client
