#include "support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <stdexcept>

namespace admit::test {

namespace {

sockaddr_in loopback(unsigned short port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

bool write_all(int fd, const char* data, std::size_t size) {
    std::size_t sent = 0;
    while (sent < size) {
        const ssize_t w = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
        if (w <= 0) return false;
        sent += static_cast<std::size_t>(w);
    }
    return true;
}

void pause_ms(std::int64_t ms) {
    struct timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1'000'000)};
    nanosleep(&ts, nullptr);
}

}  // namespace

fault_proxy::fault_proxy() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    auto a = loopback(0);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 64) != 0)
        throw std::runtime_error("fault_proxy: cannot listen on 127.0.0.1");
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

fault_proxy::~fault_proxy() {
    stop_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    ::close(listener_);
    std::lock_guard lock(mutex_);
    for (auto& t : pipes_) t.join();
}

void fault_proxy::drop_all() {
    drop_before_ = generation_.load() + 1;
}

void fault_proxy::half_open_all() {
    freeze_before_ = generation_.load() + 1;
}

void fault_proxy::accept_loop() {
    while (!stop_) {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        ++accepted_;
        if (refusing_) {
            ::close(client);
            continue;
        }
        const auto born = ++generation_;
        std::lock_guard lock(mutex_);
        pipes_.emplace_back([this, client, born] { pipe_loop(client, born); });
    }
}

void fault_proxy::pipe_loop(int client, std::uint64_t born) {
    const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto a = loopback(target_);
    if (target_ == 0 || ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(server);
        ::close(client);
        return;
    }
    char buf[65536];
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    bool frozen_counted = false;
    while (!stop_) {
        if (born < drop_before_) {
            ++faults_;
            break;
        }
        if (born < freeze_before_) {
            // Half-open: keep both sockets open, forward nothing, read nothing.
            if (!frozen_counted) ++faults_;
            frozen_counted = true;
            pause_ms(20);
            continue;
        }
        if (::poll(fds, 2, 20) <= 0) continue;
        bool done = false;
        for (int i = 0; i < 2 && !done; ++i) {
            if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                done = true;
                break;
            }
            auto size = static_cast<std::size_t>(n);
            if (const auto delay = delay_ms_.load(); delay > 0) pause_ms(delay);
            if (cut_next_.exchange(false)) {
                // Forward the first part of what came, then end both sides: the
                // receiver sees a frame that stops in the middle.
                write_all(fds[1 - i].fd, buf, size > 1 ? size / 2 : size);
                ++faults_;
                done = true;
                break;
            }
            if (!write_all(fds[1 - i].fd, buf, size)) done = true;
        }
        if (done) break;
    }
    ::close(server);
    ::close(client);
}

}  // namespace admit::test
