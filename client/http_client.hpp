#pragma once
// One HTTP(S) GET (or a POST without body) with a deadline over the whole exchange, so a half-dead
// server cannot hang the caller: the kiosk fetches its rules with it.
// No Beast types in this header.
// Thread safety: free function; each call has its own io_context.

#include <chrono>
#include <string>

#include "client/station_client.hpp"

namespace admit::client {

struct http_fetch_result {
    int status = 0;     // 0 when there was no answer
    std::string body;
    std::string error;  // why there was no answer
};

// The Host header (and WebSocket handshake host) for host:port; an IPv6
// literal goes in brackets ("[::1]:8080"), as RFC 7230 wants.
std::string host_header(const std::string& host, unsigned short port);

// The same with another method and no body (POST /api/reload for `admit reload`).
http_fetch_result http_send(
    const std::string& method,
    const std::string& host,
    unsigned short port,
    const std::string& target,
    const std::string& bearer_token,
    std::chrono::milliseconds timeout,
    const tls_options& tls = {}
);

http_fetch_result http_fetch(
    const std::string& host,
    unsigned short port,
    const std::string& target,
    const std::string& bearer_token,
    std::chrono::milliseconds timeout,
    const tls_options& tls = {}
);

}  // namespace admit::client
