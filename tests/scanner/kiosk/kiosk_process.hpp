#pragma once
// Test support: the real admit-scanner binary as a child process with --json:
// payload lines go to its stdin, its JSON events are read from its stdout
// on a thread and can be awaited with a deadline.
// Thread safety: the test thread drives it; the reader thread only appends events.

#include <sys/types.h>

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace admit::test {

class kiosk_process {
public:
    explicit kiosk_process(std::vector<std::string> args);
    ~kiosk_process();
    kiosk_process(const kiosk_process&) = delete;
    kiosk_process& operator=(const kiosk_process&) = delete;

    void send_line(const std::string& line);
    void close_stdin();
    void kill_hard();
    int wait_exit(std::chrono::milliseconds timeout);  // exit code, -1 on timeout

    // The first event from index `from` on that matches, waiting up to timeout;
    // null when none came.
    boost::json::object wait_for(
        const std::function<bool(const boost::json::object&)>& match,
        std::chrono::milliseconds timeout,
        std::size_t from = 0
    );
    // The next "scan" event after the ones already taken by next_scan().
    boost::json::object next_scan(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    std::vector<boost::json::object> events() const;
    std::size_t event_count() const;
    std::string transcript() const;  // every line, for failure messages

private:
    void read_loop(int fd);

    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<boost::json::object> events_;
    std::string transcript_;
    std::size_t scans_taken_ = 0;
};

// A run of admit-scanner to its end (a usage error, say), stdin empty.
struct finished_kiosk {
    int exit_code = -1;  // -1 when it did not end within the timeout (then killed)
    std::string out;
    std::string err;
};
finished_kiosk run_kiosk_to_end(std::vector<std::string> args, std::chrono::milliseconds timeout);

}  // namespace admit::test
