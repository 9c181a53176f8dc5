#pragma once
// The write side of a station connection (internal to server/net): frames go
// out one write at a time, in order. send() starts a write when none is in
// flight, otherwise the frame waits in a bounded queue and the completion of
// the write before it starts the next, so there is no wake-up hop. Verdicts
// decided during a write are held and go out after the queue as one
// VerdictBatch (one frame for a station's verdicts of one group commit).
//
// The writer owns no lifetime and no socket: the session passes the
// completion handler of each write (holding its shared_ptr) and decides what a
// failed write or a full queue means (it closes the connection). That keeps
// the machine testable on beast::test::stream (tests/net/frame_writer_test.cpp).
// Thread safety: every member runs on the connection's strand.

#include <cstddef>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include "admit/station.pb.h"

namespace admit::net {

struct frame_writer_limits {
    std::size_t max_queued_frames = 0;  // unsent frames allowed; over it the connection is dropped
    std::size_t max_batch = 0;          // held verdicts per VerdictBatch
};

// What became of a frame handed to the writer.
enum class frame_writer_queued {
    yes,             // queued (or written)
    dropped_closed,  // the writer was stopped: nothing more is sent
    overflow,        // the queue was full: the peer does not read; the writer stopped
};

template <typename WebSocket>
class frame_writer {
public:
    using queued = frame_writer_queued;

    frame_writer(WebSocket& ws, frame_writer_limits limits) : ws_(ws), limits_(limits) {}

    // Queues one frame; it goes after the held verdicts, which were decided
    // first. overflow: the peer does not read what we send; the caller closes.
    queued send(const wire::ServerMessage& message) {
        if (flush_held() == queued::overflow) return queued::overflow;
        return enqueue(message);
    }

    // A verdict to send after the frames queued before it (see the header note).
    // Fills at most max_batch; a full batch is queued first.
    wire::Verdict& hold_verdict(bool for_batch) {
        if (held_verdicts() == limits_.max_batch) overflowed_ |= flush_held() == queued::overflow;
        held_for_batch_ = held_for_batch_ || for_batch;
        return *held_.mutable_verdicts()->add_verdicts();
    }

    // When no write is in flight: starts the next queued frame, or else the
    // held verdicts. on_done(error_code) must call finish_write(). Returns
    // overflow when queuing the held verdicts overflowed.
    template <typename Handler>
    queued write_next(Handler&& on_done) {
        if (writing_ || stopped_) return queued::yes;
        const auto flushed = out_.empty() ? flush_held() : queued::yes;
        if (overflowed_) {
            overflowed_ = false;
            return queued::overflow;
        }
        if (flushed == queued::overflow) return flushed;
        if (out_.empty()) return queued::yes;
        writing_ = true;
        ws_.async_write(boost::asio::buffer(out_.front()), std::forward<Handler>(on_done));
        return queued::yes;
    }

    // A write completed. On failure nothing more is sent and the queue is
    // dropped; returns false then.
    bool finish_write(const boost::system::error_code& ec) {
        writing_ = false;
        if (ec) {
            stop();
            return false;
        }
        if (stopped_) {
            out_.clear();  // stopped during the write: the rest is not sent
            return true;
        }
        recycle(std::move(out_.front()));
        out_.pop_front();
        return true;
    }

    // Nothing more is queued or sent (the connection is closing for good).
    void stop() {
        stopped_ = true;
        // A write in flight still reads out_.front(): keep it until it completes.
        out_.erase(writing_ && !out_.empty() ? out_.begin() + 1 : out_.begin(), out_.end());
        held_.Clear();
    }

    bool writing() const { return writing_; }
    std::size_t queued_frames() const { return out_.size(); }
    std::size_t held_verdicts() const { return static_cast<std::size_t>(held_.verdicts().verdicts_size()); }

private:
    static constexpr std::size_t max_spare_buffers = 4;
    static constexpr std::size_t max_spare_capacity = 64 * 1024;  // larger frames' buffers are not kept
    static constexpr std::size_t max_kept_verdicts = 16;  // held verdicts' objects kept for reuse after a flush

    queued enqueue(const wire::ServerMessage& message) {
        if (stopped_) return queued::dropped_closed;
        if (out_.size() >= limits_.max_queued_frames) {
            stop();
            return queued::overflow;
        }
        std::string bytes = take_buffer();
        message.SerializeToString(&bytes);
        out_.push_back(std::move(bytes));
        return queued::yes;
    }

    queued flush_held() {
        const auto held = held_verdicts();
        if (held == 0) return queued::yes;
        queued result;
        if (held == 1 && !held_for_batch_) {
            // A lone scan's lone verdict goes out as a Verdict, as when nothing was held.
            wire::ServerMessage single;
            single.mutable_verdict()->Swap(held_.mutable_verdicts()->mutable_verdicts(0));
            result = enqueue(single);
        } else {
            result = enqueue(held_);
        }
        if (held <= max_kept_verdicts)
            held_.mutable_verdicts()->clear_verdicts();  // keeps the Verdict objects for reuse
        else
            wire::ServerMessage().Swap(&held_);  // a large batch's objects are not kept
        held_for_batch_ = false;
        return result;
    }

    std::string take_buffer() {
        if (spare_.empty()) return {};
        std::string buffer = std::move(spare_.back());
        spare_.pop_back();
        return buffer;
    }

    void recycle(std::string buffer) {
        if (spare_.size() < max_spare_buffers && buffer.capacity() <= max_spare_capacity) {
            buffer.clear();
            spare_.push_back(std::move(buffer));
        }
    }

    WebSocket& ws_;
    frame_writer_limits limits_;
    std::deque<std::string> out_;     // front() is being written while writing_
    std::vector<std::string> spare_;  // written buffers, reused for the next frames
    wire::ServerMessage held_;        // verdicts decided during a write, sent after the queue
    bool held_for_batch_ = false;     // one of them answers a ScanBatch: send a VerdictBatch
    bool writing_ = false;            // a write is in flight (then out_ is not empty)
    bool stopped_ = false;
    bool overflowed_ = false;         // a full batch overflowed the queue in hold_verdict()
};

}  // namespace admit::net
