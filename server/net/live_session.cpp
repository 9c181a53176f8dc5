#include "net/live_session.hpp"

#include <spdlog/spdlog.h>

namespace admit::net {

namespace {
constexpr auto broadcast_interval = std::chrono::milliseconds(250);
constexpr auto stall_limit = std::chrono::seconds(30);
}  // namespace

template <typename Stream>
live_session<Stream>::live_session(Stream stream, std::shared_ptr<server_context> ctx)
    : ws_(std::move(stream)), ctx_(std::move(ctx)), wake_(ws_.get_executor(), asio::steady_timer::time_point::max()) {}

template <typename Stream>
asio::awaitable<void> live_session<Stream>::run(http::request<http::string_body> upgrade) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(4096);  // viewers only listen
    ws_.text(true);
    auto [ec] = co_await ws_.async_accept(upgrade, use_tuple);
    if (ec) co_return;
    ctx_->viewers.add(this->shared_from_this());
    pending_ = std::make_shared<const std::string>(ctx_->live.render_json(true));
    asio::co_spawn(ws_.get_executor(), write_loop(), [](std::exception_ptr) {});
    beast::flat_buffer ignored;
    for (;;) {
        ignored.clear();
        auto [rec, n] = co_await ws_.async_read(ignored, use_tuple);
        if (rec) break;
    }
    closed_ = true;
    wake_.cancel();
}

template <typename Stream>
void live_session<Stream>::offer(std::shared_ptr<const std::string> frame) {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), frame = std::move(frame)]() mutable {
        self->pending_ = std::move(frame);  // replaces any older unsent state
        self->wake_.cancel();
    });
}

template <typename Stream>
void live_session<Stream>::request_close() {
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
        self->close_requested_ = true;
        self->wake_.cancel();
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

template <typename Stream>
asio::awaitable<void> live_session<Stream>::write_loop() {
    auto self = this->shared_from_this();
    while (!closed_) {
        if (!pending_) {
            if (close_requested_) {
                auto [ec] = co_await ws_.async_close(websocket::close_code::going_away, use_tuple);
                (void)ec;
                co_return;
            }
            co_await wake_.async_wait(use_tuple);
            continue;
        }
        const auto frame = std::move(pending_);
        pending_.reset();
        write_started_ = std::chrono::steady_clock::now();
        auto [ec, n] = co_await ws_.async_write(asio::buffer(*frame), use_tuple);
        write_started_ = {};
        if (ec) {
            closed_ = true;
            co_return;
        }
    }
}

template class live_session<beast::tcp_stream>;
template class live_session<tls_stream>;

asio::awaitable<void> broadcast_live_state(std::shared_ptr<server_context> ctx) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    std::uint64_t sent_version = 0;
    for (;;) {
        timer.expires_after(broadcast_interval);
        auto [ec] = co_await timer.async_wait(use_tuple);
        if (ec) co_return;
        ctx->live.sample();
        const auto viewers = ctx->viewers.alive();
        for (const auto& v : viewers) v->check_stalled(stall_limit);
        const auto version = ctx->live.version();
        if (version == sent_version || viewers.empty()) continue;
        sent_version = version;
        // Rendered once, shared by every viewer.
        const auto frame = std::make_shared<const std::string>(ctx->live.render_json(false));
        for (const auto& v : viewers) v->offer(frame);
    }
}

}  // namespace admit::net
