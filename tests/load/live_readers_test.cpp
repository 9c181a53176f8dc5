// admit-load's dashboard reader (tools/load/live_readers.hpp): server frames
// written to a real socket in awkward pieces come out as whole messages, pings
// are answered, bad frames close only their own connection; and against the
// real admit-server, /ws/live's first frame is read whole.

#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "load/live_readers.hpp"
#include "support/live_socket.hpp"
#include "support/server_process.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

using namespace std::chrono_literals;

// A server-to-client frame: unmasked, with the shortest length encoding.
std::string frame(int opcode, std::string_view payload, bool fin = true) {
    std::string f;
    f.push_back(static_cast<char>((fin ? 0x80 : 0x00) | opcode));
    const auto n = payload.size();
    if (n < 126) {
        f.push_back(static_cast<char>(n));
    } else if (n <= 0xFFFF) {
        f.push_back(static_cast<char>(126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xFF));
    } else {
        f.push_back(static_cast<char>(127));
        for (int shift = 56; shift >= 0; shift -= 8) f.push_back(static_cast<char>((n >> shift) & 0xFF));
    }
    f.append(payload);
    return f;
}

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        ASSERT_GT(n, 0) << "send: " << std::strerror(errno);
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

// The messages the reader hands over, collected across its thread.
class collected {
public:
    load::live_readers::message_handler handler() {
        return [this](std::size_t viewer, std::string_view text, std::chrono::system_clock::time_point) {
            std::lock_guard lock(mutex_);
            messages_.emplace_back(viewer, std::string(text));
            changed_.notify_all();
        };
    }
    std::vector<std::pair<std::size_t, std::string>> wait_for(std::size_t count) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, 5s, [&] { return messages_.size() >= count; });
        return messages_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::pair<std::size_t, std::string>> messages_;
};

class LiveReaders : public ::testing::Test {
protected:
    // A connected pair: the reader gets one end as viewer `viewer`, the test writes on the other.
    int connect_viewer(std::size_t viewer, std::string_view already_read = {}) {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        readers_.add(viewer, fds[0], already_read);
        servers_.push_back(fds[1]);
        return fds[1];
    }
    ~LiveReaders() override {
        readers_.stop();
        for (int fd : servers_) ::close(fd);
    }

    collected got_;
    load::live_readers readers_;
    std::vector<int> servers_;
};

TEST_F(LiveReaders, FramesSplitAnywhereComeOutWhole) {
    const int server = connect_viewer(7, frame(0x1, "first, sent with the handshake"));
    readers_.start(got_.handler());
    const std::string big(70'000, 'b');  // a 64-bit length, and more than the reader's first buffer
    const std::string medium(300, 'm');  // a 16-bit length
    const auto bytes = frame(0x1, "small") + frame(0x1, medium) + frame(0x2, big) + frame(0x1, "last");
    // One byte, then the rest in pieces of 1,000: headers and payloads cut at every kind of place.
    write_all(server, std::string_view(bytes).substr(0, 1));
    std::this_thread::sleep_for(20ms);
    for (std::size_t at = 1; at < bytes.size(); at += 1000) write_all(server, std::string_view(bytes).substr(at, 1000));

    const auto messages = got_.wait_for(5);
    ASSERT_EQ(messages.size(), 5U);
    EXPECT_EQ(messages[0].second, "first, sent with the handshake");
    EXPECT_EQ(messages[1].second, "small");
    EXPECT_EQ(messages[2].second, medium);
    EXPECT_EQ(messages[3].second, big);
    EXPECT_EQ(messages[4].second, "last");
    for (const auto& [viewer, text] : messages) EXPECT_EQ(viewer, 7U);
}

TEST_F(LiveReaders, FragmentedMessageIsJoinedAndPingGetsAMaskedPong) {
    const int server = connect_viewer(0);
    readers_.start(got_.handler());
    write_all(server, frame(0x1, "hello, ", false) + frame(0x9, "are you there") + frame(0x0, "dash", false) +
                          frame(0x0, "board"));
    const auto messages = got_.wait_for(1);
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_EQ(messages[0].second, "hello, dashboard");

    // The pong: FIN + opcode 10, the mask bit set (a client's frame), the ping's payload.
    std::string pong(2 + 4 + 13, '\0');
    const timeval wait_at_most{5, 0};
    ::setsockopt(server, SOL_SOCKET, SO_RCVTIMEO, &wait_at_most, sizeof wait_at_most);
    std::size_t have = 0;
    while (have < pong.size()) {
        const auto n = ::recv(server, pong.data() + have, pong.size() - have, 0);
        ASSERT_GT(n, 0) << "the pong: " << have << " bytes of " << pong.size();
        have += static_cast<std::size_t>(n);
    }
    EXPECT_EQ(static_cast<unsigned char>(pong[0]), 0x8A);
    EXPECT_EQ(static_cast<unsigned char>(pong[1]), 0x80 | 13);
    EXPECT_EQ(pong.substr(6), "are you there");
}

TEST_F(LiveReaders, BadFrameClosesOnlyItsOwnConnectionAndSaysWhy) {
    const int bad = connect_viewer(1);
    const int good = connect_viewer(2);
    readers_.start(got_.handler());
    std::string masked = frame(0x1, "x");
    masked[1] = static_cast<char>(masked[1] | 0x80);  // servers never mask
    write_all(bad, masked);
    std::this_thread::sleep_for(50ms);
    write_all(good, frame(0x1, "still here"));
    const auto messages = got_.wait_for(1);
    readers_.stop();

    ASSERT_EQ(messages.size(), 1U);
    EXPECT_EQ(messages[0].first, 2U);
    EXPECT_EQ(messages[0].second, "still here");
    EXPECT_EQ(readers_.protocol_errors(), 1U);
    EXPECT_EQ(readers_.first_protocol_error(), "viewer 1: a masked frame from the server");
    EXPECT_EQ(readers_.closed(), 1U);
}

TEST_F(LiveReaders, CloseFrameAndHangUpAreCounted) {
    const int closing = connect_viewer(0);
    const int hanging_up = connect_viewer(1);
    connect_viewer(2);  // stays open
    readers_.start(got_.handler());
    write_all(closing, frame(0x8, std::string("\x03\xe9", 2)));  // 1001, going away
    ::shutdown(hanging_up, SHUT_WR);
    // Wait for the reader to see both, with a deadline (it used to sleep 100 ms and hope).
    EXPECT_TRUE(readers_.wait_closed(2, 5s));
    readers_.stop();
    EXPECT_EQ(readers_.closed(), 2U);
    EXPECT_EQ(readers_.protocol_errors(), 0U);
}

// The whole path against the real server: an upgrade written by hand
// (support/live_socket.hpp), then /ws/live's first frame (the whole state)
// read by the reader.
TEST(LiveReadersOnServer, ReadsTheLiveViewsFirstFrameWhole) {
    server_process server(small_event_toml(), small_roster());
    server.start();
    const auto live = open_live_socket(server.port(), "viewer-token");
    ASSERT_GE(live.fd, 0) << live.error;

    collected got;
    load::live_readers readers;
    readers.add(0, live.fd, live.past_response);
    readers.start(got.handler());
    const auto messages = got.wait_for(1);
    readers.stop();
    ASSERT_GE(messages.size(), 1U);
    const auto state = boost::json::parse(messages[0].second);
    EXPECT_EQ(state.at("type").as_string(), "state");
    EXPECT_EQ(readers.protocol_errors(), 0U);
}

}  // namespace
}  // namespace admit::test
