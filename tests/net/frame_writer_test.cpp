// The station connection's write machine (net/frame_writer.hpp) on Beast's
// test stream: a real WebSocket client reads what the writer sends, and
// beast::test::fail_count makes the Nth operation of the server's stream fail.
// The io_context is only polled (never run until idle), so a read left
// waiting on a dead stream cannot hang a test.
#include "net/frame_writer.hpp"

#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

namespace admit::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using test_ws = websocket::stream<beast::test::stream>;
using queued = frame_writer_queued;

wire::ServerMessage heartbeat(std::int64_t time_ms) {
    wire::ServerMessage m;
    m.mutable_heartbeat()->set_time_ms(time_ms);
    return m;
}

// A server WebSocket with the writer on it, connected to a client WebSocket
// that reads; on_write does what the station session does.
class writer_harness {
public:
    explicit writer_harness(frame_writer_limits limits, std::optional<std::size_t> fail_at = std::nullopt)
        : fail_(fail_at.value_or(1'000'000)),
          server_(ioc_, fail_),
          client_(ioc_),
          writer_(server_, limits) {
        server_.next_layer().connect(client_.next_layer());
        server_.binary(true);
        bool accepted = false;
        bool shook = false;
        server_.async_accept([&](beast::error_code ec) { accepted = !ec; });
        client_.async_handshake("localhost", "/ws/station", [&](beast::error_code ec) { shook = !ec; });
        poll();
        connected_ = accepted && shook;
    }

    bool connected() const { return connected_; }
    frame_writer<test_ws>& writer() { return writer_; }

    queued send(const wire::ServerMessage& m) {
        const auto result = writer_.send(m);
        if (result != queued::yes) return result;
        return write_next();
    }

    queued write_next() {
        return writer_.write_next([this](const beast::error_code& ec, std::size_t) { on_write(ec); });
    }

    // Runs every handler that is ready, without waiting.
    void poll() {
        while (ioc_.poll() > 0) ioc_.restart();
        ioc_.restart();
    }

    // The frames the client can read now, decoded.
    std::vector<wire::ServerMessage> read_ready() {
        std::vector<wire::ServerMessage> got;
        for (;;) {
            if (!reading_) {
                reading_ = true;
                read_done_ = false;
                buffer_.clear();
                // Members, not locals: a read still waiting when this returns completes later.
                client_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
                    reading_ = false;
                    read_done_ = true;
                    read_failed_ = ec;
                });
            }
            poll();
            if (!read_done_ || read_failed_) return got;
            read_done_ = false;
            wire::ServerMessage m;
            const auto data = buffer_.data();
            EXPECT_TRUE(m.ParseFromArray(data.data(), static_cast<int>(data.size())));
            got.push_back(std::move(m));
        }
    }

    int failed_writes() const { return failed_writes_; }

private:
    void on_write(const beast::error_code& ec) {
        if (!writer_.finish_write(ec)) {
            ++failed_writes_;
            return;
        }
        write_next();
    }

    asio::io_context ioc_;
    beast::test::fail_count fail_;
    test_ws server_;
    test_ws client_;
    frame_writer<test_ws> writer_;
    beast::flat_buffer buffer_;
    bool connected_ = false;
    bool reading_ = false;
    bool read_done_ = false;
    beast::error_code read_failed_;
    int failed_writes_ = 0;
};

constexpr frame_writer_limits roomy{.max_queued_frames = 64, .max_batch = 100};

TEST(FrameWriter, FramesSentDuringAWriteWaitAndArriveInOrderOneWriteAtATime) {
    writer_harness h(roomy);
    ASSERT_TRUE(h.connected());
    ASSERT_EQ(h.send(heartbeat(1)), queued::yes);
    EXPECT_TRUE(h.writer().writing());
    ASSERT_EQ(h.send(heartbeat(2)), queued::yes);
    ASSERT_EQ(h.send(heartbeat(3)), queued::yes);
    EXPECT_EQ(h.writer().queued_frames(), 3u) << "the first is in flight, two wait behind it";

    const auto got = h.read_ready();
    ASSERT_EQ(got.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)].heartbeat().time_ms(), i + 1);
    EXPECT_FALSE(h.writer().writing());
    EXPECT_EQ(h.writer().queued_frames(), 0u);
}

TEST(FrameWriter, VerdictsHeldDuringAWriteGoOutAfterTheQueueAsOneBatch) {
    writer_harness h(roomy);
    ASSERT_TRUE(h.connected());
    ASSERT_EQ(h.send(heartbeat(1)), queued::yes);  // a write in flight
    h.writer().hold_verdict(false).set_scan_id("A-1");
    h.writer().hold_verdict(false).set_scan_id("A-2");
    ASSERT_EQ(h.write_next(), queued::yes);  // in flight: nothing more starts

    const auto got = h.read_ready();
    ASSERT_EQ(got.size(), 2u) << "the heartbeat, then one VerdictBatch for both verdicts";
    EXPECT_TRUE(got[0].has_heartbeat());
    ASSERT_TRUE(got[1].has_verdicts());
    ASSERT_EQ(got[1].verdicts().verdicts_size(), 2);
    EXPECT_EQ(got[1].verdicts().verdicts(0).scan_id(), "A-1");
    EXPECT_EQ(got[1].verdicts().verdicts(1).scan_id(), "A-2");
}

TEST(FrameWriter, ALoneHeldVerdictGoesOutAsAVerdictAndABatchScanAsABatch) {
    writer_harness h(roomy);
    ASSERT_TRUE(h.connected());
    h.writer().hold_verdict(false).set_scan_id("lone");
    ASSERT_EQ(h.write_next(), queued::yes);
    auto got = h.read_ready();
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(got[0].has_verdict());
    EXPECT_EQ(got[0].verdict().scan_id(), "lone");

    h.writer().hold_verdict(true).set_scan_id("from-a-batch");
    ASSERT_EQ(h.write_next(), queued::yes);
    got = h.read_ready();
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(got[0].has_verdicts()) << "a ScanBatch is answered by a VerdictBatch, even of one";
    EXPECT_EQ(got[0].verdicts().verdicts(0).scan_id(), "from-a-batch");
}

TEST(FrameWriter, HeldVerdictsOverTheBatchLimitGoInSeveralFrames) {
    writer_harness h({.max_queued_frames = 64, .max_batch = 3});
    ASSERT_TRUE(h.connected());
    ASSERT_EQ(h.send(heartbeat(1)), queued::yes);
    for (int i = 0; i < 7; ++i) h.writer().hold_verdict(true).set_scan_id("S-" + std::to_string(i));
    ASSERT_EQ(h.write_next(), queued::yes);

    const auto got = h.read_ready();
    std::vector<std::string> ids;
    for (const auto& m : got) {
        if (!m.has_verdicts()) continue;
        EXPECT_LE(m.verdicts().verdicts_size(), 3);
        for (const auto& v : m.verdicts().verdicts()) ids.push_back(v.scan_id());
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"S-0", "S-1", "S-2", "S-3", "S-4", "S-5", "S-6"}));
}

TEST(FrameWriter, APeerThatDoesNotReadOverflowsTheQueueAndNothingMoreIsQueued) {
    writer_harness h({.max_queued_frames = 2, .max_batch = 100});
    ASSERT_TRUE(h.connected());
    ASSERT_EQ(h.send(heartbeat(1)), queued::yes);
    ASSERT_EQ(h.send(heartbeat(2)), queued::yes);
    EXPECT_EQ(h.send(heartbeat(3)), queued::overflow);
    EXPECT_EQ(h.send(heartbeat(4)), queued::dropped_closed);
    EXPECT_EQ(h.writer().queued_frames(), 1u) << "only the frame in flight is kept, for its write";
}

// Beast's fail-count method: the Nth operation of the server's stream fails,
// for every N that reaches the writes. Whatever fails, what the client got is
// the frames in order up to the failure, the queue is dropped after it, and
// nothing more is queued.
TEST(FrameWriter, AWriteThatFailsAtAnyPointDropsTheRestAndSendsNothingMore) {
    int failures_seen = 0;
    for (std::size_t n = 1; n < 40; ++n) {
        writer_harness h(roomy, n);
        if (!h.connected()) continue;  // failed in the handshake, before the writer
        for (int i = 1; i <= 5; ++i) h.send(heartbeat(i));
        h.writer().hold_verdict(false).set_scan_id("held");
        h.write_next();
        const auto got = h.read_ready();
        for (std::size_t i = 0; i < got.size() && i < 5; ++i)
            EXPECT_EQ(got[i].heartbeat().time_ms(), static_cast<std::int64_t>(i + 1)) << "fail at " << n;
        if (h.failed_writes() == 0) {
            EXPECT_EQ(got.size(), 6u) << "no failure reached the writes at " << n;
            continue;
        }
        ++failures_seen;
        EXPECT_EQ(h.failed_writes(), 1) << "fail at " << n;
        EXPECT_LT(got.size(), 6u);
        EXPECT_EQ(h.writer().queued_frames(), 0u);
        EXPECT_FALSE(h.writer().writing());
        EXPECT_EQ(h.send(heartbeat(99)), queued::dropped_closed);
    }
    EXPECT_GE(failures_seen, 1) << "the fail count never reached a write: the test did not test";
}

}  // namespace
}  // namespace admit::net
