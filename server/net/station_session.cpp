#include "net/station_session.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "protocol/codec.hpp"

namespace admit::net {

namespace {
constexpr int max_protocol_errors = 5;  // then the connection is closed
// A peer closed for misbehaving gets this long for the close handshake, not
// the handshake timeout: in the closing state Beast drops its pings unanswered,
// but still reads them.
constexpr auto policy_close_grace = std::chrono::seconds(2);

// The TCP socket under either kind of stream.
template <typename Executor>
asio::basic_stream_socket<tcp, Executor>& socket_of(asio::basic_stream_socket<tcp, Executor>& s) {
    return s;
}
inline tcp::socket& socket_of(beast::tcp_stream& s) { return s.socket(); }
}  // namespace

station_transport<beast::tcp_stream>::stream_type station_transport<beast::tcp_stream>::adopt(beast::tcp_stream stream) {
    // The listener accepted the socket onto a strand; keep that strand, by its type.
    const auto executor = stream.socket().get_executor();
    const auto* strand = executor.target<strand_type>();
    if (strand == nullptr) throw std::logic_error("station connection not accepted onto a strand of the io_context");
    return move_socket(std::move(stream), *strand);
}

template <typename Stream>
station_session<Stream>::station_session(Stream stream, std::shared_ptr<server_context> ctx)
    : ws_(station_transport<Stream>::adopt(std::move(stream))),
      ctx_(std::move(ctx)),
      inflight_(ws_.get_executor(), timer_type::time_point::max()),
      watchdog_(ws_.get_executor()),
      deadline_(ws_.get_executor()),
      control_limit_(ctx_->options.control_burst, ctx_->options.control_per_second),
      writer_(ws_, frame_writer_limits{ctx_->options.max_queued_frames, ctx_->options.max_batch}) {
    boost::system::error_code ec;
    const auto ep = socket_of(beast::get_lowest_layer(ws_)).remote_endpoint(ec);
    remote_ = ec ? "?" : fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

template <typename Stream>
asio::awaitable<void> station_session<Stream>::run(http::request<http::string_body> upgrade) {
    // The session's coroutines run on the connection's executor by its own type.
    co_await asio::co_spawn(ws_.get_executor(), serve(std::move(upgrade)), asio::use_awaitable);
}

template <typename Stream>
asio::awaitable<void, typename station_session<Stream>::executor_type> station_session<Stream>::serve(
    http::request<http::string_body> upgrade
) {
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);  // also bounds the close handshake
    // The idle timeout is the watchdog's: Beast's re-arms a timer on every read.
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.read_message_max(ctx_->options.max_frame);
    ws_.binary(true);
    ws_.control_callback([this](websocket::frame_type, beast::string_view) {
        ++frames_in_;
        on_control_frame();
    });
    auto [ec] = co_await ws_.async_accept(upgrade, tuple_on<executor_type>());
    if (ec) {
        spdlog::warn("station connection from {}: WebSocket handshake failed: {}", remote_, ec.message());
        co_return;
    }
    ctx_->stations.add(this->shared_from_this());
    // Kiosks say hello at once; a connection that does not is not a station
    // and must not hold a socket (and a registry slot) for good.
    arm_deadline(ctx_->options.hello_timeout, false);
    asio::co_spawn(ws_.get_executor(), watch_idle(), [self = this->shared_from_this()](std::exception_ptr e) {
        if (e) spdlog::error("station {} idle watchdog ended by an exception", self->remote_);
    });
    co_await read_loop();
    mark_closed();
    watchdog_.cancel();
    if (!deadline_for_close_) deadline_.cancel();
    if (counted_) {
        ctx_->stats.station_disconnected();
        ctx_->live.station_offline(station_id_);
    }
    spdlog::info("station {} ({}) disconnected", station_id_.empty() ? "-" : station_id_, remote_);
}

template <typename Stream>
void station_session<Stream>::tell(const std::string& station_id, std::shared_ptr<const wire::ServerMessage> message) {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), station_id, message = std::move(message)] {
        if (self->station_id_ == station_id && !self->closed_) self->send(*message);
    });
}

template <typename Stream>
void station_session<Stream>::request_close() {
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
        self->close_requested_ = true;
        self->close_when_written();
    });
}

template <typename Stream>
asio::awaitable<void, typename station_session<Stream>::executor_type> station_session<Stream>::read_loop() {
    beast::flat_buffer frame;
    while (!closed_ && !close_requested_) {
        // Backpressure: a kiosk with too many scans awaiting verdicts waits here.
        while (awaiting_ >= ctx_->options.max_inflight && !closed_) {
            reader_waiting_ = true;
            co_await inflight_.async_wait(tuple_on<executor_type>());
            reader_waiting_ = false;
        }
        frame.clear();
        auto [ec, bytes] = co_await ws_.async_read(frame, tuple_on<executor_type>());
        if (ec) {
            if (ec == websocket::error::message_too_big) {
                ctx_->stats.count_protocol_error("too_large");
                spdlog::warn("station {} ({}): frame over {} bytes; connection closed",
                             station_id_, remote_, ctx_->options.max_frame);
            } else if (!is_normal_close(ec)) {
                spdlog::warn("station {} ({}): read failed: {}", station_id_, remote_, ec.message());
            }
            co_return;
        }
        ++frames_in_;
        on_frame(frame);
        if (protocol_errors_ >= max_protocol_errors) {
            spdlog::warn("station {} ({}): {} protocol errors; closing", station_id_, remote_, protocol_errors_);
            close_requested_ = true;
            close_when_written();
        }
    }
}

// Every half idle timeout: a peer silent for one tick gets a ping, one silent
// for two ticks (between one and one and a half idle timeouts) is dropped.
// A reader held back by its own unanswered scans does not count as silence.
template <typename Stream>
asio::awaitable<void, typename station_session<Stream>::executor_type> station_session<Stream>::watch_idle() {
    const auto tick = ctx_->options.ws_idle_timeout / 2;
    std::uint64_t seen = frames_in_;
    int silent_ticks = 0;
    while (!closed_) {  // the reader may have ended before this coroutine first ran
        watchdog_.expires_after(tick);
        auto [ec] = co_await watchdog_.async_wait(tuple_on<executor_type>());
        if (ec || closed_) co_return;
        if (frames_in_ != seen || reader_waiting_) {
            seen = frames_in_;
            silent_ticks = 0;
            continue;
        }
        if (++silent_ticks == 1) {
            if (!pinging_ && !close_started_) {
                pinging_ = true;
                ws_.async_ping({}, [self = this->shared_from_this()](const boost::system::error_code&) {
                    self->pinging_ = false;
                    self->close_when_written();
                });
            }
            continue;
        }
        spdlog::info("station {} ({}): nothing received for {} s; connection closed", station_id_.empty() ? "-" : station_id_,
                     remote_, std::chrono::duration_cast<std::chrono::seconds>(tick * silent_ticks).count());
        mark_closed();
        close_socket();
        co_return;
    }
}

// Beast answers each ping from inside the read, so a ping flood keeps this
// strand writing pongs and slows every connection on its thread. Over the
// limit the connection is closed once, from the strand rather than from
// inside the read operation that called this.
template <typename Stream>
void station_session<Stream>::on_control_frame() {
    if (control_flood_ || control_limit_.allow(std::chrono::steady_clock::now())) return;
    control_flood_ = true;
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
        self->close_for_policy(
            "control_flood", fmt::format("over {:.0f} control frames at once or {:.0f} a second",
                                         self->ctx_->options.control_burst, self->ctx_->options.control_per_second)
        );
    });
}

// One timer for two deadlines, one at a time: the hello deadline, then, once
// a policy close is sent, its grace. Re-arming cancels the wait before.
template <typename Stream>
void station_session<Stream>::arm_deadline(std::chrono::steady_clock::duration after, bool for_close) {
    deadline_for_close_ = for_close;
    deadline_.expires_after(after);
    deadline_.async_wait([self = this->shared_from_this(), for_close](const boost::system::error_code& ec) {
        if (ec) return;  // cancelled: a good hello, the session's end, or re-armed
        if (for_close) {
            self->mark_closed();
            self->close_socket();
        } else if (self->station_id_.empty()) {
            self->close_for_policy(
                "hello_timeout",
                fmt::format("no hello within {} s", self->ctx_->options.hello_timeout.count())
            );
        }
    });
}

// Logged at info: a misbehaving client is the client's problem, and the
// metric counts it for whoever watches.
template <typename Stream>
void station_session<Stream>::close_for_policy(const char* reason, const std::string& message) {
    if (closed_ || close_requested_) return;  // already closing
    spdlog::info("station {} ({}): {}; closing the connection (1008 policy violation)",
                 station_id_.empty() ? "-" : station_id_, remote_, message);
    ctx_->stats.count_policy_close(reason);
    // A close frame's reason holds at most 123 bytes.
    close_why_ = websocket::close_reason(websocket::close_code::policy_error, message.substr(0, 120));
    close_requested_ = true;
    policy_close_ = true;
    close_when_written();
    arm_deadline(policy_close_grace, true);
}

// One write in flight: send() starts it when idle, its completion starts the next.
template <typename Stream>
void station_session<Stream>::write_next() {
    const auto result = writer_.write_next(
        [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) { self->on_write(ec); }
    );
    if (result == frame_writer_queued::overflow) drop_unread_peer();
}

template <typename Stream>
void station_session<Stream>::on_write(const boost::system::error_code& ec) {
    if (!writer_.finish_write(ec)) {
        if (!is_normal_close(ec)) spdlog::warn("station {} ({}): write failed: {}", station_id_, remote_, ec.message());
        mark_closed();
        close_socket();
        return;
    }
    write_next();
    close_when_written();  // only once nothing is left to write
}

// The peer does not read what we send: drop it rather than grow without bound.
template <typename Stream>
void station_session<Stream>::drop_unread_peer() {
    spdlog::warn("station {} ({}): {} unsent frames; closing", station_id_, remote_, ctx_->options.max_queued_frames);
    mark_closed();
    close_socket();
}

// A requested close frame goes after every queued frame, and never beside a
// ping. A policy close does not wait for the queue: under a ping flood the
// pongs would starve the write in flight, and the close with it; Beast sends
// the close frame next and fails the writes after it.
template <typename Stream>
void station_session<Stream>::close_when_written() {
    if (!close_requested_ || close_started_ || pinging_ || !ws_.is_open()) return;
    if (writer_.writing() && !policy_close_) return;
    close_started_ = true;
    ws_.async_close(close_why_, [self = this->shared_from_this()](const boost::system::error_code&) {});
}

// Nothing more is sent on this connection.
template <typename Stream>
void station_session<Stream>::mark_closed() {
    closed_ = true;
    writer_.stop();
}

template <typename Stream>
void station_session<Stream>::close_socket() {
    boost::system::error_code ec;
    socket_of(beast::get_lowest_layer(ws_)).close(ec);
}

template <typename Stream>
void station_session<Stream>::send(const wire::ServerMessage& message) {
    if (closed_) return;
    if (writer_.send(message) == frame_writer_queued::overflow) {
        drop_unread_peer();
        return;
    }
    write_next();
}

template <typename Stream>
void station_session<Stream>::send_error(wire::Error::Code code, const std::string& message, const std::string& scan_id) {
    ctx_->stats.count_protocol_error(wire::Error::Code_Name(code));
    wire::ServerMessage m;
    auto* e = m.mutable_error();
    e->set_code(code);
    e->set_message(message);
    e->set_scan_id(scan_id);
    if (code == wire::Error::STORAGE_UNAVAILABLE) e->set_storage_shared(ctx_->options.storage_shared);
    send(m);
}

template <typename Stream>
void station_session<Stream>::on_frame(const beast::flat_buffer& frame) {
    if (!ws_.got_binary()) {
        ++protocol_errors_;
        send_error(wire::Error::MALFORMED, "text frames are not accepted on /ws/station; send binary protobuf StationMessage frames");
        return;
    }
    wire::StationMessage message;
    const auto data = frame.data();
    if (!message.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
        ++protocol_errors_;
        send_error(wire::Error::MALFORMED, fmt::format("frame of {} bytes is not a valid StationMessage", data.size()));
        return;
    }
    switch (message.body_case()) {
        case wire::StationMessage::kHello:
            on_hello(message.hello());
            return;
        case wire::StationMessage::kScan: {
            google::protobuf::RepeatedPtrField<wire::Scan> one;
            *one.Add() = message.scan();
            on_scans(one, false);
            return;
        }
        case wire::StationMessage::kBatch:
            on_scans(message.batch().scans(), true);
            return;
        case wire::StationMessage::kHeartbeat: {
            if (!station_id_.empty())
                ctx_->live.station_heartbeat(station_id_, message.heartbeat().outbox_backlog(),
                                             message.heartbeat().time_ms());
            wire::ServerMessage reply;
            reply.mutable_heartbeat()->set_time_ms(protocol::time_to_ms(ctx_->engine.now()));
            send(reply);
            return;
        }
        case wire::StationMessage::BODY_NOT_SET:
            ++protocol_errors_;
            send_error(wire::Error::MALFORMED, "empty StationMessage (no hello, scan, batch or heartbeat)");
            return;
    }
}

template <typename Stream>
void station_session<Stream>::on_hello(const wire::Hello& hello) {
    if (hello.protocol_version() == 0) {
        ++protocol_errors_;
        send_error(
            wire::Error::UNSUPPORTED_VERSION,
            fmt::format(
                "hello.protocol_version is missing; this server speaks version {}",
                protocol::protocol_version
            )
        );
        return;
    }
    // A newer kiosk's protocol may mean things this server does not know:
    // refuse it rather than half understand it (station.proto promises this).
    if (hello.protocol_version() > protocol::protocol_version) {
        ++protocol_errors_;
        send_error(
            wire::Error::UNSUPPORTED_VERSION,
            fmt::format(
                "hello.protocol_version {} is not supported: this server speaks version {} "
                "(it accepts 1 to {}); run a kiosk that speaks version {}, or update the server",
                hello.protocol_version(), protocol::protocol_version, protocol::protocol_version,
                protocol::protocol_version
            )
        );
        return;
    }
    // The model in force now: a reload may have added this station.
    const auto event = ctx_->engine.event();
    const auto* station = event->find_station(hello.station_id());
    if (station == nullptr || !ctx_->routes.station_token_ok(station->id, hello.token())) {
        spdlog::warn("station connection from {}: refused hello for station \"{}\": unknown station or wrong token",
                     remote_, hello.station_id().substr(0, 64));
        send_error(wire::Error::BAD_TOKEN,
                   fmt::format("station \"{}\" is unknown or its token is wrong; check the kiosk's station id and token",
                               hello.station_id().substr(0, 64)));
        close_requested_ = true;
        close_when_written();
        return;
    }
    if (!station_id_.empty() && station_id_ != station->id) {
        ++protocol_errors_;
        send_error(wire::Error::BAD_TOKEN, "this connection already belongs to another station");
        return;
    }
    station_id_ = station->id;
    if (!deadline_for_close_) deadline_.cancel();  // the hello deadline is met
    if (!counted_) {
        counted_ = true;
        ctx_->stats.station_connected();
        ctx_->live.station_online(station_id_, hello.outbox_backlog(), 0);
    }
    const auto* hall = event->find_hall(station->hall_id);
    const auto snapshot = ctx_->engine.occupancy();
    wire::ServerMessage reply;
    auto* ack = reply.mutable_hello_ack();
    ack->set_protocol_version(protocol::protocol_version);
    ack->set_station_id(station->id);
    ack->set_hall_id(station->hall_id);
    ack->set_hall_name(hall ? hall->name : "");
    ack->set_role(core::role_text(station->role));
    ack->set_event_id(event->id);
    ack->set_server_time_ms(protocol::time_to_ms(ctx_->engine.now()));
    for (const auto& h : snapshot.halls) {
        if (h.hall_id == station->hall_id) {
            ack->set_inside(h.inside);
            ack->set_capacity(h.capacity);
        }
    }
    ack->set_max_batch(static_cast<std::uint32_t>(ctx_->options.max_batch));
    ack->set_storage_shared(ctx_->options.storage_shared);
    send(reply);
    spdlog::info("station {} ({}) connected: software \"{}\", backlog {}",
                 station_id_, remote_, hello.software_version().substr(0, 64), hello.outbox_backlog());
}

template <typename Stream>
void station_session<Stream>::on_scans(const google::protobuf::RepeatedPtrField<wire::Scan>& scans, bool batch) {
    if (station_id_.empty()) {
        ++protocol_errors_;
        send_error(wire::Error::NOT_AUTHENTICATED, "send hello with the station's id and token before scans");
        return;
    }
    if (static_cast<std::size_t>(scans.size()) > ctx_->options.max_batch) {
        ++protocol_errors_;
        send_error(wire::Error::TOO_LARGE,
                   fmt::format("batch of {} scans is over the limit of {}; send smaller batches", scans.size(),
                               ctx_->options.max_batch));
        return;
    }
    const auto received = std::chrono::steady_clock::now();
    const auto server_time = ctx_->engine.now();
    std::vector<core::scan> decoded;
    decoded.reserve(static_cast<std::size_t>(scans.size()));
    for (const auto& s : scans) {
        auto d = protocol::scan_from_wire(s, station_id_, server_time);
        if (!d.error.empty()) {
            send_error(wire::Error::BAD_SCAN, d.error, s.scan_id().substr(0, 128));
            continue;
        }
        d.scan.checked = ctx_->badges.check(d.scan.payload);
        d.scan.clock_skewed = core::device_clock_skewed(d.scan, ctx_->options.clock_bounds);
        decoded.push_back(std::move(d.scan));
    }
    if (decoded.empty()) return;
    awaiting_ += decoded.size();
    ctx_->engine.submit(
        std::move(decoded),
        [self = this->shared_from_this(), received, batch](std::vector<engine::scan_outcome> outcomes) {
            // On the engine's thread: hop back onto this connection's strand.
            asio::post(self->ws_.get_executor(), [self, outcomes = std::move(outcomes), received, batch]() mutable {
                self->on_verdicts(std::move(outcomes), received, batch);
            });
        }
    );
}

template <typename Stream>
void station_session<Stream>::on_verdicts(
    std::vector<engine::scan_outcome> outcomes,
    std::chrono::steady_clock::time_point received,
    bool batch
) {
    awaiting_ -= std::min(awaiting_, outcomes.size());
    if (reader_waiting_) inflight_.cancel();
    std::size_t not_stored = 0;
    std::string first_failure;
    std::string first_failed_scan;
    for (const auto& o : outcomes) {
        if (o.id_conflict) {
            spdlog::warn("station {} ({}): {}", station_id_, remote_, o.store_error);
            send_error(wire::Error::SCAN_ID_CONFLICT, o.store_error, o.record.scan_id);
            continue;
        }
        if (!o.stored) {
            if (not_stored++ == 0) {
                first_failure = o.store_error;
                first_failed_scan = o.record.scan_id;
            }
            continue;
        }
        protocol::verdict_to_wire(
            protocol::verdict_facts{o.record, o.attendee_name, o.inside, o.capacity, o.replayed},
            hold_verdict(batch)
        );
    }
    write_next();
    if (not_stored > 0) {
        send_error(wire::Error::STORAGE_UNAVAILABLE,
                   fmt::format("{} scan(s) not stored ({}); keep them and send again later", not_stored, first_failure),
                   first_failed_scan);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - received;
    ctx_->stats.observe_ack_latency(took.count());
}

void tell_redecisions(server_context& ctx, const std::vector<engine::scan_outcome>& outcomes) {
    std::vector<std::pair<const core::scan_record*, const engine::scan_outcome*>> records;
    for (const auto& o : outcomes) {
        if (!o.stored || o.replayed) continue;
        for (const auto& re : o.redecided) records.emplace_back(&re, &o);
        // Another server's re-decision, followed from the shared log.
        if (o.foreign && o.record.kind == core::scan_kind::redecision) records.emplace_back(&o.record, &o);
    }
    if (records.empty()) return;
    const auto peers = ctx.stations.alive();
    for (const auto& [re, o] : records) {
        if (re->station_id.empty() || !re->shown) continue;
        const bool same = re->shown->admitted == re->result.admitted && re->shown->why == re->result.why &&
                          re->shown->warning == re->result.warning;
        if (same) continue;  // applied again only for the log's replay: nothing for the door
        auto message = std::make_shared<wire::ServerMessage>();
        auto* r = message->mutable_redecision();
        r->set_scan_id(re->redecides);
        // "redecision:<scan>:<late scan>"; ours also know the late scan's record.
        r->set_because_scan_id(o->foreign ? re->scan_id.substr(re->scan_id.rfind(':') + 1) : o->record.scan_id);
        r->set_conflict(re->conflicts());
        protocol::verdict_to_wire(*re->shown, *r->mutable_shown());
        r->mutable_shown()->set_scan_id(re->redecides);
        protocol::verdict_to_wire(protocol::verdict_facts{*re, o->attendee_name, 0, 0, false}, *r->mutable_verdict());
        r->mutable_verdict()->set_scan_id(re->redecides);
        for (const auto& peer : peers) peer->tell(re->station_id, message);
    }
}

template class station_session<beast::tcp_stream>;
template class station_session<tls_stream>;

}  // namespace admit::net
