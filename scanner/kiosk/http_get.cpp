// One request per connection with a deadline over the whole exchange, so a
// half-dead server cannot hang the link thread.
#include "kiosk/http_get.hpp"

#include <array>
#include <cctype>
#include <cstdlib>
#include <functional>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace admit::scanner {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t max_response = 8 * 1024 * 1024;

std::string dechunk(const std::string& body) {
    std::string out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        const auto eol = body.find("\r\n", pos);
        if (eol == std::string::npos) break;
        const auto size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
        if (size == 0) break;
        out.append(body, eol + 2, size);
        pos = eol + 2 + size + 2;
    }
    return out;
}

}  // namespace

http_response http_get(
    const std::string& host,
    unsigned short port,
    const std::string& target,
    const std::string& bearer_token,
    std::chrono::milliseconds timeout
) {
    http_response out;
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    tcp::socket socket(ioc);
    const std::string request = fmt::format(
        "GET {} HTTP/1.1\r\nHost: {}:{}\r\nAuthorization: Bearer {}\r\nUser-Agent: "
        "admit-scanner/1\r\n"
        "Accept: application/json\r\nConnection: close\r\n\r\n",
        target, host, port, bearer_token
    );
    std::string response;
    std::array<char, 16384> chunk{};
    boost::system::error_code failure;

    std::function<void()> read_more = [&] {
        socket.async_read_some(
            asio::buffer(chunk),
            [&](boost::system::error_code ec, std::size_t n) {
                response.append(chunk.data(), n);
                if (ec || response.size() > max_response) {
                    if (ec != asio::error::eof) failure = ec;
                    return;
                }
                read_more();
            }
        );
    };
    resolver.async_resolve(host, std::to_string(port), [&](auto ec, tcp::resolver::results_type r) {
        if (ec) {
            failure = ec;
            return;
        }
        asio::async_connect(socket, r, [&](auto ec2, const tcp::endpoint&) {
            if (ec2) {
                failure = ec2;
                return;
            }
            asio::async_write(socket, asio::buffer(request), [&](auto ec3, std::size_t) {
                if (ec3) {
                    failure = ec3;
                    return;
                }
                read_more();
            });
        });
    });
    ioc.run_for(timeout);
    if (!ioc.stopped()) {
        out.error =
            fmt::format("no complete answer from {}:{} within {} ms", host, port, timeout.count());
        return out;
    }
    const auto header_end = response.find("\r\n\r\n");
    if (header_end == std::string::npos || response.compare(0, 5, "HTTP/") != 0) {
        out.error = failure ? failure.message() : "the answer is not HTTP";
        return out;
    }
    const auto space = response.find(' ');
    out.status = std::atoi(response.c_str() + space + 1);
    std::string headers = response.substr(0, header_end);
    for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.body = response.substr(header_end + 4);
    if (headers.find("transfer-encoding: chunked") != std::string::npos) {
        try {
            out.body = dechunk(out.body);
        } catch (const std::exception&) {
            out.error = "bad chunked body";
            out.status = 0;
        }
    }
    return out;
}

}  // namespace admit::scanner
