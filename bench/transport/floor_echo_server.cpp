// floor_echo_server: the least a WebSocket echo server can do per message on
// Linux, as a yardstick for the transport comparison (BENCHMARKS.md section
// 5). One thread, one level-triggered epoll set, and per message one recv()
// and one send(): no library, no speculative read, no completion queue, the
// frames parsed and answered in place.
//
// It is not a server to run: it handles just what `admit-load echo` sends
// (the upgrade, then masked binary or text frames, pings and a close) and
// drops a connection on anything else. What it measures is the kernel's
// share: if even this spends more than 2/3 of websocketpp's CPU per message,
// no server making these system calls can meet the 2/3 target here.
//
//   floor_echo_server [--port N] [--port-file FILE]     (127.0.0.1 only; SIGINT/SIGTERM stop it)

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "echo_options.hpp"

namespace {

volatile std::sig_atomic_t stopping = 0;

struct connection {
    int fd = -1;
    bool upgraded = false;
    std::string in;   // bytes not yet parsed
    std::string out;  // replies to one read, sent together
};

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455, 4.2.2).
std::string accept_key(std::string_view key) {
    const std::string joined = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), digest);
    unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
    const int n = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) continue;  // rare for these small replies: wait it out
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// The 101 answer once the request is whole; false to drop the connection.
bool take_upgrade(connection& c) {
    const auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return c.in.size() < 8192;
    const std::string_view request(c.in.data(), end);
    const std::string_view field = "Sec-WebSocket-Key: ";
    const auto at = request.find(field);
    if (at == std::string_view::npos) return false;
    const auto from = at + field.size();
    const auto key = request.substr(from, request.find("\r\n", from) - from);
    const std::string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Accept: " +
                                 accept_key(key) + "\r\n\r\n";
    c.in.erase(0, end + 4);
    c.upgraded = true;
    return send_all(c.fd, response);
}

// Answers every whole frame in c.in into c.out; false to drop the connection.
bool take_frames(connection& c) {
    std::size_t at = 0;
    for (;;) {
        const auto* p = reinterpret_cast<const unsigned char*>(c.in.data() + at);
        const std::size_t have = c.in.size() - at;
        if (have < 2) break;
        if ((p[1] & 0x80) == 0) return false;  // a client's frames are masked
        std::uint64_t length = p[1] & 0x7F;
        std::size_t header = 2;
        if (length == 126) {
            if (have < 4) break;
            length = (std::uint64_t{p[2]} << 8) | p[3];
            header = 4;
        } else if (length == 127) {
            return false;  // the echo client's messages are small
        }
        if (have < header + 4 + length) break;
        const unsigned char* mask = p + header;
        const unsigned char* payload = mask + 4;
        const int opcode = p[0] & 0x0F;
        if (opcode == 0x8) return false;  // close: the client is leaving
        // The reply: FIN, the same opcode (a pong for a ping), unmasked.
        c.out.push_back(static_cast<char>(0x80 | (opcode == 0x9 ? 0xA : opcode)));
        if (length < 126) {
            c.out.push_back(static_cast<char>(length));
        } else {
            c.out.push_back(static_cast<char>(126));
            c.out.push_back(static_cast<char>(length >> 8));
            c.out.push_back(static_cast<char>(length & 0xFF));
        }
        for (std::uint64_t i = 0; i < length; ++i) c.out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
        at += header + 4 + length;
    }
    c.in.erase(0, at);
    if (c.out.empty()) return true;
    const bool sent = send_all(c.fd, c.out);
    c.out.clear();
    return sent;
}

int listen_on(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1024) != 0) {
        std::perror("floor_echo_server: bind/listen");
        std::exit(1);
    }
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    const auto options = admit::bench::parse_echo_options(argc, argv, "floor_echo_server");
    std::signal(SIGINT, [](int) { stopping = 1; });
    std::signal(SIGTERM, [](int) { stopping = 1; });
    const int listener = listen_on(options.port);
    sockaddr_in bound{};
    socklen_t bound_size = sizeof bound;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &bound_size);
    if (!options.port_file.empty()) std::ofstream(options.port_file) << ntohs(bound.sin_port) << '\n';
    std::printf("floor_echo_server on ws://127.0.0.1:%u/\n", ntohs(bound.sin_port));
    std::fflush(stdout);

    const int epoll_fd = ::epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listener, &ev);
    std::unordered_map<int, std::unique_ptr<connection>> connections;
    std::array<epoll_event, 256> events{};
    std::array<char, 65536> buffer{};
    while (stopping == 0) {
        const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), -1);
        for (int i = 0; i < n; ++i) {
            const int fd = events[static_cast<std::size_t>(i)].data.fd;
            if (fd == listener) {
                const int client = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
                if (client < 0) continue;
                const int one = 1;
                ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                epoll_event cev{};
                cev.events = EPOLLIN;
                cev.data.fd = client;
                ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, client, &cev);
                auto added = std::make_unique<connection>();
                added->fd = client;
                connections.emplace(client, std::move(added));
                continue;
            }
            auto& c = *connections.at(fd);
            const auto got = ::recv(fd, buffer.data(), buffer.size(), 0);
            if (got < 0 && errno == EAGAIN) continue;
            bool keep = got > 0;
            if (keep) {
                c.in.append(buffer.data(), static_cast<std::size_t>(got));
                if (!c.upgraded) keep = take_upgrade(c);
                if (keep && c.upgraded) keep = take_frames(c);
            }
            if (!keep) {
                ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
                ::close(fd);
                connections.erase(fd);
            }
        }
    }
    return 0;
}
