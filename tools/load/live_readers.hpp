#pragma once
// admit-load's /ws/live dashboards, read on a thread of their own: one
// epoll set (level-triggered), one recv() per ready socket, the server's
// frames parsed in place. Each message is handed to a callback with the time
// it was read.
//
// Why not Beast here, as everywhere else: on this 2-core machine the load
// client shares the CPU with the server it measures. Reading 100,000 frames a
// second (1,000 viewers, a broadcast every 10 ms) through Beast's read
// operation, a coroutine and Asio's reactor (a speculative recv() that fails
// before each wait) cost the client ~7 us per frame, 0.7 of a core taken from
// the server's fan-out. A browser's reads cost the server nothing; this is
// the nearest a load client on the same machine gets to that. The upgrade
// handshake is still Beast's HTTP (load_run.cpp); only the frames are read here.
//
// Server-to-client frames only: unmasked; text, binary, continuation, ping
// (answered with a pong), pong, close (the socket is then closed).
// Thread safety: add() before start(), from one thread; then the callback
// runs on the reading thread until stop() returns.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace admit::load {

class live_readers {
public:
    // viewer: the index given to add(); text: one whole message, valid only during the call.
    using message_handler =
        std::function<void(std::size_t viewer, std::string_view text, std::chrono::system_clock::time_point read_at)>;

    live_readers();
    ~live_readers();
    live_readers(const live_readers&) = delete;
    live_readers& operator=(const live_readers&) = delete;

    // Takes an upgraded connection's socket (non-blocking from here on) and
    // the bytes already read past the handshake's response.
    void add(std::size_t viewer, int fd, std::string_view already_read);
    void start(message_handler on_message);
    // Ends the thread and closes every socket.
    void stop();
    // Connections the server or a protocol error has closed (any thread: it
    // only grows, so a test can wait for it).
    std::size_t closed() const { return closed_.load(); }
    // Waits until at least `count` connections are closed; false when the timeout passed first.
    bool wait_closed(std::size_t count, std::chrono::milliseconds timeout);
    // Frames the reader could not make sense of (after stop()); the first one's description.
    std::size_t protocol_errors() const { return protocol_errors_; }
    const std::string& first_protocol_error() const { return first_error_; }

private:
    struct connection;
    void run();
    void read_ready(connection& c);
    bool take_frames(connection& c, std::chrono::system_clock::time_point read_at);
    bool fail(connection& c, std::string why);
    void close(connection& c);

    int epoll_fd_ = -1;
    std::vector<std::unique_ptr<connection>> connections_;
    message_handler on_message_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    std::atomic<std::size_t> closed_{0};
    std::mutex closed_mutex_;  // with closed_changed_: wakes wait_closed()
    std::condition_variable closed_changed_;
    std::size_t protocol_errors_ = 0;
    std::string first_error_;
};

}  // namespace admit::load
