#include "net/live_session.hpp"

#include <algorithm>

#include <boost/asio/dispatch.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace admit::net {

namespace {
// Station changes and occupancy samples are not signalled; the broadcaster looks for them this often.
constexpr auto poll_interval = std::chrono::milliseconds(50);
constexpr auto stall_check_interval = std::chrono::seconds(1);
constexpr auto stall_limit = std::chrono::seconds(30);

// "address:port" of the peer, for the log; "?" once the socket is gone.
template <typename Executor>
std::string peer_of(asio::basic_stream_socket<tcp, Executor>& socket) {
    boost::system::error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    return ec ? "?" : fmt::format("{}:{}", ep.address().to_string(), ep.port());
}
std::string peer_of(beast::tcp_stream& stream) { return peer_of(stream.socket()); }
}  // namespace

template <typename Stream>
live_session<Stream>::live_session(Stream stream, std::shared_ptr<server_context> ctx)
    : ws_(live_transport<Stream>::adopt(std::move(stream), *ctx->dashboards)),
      ctx_(std::move(ctx)),
      control_limit_(ctx_->options.control_burst, ctx_->options.control_per_second) {}

template <typename Stream>
asio::awaitable<void> live_session<Stream>::run(http::request<http::string_body> upgrade) {
    // The session runs on its socket's executor (the dashboards' thread for
    // plain connections, a strand of the network threads for TLS), detached:
    // a coroutine awaiting one on another io_context cannot be torn down
    // safely when the server stops.
    asio::co_spawn(ws_.get_executor(), serve(std::move(upgrade)), [self = this->shared_from_this()](std::exception_ptr e) {
        if (e) spdlog::error("a live view connection ended by an exception");
    });
    co_return;
}

template <typename Stream>
asio::awaitable<void, typename live_session<Stream>::executor_type> live_session<Stream>::serve(
    http::request<http::string_body> upgrade
) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(4096);  // viewers only listen
    ws_.text(true);
    // One frame per state: Beast would otherwise cut it into 4 KiB frames, one send each.
    ws_.auto_fragment(false);
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { on_control_frame(); });
    auto [ec] = co_await ws_.async_accept(upgrade, tuple_on<executor_type>());
    if (ec) co_return;
    ctx_->viewers.add(this->shared_from_this());
    // Registered first, rendered second: every broadcast after this render reaches this viewer.
    auto first = ctx_->live.render_first();
    skip_upto_ = first.after_seq;
    auto frames = std::make_shared<service::live_frames>();
    frames->full = std::make_shared<const std::string>(std::move(first.text));  // seq 0: sent whole
    pending_ = std::move(frames);
    pump();
    beast::flat_buffer ignored;
    for (;;) {
        ignored.clear();
        auto [rec, n] = co_await ws_.async_read(ignored, tuple_on<executor_type>());
        if (rec) break;
    }
    closed_ = true;
}

template <typename Stream>
void live_session<Stream>::offer_frames(std::shared_ptr<const service::live_frames> frames) {
    // From the broadcaster on the dashboards' thread, a plain connection's
    // write starts here and now; a TLS one gets it posted to its strand.
    asio::dispatch(ws_.get_executor(), [self = this->shared_from_this(), frames = std::move(frames)]() mutable {
        self->pending_ = std::move(frames);  // replaces any older unsent state
        self->pump();
    });
}

template <typename Stream>
void live_session<Stream>::offer(std::shared_ptr<const std::string> frame) {
    auto frames = std::make_shared<service::live_frames>();
    frames->full = std::move(frame);  // seq 0: not a broadcast, sent whole
    offer_frames(std::move(frames));
}

template <typename Stream>
void live_session<Stream>::request_close() {
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
        self->close_requested_ = true;
        self->pump();
    });
}

template <typename Stream>
void live_session<Stream>::check_stalled(std::chrono::steady_clock::duration limit) {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), limit] {
        const auto started = self->write_started_;
        if (started != std::chrono::steady_clock::time_point{} && std::chrono::steady_clock::now() - started > limit) {
            spdlog::info("live viewer has not read for {} s; closing it", std::chrono::duration_cast<std::chrono::seconds>(limit).count());
            self->closed_ = true;
            beast::get_lowest_layer(self->ws_).close();
        }
    });
}

// A ping flood here would keep the dashboards' thread writing pongs and delay
// every viewer's broadcast: over the limit the viewer is closed with 1008.
template <typename Stream>
void live_session<Stream>::on_control_frame() {
    if (control_flood_ || control_limit_.allow(std::chrono::steady_clock::now())) return;
    control_flood_ = true;
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
        if (self->closed_ || self->close_requested_) return;
        const auto message = fmt::format("over {:.0f} control frames at once or {:.0f} a second",
                                         self->ctx_->options.control_burst, self->ctx_->options.control_per_second);
        spdlog::info("live viewer {}: {}; closing the connection (1008 policy violation)",
                     peer_of(beast::get_lowest_layer(self->ws_)), message);
        self->ctx_->stats.count_policy_close("control_flood");
        self->close_why_ = websocket::close_reason(websocket::close_code::policy_error, message);
        self->close_requested_ = true;
        if (self->closing_) return;
        // At once, not after the write in flight: the flood's pongs would starve
        // that write, and the close behind it. Beast fails the write after the close.
        self->closing_ = true;
        self->ws_.async_close(self->close_why_, [self](boost::system::error_code) {});
    });
}

template <typename Stream>
void live_session<Stream>::pump() {
    if (writing_ || closed_ || closing_) return;
    while (pending_) {
        auto frames = std::move(pending_);
        pending_.reset();
        if (frames->seq != 0 && frames->seq <= skip_upto_) continue;  // already in the first frame
        // A delta only onto the broadcast it was made from; after a skipped one, the whole state.
        const bool delta = frames->delta && have_ != 0 && frames->base == have_;
        have_ = frames->seq;
        const auto& text = delta ? *frames->delta : *frames->full;
        writing_ = std::move(frames);
        write_started_ = std::chrono::steady_clock::now();
        ws_.async_write(asio::buffer(text), [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
            self->on_written(ec);
        });
        return;
    }
    if (close_requested_) {
        closing_ = true;
        ws_.async_close(close_why_, [self = this->shared_from_this()](boost::system::error_code) {});
    }
}

template <typename Stream>
void live_session<Stream>::on_written(boost::system::error_code ec) {
    writing_.reset();
    write_started_ = {};
    if (ec) {
        closed_ = true;
        return;
    }
    pump();
}

template class live_session<beast::tcp_stream>;
template class live_session<tls_stream>;

live_broadcaster::live_broadcaster(asio::io_context& ioc, std::shared_ptr<server_context> ctx)
    : ctx_(std::move(ctx)), executor_(ioc.get_executor()), timer_(executor_) {}

void live_broadcaster::notify() {
    // One wake-up in flight at most, however many groups commit meanwhile.
    if (woken_.exchange(true)) return;
    asio::post(executor_, [self = shared_from_this()] { self->timer_.cancel(); });
}

asio::awaitable<void> live_broadcaster::run() {
    for (;;) {
        woken_.store(false);  // before reading the version: a later commit wakes the wait below
        const auto now = std::chrono::steady_clock::now();
        auto next = now + poll_interval;
        try {
            ctx_->live.sample();
            // Groups and spacing from the count of viewers: the list (a
            // shared_ptr per viewer) is only taken when it is used.
            const auto counted = ctx_->viewers.count();
            const auto groups = dashboard_groups(counted);
            const auto version = ctx_->live.version();
            const auto spacing = broadcast_spacing(
                ctx_->options.live_interval, recent_send_ * static_cast<std::chrono::steady_clock::rep>(counted)
            );
            const auto due = schedule_.take_due(now, version, groups, spacing);
            const bool stall_check = now - last_stall_check_ >= stall_check_interval;
            if (!due.empty() || stall_check) {
                const auto viewers = ctx_->viewers.alive();
                for (const auto group : due) broadcast(viewers, group, groups);
                if (stall_check) {
                    last_stall_check_ = now;
                    ctx_->stats.set_live_viewers(viewers.size());
                    for (const auto& v : viewers) v->check_stalled(stall_limit);
                }
            }
            next = std::min(next, schedule_.next_due(version, spacing));
        } catch (const std::exception& e) {
            // Dashboards must not freeze for good over one failed render (out of memory).
            spdlog::error("live view broadcast failed: {}; trying again in {} ms", e.what(),
                          std::chrono::duration_cast<std::chrono::milliseconds>(poll_interval).count());
        }
        timer_.expires_at(next);
        auto [ec] = co_await timer_.async_wait(use_tuple);
        if (ec && ec != asio::error::operation_aborted) co_return;
    }
}

void live_broadcaster::broadcast(const std::vector<std::shared_ptr<live_viewer>>& viewers, std::size_t group,
                                 std::size_t groups) {
    const auto started = std::chrono::steady_clock::now();
    std::size_t sent = 0;
    std::shared_ptr<const service::live_frames> frames;
    for (const auto& v : viewers) {
        if (dashboard_group(v.get(), groups) != group) continue;
        // Rendered once (whole and as a delta), shared by the group's viewers.
        if (!frames)
            frames = std::make_shared<const service::live_frames>(
                ctx_->live.render_broadcast(group, groups)
            );
        if (auto* sink = dynamic_cast<live_frame_sink*>(v.get()))
            sink->offer_frames(frames);
        else
            v->offer(frames->full);
        ++sent;
    }
    if (sent == 0) return;
    // Plain viewers' writes were started inline above: this is the server's part of the fan-out.
    const auto took = std::chrono::steady_clock::now() - started;
    recent_send_ = (recent_send_ * 3 + took / static_cast<std::chrono::steady_clock::rep>(sent)) / 4;
    ctx_->stats.observe_broadcast(std::chrono::duration<double>(took).count());
}

}  // namespace admit::net
