// door_server on 127.0.0.1 port 0 with real sockets: it serves only the web
// folder's files, greets a page with the current state, pushes what is
// published, and closes a page that stops reading instead of waiting for it.
#include "screen/door_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <thread>

#include <unistd.h>

#include "support/http_get.hpp"

namespace admit::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace std::chrono_literals;
using scanner::door_server;
using scanner::door_server_options;

door_server_options options(std::size_t queue_limit = 64) {
    door_server_options o;
    o.web_root = std::string(ADMIT_SOURCE_DIR) + "/web/door";
    o.queue_limit = queue_limit;
    return o;
}

door_server::greeting_fn hello() {
    return [] { return std::vector<std::string>{R"({"type":"config"})"}; };
}

// Polls a condition until the deadline.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout = 10s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::yield();
    }
    return true;
}

TEST(DoorServer, ServesTheFolderFilesAndNothingElse) {
    door_server server(options(), hello(), [] {});
    const auto index = http_get(server.port(), "/");
    EXPECT_EQ(index.status, 200);
    EXPECT_NE(index.body.find("door.js"), std::string::npos);
    EXPECT_NE(index.headers.find("text/html"), std::string::npos);
    EXPECT_EQ(http_get(server.port(), "/door.js?v=1").status, 200);
    EXPECT_EQ(http_get(server.port(), "/../CMakeLists.txt").status, 404);
    EXPECT_EQ(http_get(server.port(), "//etc/passwd").status, 404);
    EXPECT_EQ(http_get(server.port(), "/nope.html").status, 404);
}

TEST(DoorServer, AMissingWebFolderIsAClearStartError) {
    auto o = options();
    o.web_root = "/nonexistent/door";
    try {
        door_server server(o, hello(), [] {});
        FAIL() << "started without a web folder";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/door"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("--screen-web"), std::string::npos) << e.what();
    }
}

TEST(DoorServer, GreetsAPageThenPushesWhatIsPublished) {
    door_server server(options(), hello(), [] {});
    asio::io_context ioc;
    beast::websocket::stream<asio::ip::tcp::socket> ws(ioc);
    ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), server.port()});
    ws.handshake("127.0.0.1", "/ws");
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), R"({"type":"config"})");
    ASSERT_TRUE(eventually([&] { return server.pages() == 1; }));
    server.publish(R"({"type":"scan","n":1})");
    buffer.clear();
    ws.read(buffer);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), R"({"type":"scan","n":1})");
    EXPECT_TRUE(ws.got_text());
    // A preview frame is binary; events after it are text again.
    server.publish_frame(std::string("ADMF\x01\x00\x01\x00\x7f", 9));
    buffer.clear();
    ws.read(buffer);
    EXPECT_TRUE(ws.got_binary());
    EXPECT_EQ(buffer.size(), 9U);
    server.publish(R"({"type":"status"})");
    buffer.clear();
    ws.read(buffer);
    EXPECT_TRUE(ws.got_text());
}

TEST(DoorServer, APageThatStopsReadingIsClosedNotWaitedFor) {
    door_server server(options(4), hello(), [] {});
    // Connects, upgrades, and never reads another byte.
    const int fd = connect_loopback(server.port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_all(
        fd,
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ));
    ASSERT_TRUE(eventually([&] { return server.pages() == 1; }));
    // Far more than the socket buffers hold: publish() returns at once each time.
    const std::string big(1 << 20, 'x');
    for (int i = 0; i < 64 && server.dropped() == 0; ++i) server.publish(big);
    EXPECT_TRUE(eventually([&] { return server.dropped() == 1 && server.pages() == 0; }))
        << "dropped " << server.dropped() << ", pages " << server.pages();
    ::close(fd);
}

}  // namespace
}  // namespace admit::test
