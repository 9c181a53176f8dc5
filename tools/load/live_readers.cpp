#include "load/live_readers.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

namespace admit::load {

namespace {
constexpr std::size_t initial_buffer = 64 * 1024;
constexpr std::uint64_t max_message = 64ULL * 1024 * 1024;  // as admit-load's Beast streams allow
constexpr int stop_check_ms = 20;                           // how soon the thread sees stop()

// A pong for a ping: a client's frame, so masked; with a zero key the payload is unchanged.
void send_pong(int fd, std::string_view payload) {
    std::string frame;
    frame.push_back(static_cast<char>(0x8A));
    frame.push_back(static_cast<char>(0x80 | payload.size()));  // control payloads are at most 125 bytes
    frame.append(4, '\0');
    frame.append(payload);
    // A few bytes on a socket this client never writes to otherwise: they fit.
    (void)::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}
}  // namespace

struct live_readers::connection {
    std::size_t viewer = 0;
    int fd = -1;
    std::vector<char> buffer = std::vector<char>(initial_buffer);
    std::size_t begin = 0, end = 0;  // the unparsed bytes
    std::string message;             // a fragmented message being put together
    bool in_message = false;
    bool open = true;

    // Room for `need` unparsed bytes, or for more after them when need is 0.
    void make_room(std::size_t need) {
        if (begin > 0) {
            std::memmove(buffer.data(), buffer.data() + begin, end - begin);
            end -= begin;
            begin = 0;
        }
        if (buffer.size() < need) buffer.resize(need);
        if (end == buffer.size()) buffer.resize(buffer.size() * 2);
    }
};

live_readers::live_readers() : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

live_readers::~live_readers() {
    stop();
    ::close(epoll_fd_);
}

void live_readers::add(std::size_t viewer, int fd, std::string_view already_read) {
    auto c = std::make_unique<connection>();
    c->viewer = viewer;
    c->fd = fd;
    if (already_read.size() > c->buffer.size()) c->buffer.resize(already_read.size());
    if (!already_read.empty()) std::memcpy(c->buffer.data(), already_read.data(), already_read.size());
    c->end = already_read.size();
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;  // level-triggered: one recv() per wake-up, the rest on the next
    ev.data.u64 = connections_.size();
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        const int e = errno;
        ::close(fd);
        throw std::system_error(e, std::generic_category(), "epoll_ctl");
    }
    connections_.push_back(std::move(c));
}

void live_readers::start(message_handler on_message) {
    on_message_ = std::move(on_message);
    thread_ = std::thread([this] { run(); });
}

void live_readers::stop() {
    stopping_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
    for (auto& c : connections_)
        if (c->fd >= 0) {
            ::close(c->fd);
            c->fd = -1;
        }
}

void live_readers::run() {
    // Frames that came with the handshake's response.
    const auto now = std::chrono::system_clock::now();
    for (auto& c : connections_)
        if (c->end > 0) take_frames(*c, now);
    std::array<epoll_event, 256> events{};
    while (!stopping_.load(std::memory_order_relaxed)) {
        const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), stop_check_ms);
        for (int i = 0; i < n; ++i) {
            auto& c = *connections_[events[static_cast<std::size_t>(i)].data.u64];
            if (c.open) read_ready(c);
        }
    }
}

void live_readers::read_ready(connection& c) {
    if (c.begin == c.end) c.begin = c.end = 0;
    if (c.end == c.buffer.size()) c.make_room(0);
    const auto got = ::recv(c.fd, c.buffer.data() + c.end, c.buffer.size() - c.end, 0);
    if (got > 0) {
        c.end += static_cast<std::size_t>(got);
        take_frames(c, std::chrono::system_clock::now());
    } else if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close(c);
    }
}

// Hands over every whole message in the buffer; false when the connection was closed.
bool live_readers::take_frames(connection& c, std::chrono::system_clock::time_point read_at) {
    for (;;) {
        const auto* p = reinterpret_cast<const unsigned char*>(c.buffer.data() + c.begin);
        const std::size_t have = c.end - c.begin;
        if (have < 2) return true;
        if ((p[0] & 0x70) != 0) return fail(c, "a frame with reserved bits set");
        if ((p[1] & 0x80) != 0) return fail(c, "a masked frame from the server");
        std::uint64_t length = p[1] & 0x7FU;
        std::size_t header = 2;
        if (length == 126) {
            if (have < 4) return true;
            length = (std::uint64_t{p[2]} << 8) | p[3];
            header = 4;
        } else if (length == 127) {
            if (have < 10) return true;
            length = 0;
            for (int i = 2; i < 10; ++i) length = (length << 8) | p[i];
            header = 10;
        }
        if (length > max_message)
            return fail(c, fmt::format("a frame of {} bytes, more than the {} allowed", length, max_message));
        const std::size_t whole = header + static_cast<std::size_t>(length);
        if (have < whole) {
            if (c.buffer.size() - c.begin < whole) c.make_room(whole);
            return true;
        }
        const bool fin = (p[0] & 0x80) != 0;
        const int opcode = p[0] & 0x0F;
        const std::string_view payload(c.buffer.data() + c.begin + header, static_cast<std::size_t>(length));
        c.begin += whole;
        switch (opcode) {
        case 0x1:  // text
        case 0x2:  // binary
            if (c.in_message) return fail(c, "a new message before the last one ended");
            if (fin) {
                on_message_(c.viewer, payload, read_at);
            } else {
                c.message.assign(payload);
                c.in_message = true;
            }
            break;
        case 0x0:  // continuation
            if (!c.in_message) return fail(c, "a continuation frame with no message begun");
            c.message.append(payload);
            if (fin) {
                c.in_message = false;
                on_message_(c.viewer, c.message, read_at);
            }
            break;
        case 0x8:  // close: the server is going; so is this viewer
            close(c);
            return false;
        case 0x9:
            send_pong(c.fd, payload);
            break;
        case 0xA:
            break;
        default:
            return fail(c, fmt::format("a frame with the unknown opcode {}", opcode));
        }
    }
}

// Always false: "return fail(...)" ends take_frames().
bool live_readers::fail(connection& c, std::string why) {
    if (protocol_errors_++ == 0) first_error_ = fmt::format("viewer {}: {}", c.viewer, why);
    close(c);
    return false;
}

void live_readers::close(connection& c) {
    c.open = false;
    {
        std::lock_guard lock(closed_mutex_);
        ++closed_;
    }
    closed_changed_.notify_all();
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
}

bool live_readers::wait_closed(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(closed_mutex_);
    return closed_changed_.wait_for(lock, timeout, [&] { return closed_.load() >= count; });
}

}  // namespace admit::load
