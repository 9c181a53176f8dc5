#pragma once
// The door screen's local server: serves the page's static files (web/door/)
// and a WebSocket (/ws) on 127.0.0.1 that pushes the kiosk's events as JSON
// text frames. It runs on its own thread with its own io_context, so a page
// can never slow the scan loop: publish() only posts the message. Each page
// connection has a bounded queue; a page that falls that far behind is
// closed (it reconnects and gets a fresh greeting), never waited for.
// Files are served from a table of the files found under the web folder at
// start, so no request path can reach outside it.
// Thread safety: publish(), pages() and dropped() may be called from any
// thread; the callbacks run on the server's thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace admit::scanner {

struct door_server_options {
    std::string address = "127.0.0.1";  // loopback: the page is for this kiosk's own browser
    unsigned short port = 0;            // 0: any free port (see door_server::port())
    std::filesystem::path web_root;     // the page's files (index.html, door.js, ...)
    std::size_t queue_limit = 64;       // messages waiting per page before it is dropped
    std::chrono::milliseconds tick_every{1000};
};

class door_server {
public:
    // What a page gets first when it connects: the current state.
    using greeting_fn = std::function<std::vector<std::string>()>;
    // Called every tick_every on the server's thread (status refresh).
    using tick_fn = std::function<void()>;

    // Binds and starts serving; throws std::runtime_error naming the address,
    // port or folder when it cannot (start-up errors).
    door_server(door_server_options options, greeting_fn greeting, tick_fn tick);
    ~door_server();
    door_server(const door_server&) = delete;
    door_server& operator=(const door_server&) = delete;

    unsigned short port() const;
    // Queues one JSON text for every connected page. Never blocks on a page.
    void publish(std::string text);
    // Offers one camera preview frame (binary) to every page. Frames are not
    // queued: a page gets the newest one when its previous write is done.
    void publish_frame(std::string bytes);
    // Pages connected now.
    std::size_t pages() const;
    // Pages closed because they could not keep up.
    std::uint64_t dropped() const;
    void stop();

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace admit::scanner
