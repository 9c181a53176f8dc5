#pragma once
// A minimal HTTP/1.1 GET over a plain TCP socket (Asio, no Beast): enough
// for the kiosk to fetch GET /api/station/rules with its station token.
// Reads until the server closes (Connection: close) and de-chunks the body.
// Thread safety: free function; each call has its own io_context.

#include <chrono>
#include <string>

namespace admit::scanner {

struct http_response {
    int status = 0;  // 0 when there was no answer
    std::string body;
    std::string error;  // why there was no answer
};

http_response http_get(
    const std::string& host,
    unsigned short port,
    const std::string& target,
    const std::string& bearer_token,
    std::chrono::milliseconds timeout
);

}  // namespace admit::scanner
