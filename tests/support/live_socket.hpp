#pragma once
// Test support: a WebSocket upgraded by hand over a plain loopback socket:
// /ws/live for admit-load's live_readers (tools/load/live_readers.hpp), which
// read hundreds of dashboards on one thread, and any path for tests that
// send frames byte for byte (a ping flood).

#include <cstddef>
#include <functional>
#include <string>

namespace admit::test {

struct live_socket {
    int fd = -1;                // -1 when the upgrade failed; then `error` says why
    std::string past_response;  // bytes read after the 101 response: the first frame, or part of it
    std::string error;
};

// GET target with the upgrade headers; the socket once the server answered 101.
live_socket open_websocket(unsigned short port, const std::string& target);
live_socket open_live_socket(unsigned short port, const std::string& token);

struct ping_flood_result {
    std::size_t pings_sent = 0;
    std::size_t pongs_received = 0;
    int close_code = -1;   // the server's close frame's code; -1 when none came
    std::string ended;     // how it ended, for failure messages
};

// Sends empty masked pings in chunks of `chunk`, at most max_pings, reading
// (and counting) the server's pongs between chunks, until the server sends a
// close frame or the connection ends; then waits up to the socket's read
// timeout for the close frame. between_chunks runs after each chunk. Closes fd.
ping_flood_result flood_pings(live_socket ws, std::size_t max_pings, std::size_t chunk,
                              const std::function<void()>& between_chunks = {});

}  // namespace admit::test
