#pragma once
// Internal to server/net/*.cpp: the Beast and Asio names the sessions share.
// Never include this from a header outside server/net.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

namespace admit::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// The same for a coroutine on an executor of its own type (awaitable<T, Executor>).
template <typename Executor>
constexpr auto tuple_on() {
    return asio::as_tuple(asio::use_awaitable_t<Executor>{});
}

// Normal ends of a connection, not worth an error log.
inline bool is_normal_close(const boost::system::error_code& ec) {
    return ec == websocket::error::closed || ec == asio::error::operation_aborted ||
           ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == beast::error::timeout;
}

}  // namespace admit::net
