#include "support/live_socket.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "support/http_get.hpp"

namespace admit::test {

namespace {
live_socket failed(int fd, std::string why) {
    if (fd >= 0) ::close(fd);
    return {-1, {}, std::move(why)};
}

// Drops the whole server frames at the front of `bytes`, counting the pongs;
// the code of a close frame among them, or -1. A partial frame stays for the next read.
int take_frames(std::string& bytes, std::size_t& pongs) {
    while (bytes.size() >= 2) {
        const auto opcode = static_cast<unsigned char>(bytes[0]) & 0x0f;
        std::size_t length = static_cast<unsigned char>(bytes[1]) & 0x7f;
        std::size_t header = 2;
        if (length == 126) {
            if (bytes.size() < 4) return -1;
            length = static_cast<std::size_t>(static_cast<unsigned char>(bytes[2])) << 8 |
                     static_cast<unsigned char>(bytes[3]);
            header = 4;
        } else if (length == 127) {
            if (bytes.size() < 10) return -1;
            length = 0;
            for (std::size_t i = 2; i < 10; ++i) length = length << 8 | static_cast<unsigned char>(bytes[i]);
            header = 10;
        }
        if (bytes.size() < header + length) return -1;
        if (opcode == 0xA) ++pongs;
        if (opcode == 0x8) {
            if (length < 2) return 1005;  // a close frame without a code
            return static_cast<unsigned char>(bytes[header]) << 8 | static_cast<unsigned char>(bytes[header + 1]);
        }
        bytes.erase(0, header + length);
    }
    return -1;
}

// What has arrived, without waiting (blocking = false) or up to the read timeout.
// False when the connection ended.
bool read_available(int fd, std::string& into, bool blocking) {
    char buf[65536];
    const auto n = ::recv(fd, buf, sizeof buf, blocking ? 0 : MSG_DONTWAIT);
    if (n > 0) {
        into.append(buf, static_cast<std::size_t>(n));
        return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !blocking;
}
}  // namespace

live_socket open_websocket(unsigned short port, const std::string& target) {
    const int fd = connect_loopback(port);
    if (fd < 0) return failed(fd, std::string("connect: ") + std::strerror(errno));
    const std::string request = "GET " + target +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (!send_all(fd, request)) return failed(fd, "the upgrade request was not sent whole");
    std::string response;
    std::size_t header_end = std::string::npos;
    char chunk[4096];
    while (header_end == std::string::npos) {
        const auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return failed(fd, "no whole response to the upgrade: " + response);
        response.append(chunk, static_cast<std::size_t>(n));
        header_end = response.find("\r\n\r\n");
    }
    if (response.rfind("HTTP/1.1 101", 0) != 0) return failed(fd, "upgrade refused: " + response.substr(0, header_end));
    return {fd, response.substr(header_end + 4), {}};
}

live_socket open_live_socket(unsigned short port, const std::string& token) {
    return open_websocket(port, "/ws/live?token=" + token);
}

ping_flood_result flood_pings(live_socket ws, std::size_t max_pings, std::size_t chunk,
                              const std::function<void()>& between_chunks) {
    ping_flood_result result;
    // An empty ping from a client: FIN + opcode 9, mask bit + length 0, a zero mask.
    static const std::string ping("\x89\x80\0\0\0\0", 6);
    std::string pings;
    for (std::size_t i = 0; i < chunk; ++i) pings += ping;
    std::string in = std::move(ws.past_response);
    bool open = true;
    while (open && result.close_code < 0 && result.pings_sent < max_pings) {
        if (!send_all(ws.fd, pings)) {
            result.ended = std::string("send failed: ") + std::strerror(errno);
            break;
        }
        result.pings_sent += chunk;
        // Pongs are drained as they come, so the server is never held up by this reader.
        for (int reads = 0; reads < 1000 && result.close_code < 0; ++reads) {
            const auto before = in.size();
            if (!read_available(ws.fd, in, false)) {
                open = false;
                result.ended = "the server ended the connection";
                break;
            }
            if (in.size() == before) break;  // nothing more for now
            result.close_code = take_frames(in, result.pongs_received);
        }
        if (between_chunks) between_chunks();
    }
    // The close frame may still be on its way: wait for it, up to the read timeout.
    while (result.close_code < 0 && read_available(ws.fd, in, true))
        result.close_code = take_frames(in, result.pongs_received);
    if (result.ended.empty()) result.ended = result.close_code < 0 ? "no close frame" : "close frame";
    ::close(ws.fd);
    return result;
}

}  // namespace admit::test
