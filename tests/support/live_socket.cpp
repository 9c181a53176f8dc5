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
}  // namespace

live_socket open_live_socket(unsigned short port, const std::string& token) {
    const int fd = connect_loopback(port);
    if (fd < 0) return failed(fd, std::string("connect: ") + std::strerror(errno));
    const std::string request = "GET /ws/live?token=" + token +
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

}  // namespace admit::test
