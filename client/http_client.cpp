#include "client/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>

namespace admit::client {

std::string host_header(const std::string& host, unsigned short port) {
    if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_body = 8 * 1024 * 1024;

template <typename Stream>
asio::awaitable<void> exchange(Stream& stream, const http::request<http::empty_body>& req, http_fetch_result& out) {
    auto [wec, written] = co_await http::async_write(stream, req, use_tuple);
    if (wec) {
        out.error = fmt::format("request failed: {}", wec.message());
        co_return;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_body);
    auto [rec, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (rec) {
        out.error = fmt::format("no answer: {}", rec.message());
        co_return;
    }
    out.status = static_cast<int>(parser.get().result_int());
    out.body = std::move(parser.get().body());
}

}  // namespace

http_fetch_result http_fetch(
    const std::string& host,
    unsigned short port,
    const std::string& target,
    const std::string& bearer_token,
    std::chrono::milliseconds timeout,
    const tls_options& tls
) {
    return http_send("GET", host, port, target, bearer_token, timeout, tls);
}

http_fetch_result http_send(
    const std::string& method,
    const std::string& host,
    unsigned short port,
    const std::string& target,
    const std::string& bearer_token,
    std::chrono::milliseconds timeout,
    const tls_options& tls
) {
    http_fetch_result out;
    const auto verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        out.error = "unknown HTTP method " + method;
        return out;
    }
    asio::io_context ioc;
    http::request<http::empty_body> req{verb, target, 11};
    req.set(http::field::host, host_header(host, port));
    req.set(http::field::user_agent, "admit-scanner/1");
    req.set(http::field::accept, "application/json");
    if (!bearer_token.empty()) req.set(http::field::authorization, "Bearer " + bearer_token);
    req.keep_alive(false);
    req.prepare_payload();  // Content-Length: 0 on a POST

    std::optional<asio::ssl::context> tls_ctx;
    if (tls.enabled) {
        tls_ctx.emplace(asio::ssl::context::tls_client);
        tls_ctx->set_verify_mode(asio::ssl::verify_peer);
        boost::system::error_code ec;
        if (tls.ca_file.empty()) {
            tls_ctx->set_default_verify_paths(ec);
        } else {
            tls_ctx->load_verify_file(tls.ca_file, ec);
        }
        if (ec) {
            out.error = fmt::format("CA file \"{}\": {}", tls.ca_file, ec.message());
            return out;
        }
    }
    asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
        tcp::resolver resolver(ioc);
        auto [rec, endpoints] = co_await resolver.async_resolve(host, std::to_string(port), use_tuple);
        if (rec) {
            out.error = fmt::format("cannot resolve {}: {}", host, rec.message());
            co_return;
        }
        beast::tcp_stream tcp_layer(ioc);
        auto [cec, ep] = co_await tcp_layer.async_connect(endpoints, use_tuple);
        if (cec) {
            out.error = fmt::format("cannot connect to {}:{}: {}", host, port, cec.message());
            co_return;
        }
        if (!tls_ctx) {
            co_await exchange(tcp_layer, req, out);
            co_return;
        }
        beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_layer), *tls_ctx);
        SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str()));
        stream.set_verify_callback(asio::ssl::host_name_verification(host));
        auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
        if (hec) {
            out.error = fmt::format("TLS handshake with {}:{} failed: {}", host, port, hec.message());
            co_return;
        }
        co_await exchange(stream, req, out);
    }, asio::detached);
    ioc.run_for(timeout);
    if (!ioc.stopped() && out.status == 0 && out.error.empty()) {
        out.error = fmt::format("no complete answer from {}:{} within {} ms", host, port, timeout.count());
    }
    return out;
}

}  // namespace admit::client
