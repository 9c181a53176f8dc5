#include "net/server.hpp"

#include <cerrno>
#include <cstring>
#include <latch>
#include <thread>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/live_session.hpp"
#include "net/station_session.hpp"

namespace admit::net {

namespace {

// Lowers the calling thread's scheduling priority (nice 10): when the cores are
// busy, the kernel runs the scan threads first. Linux sets nice per thread.
void run_below_normal_priority(const char* name) {
    pthread_setname_np(pthread_self(), name);
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10) != 0)
        spdlog::debug("{} thread: could not lower its priority: {}", name, std::strerror(errno));
}

// The lowest priority (nice 19): when stations and the report want the
// cores at once, the report gets about 1/70 of the server's share. Not
// SCHED_IDLE: that starved exports outright while the machine was busy (a
// report must finish, if slowly, during a rush).
void run_at_lowest_priority(const char* name) {
    pthread_setname_np(pthread_self(), name);
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19) != 0)
        spdlog::debug("{} thread: could not lower its priority: {}", name, std::strerror(errno));
}

void log_escaped_exception(std::exception_ptr e, const char* what) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::error("{} ended by an exception: {}", what, ex.what());
    }
}

template <typename Body>
void set_common_fields(
    http::response<Body>& res,
    const http::request<http::string_body>& req,
    const service::http_reply& reply
) {
    res.set(http::field::server, "admit");
    res.set(http::field::content_type, reply.content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    if (!reply.allow.empty()) res.set(http::field::allow, reply.allow);
    if (!reply.retry_after.empty()) res.set(http::field::retry_after, reply.retry_after);
    res.keep_alive(req.keep_alive());
}

http::response<http::string_body> make_response(
    const http::request<http::string_body>& req, const service::http_reply& reply
) {
    http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
    set_common_fields(res, req, reply);
    if (req.method() != http::verb::head) res.body() = reply.body;
    res.prepare_payload();
    if (req.method() == http::verb::head) res.content_length(reply.body.size());
    return res;
}

// Writes the reply: a file streamed from disk (static files), or the string body.
// False when the connection is to end (a write failed, or no keep-alive).
template <typename Stream>
asio::awaitable<bool> write_reply(
    Stream& stream, const http::request<http::string_body>& req, const service::http_reply& reply
) {
    // An export's private folder goes once the file is sent, whatever happens.
    struct remove_when_done {
        const std::filesystem::path& dir;
        ~remove_when_done() {
            std::error_code ignored;
            if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
        }
    } cleanup{reply.remove_after};
    if (!reply.file.empty()) {
        http::file_body::value_type body;
        boost::system::error_code ec;
        body.open(reply.file.c_str(), beast::file_mode::scan, ec);
        if (!ec && req.method() == http::verb::head) {
            http::response<http::empty_body> res{static_cast<http::status>(reply.status), req.version()};
            set_common_fields(res, req, reply);
            res.content_length(body.size());
            auto [wec, bytes] = co_await http::async_write(stream, res, use_tuple);
            co_return !wec && res.keep_alive();
        }
        if (!ec) {
            http::response<http::file_body> res{static_cast<http::status>(reply.status), req.version()};
            set_common_fields(res, req, reply);
            res.body() = std::move(body);
            res.prepare_payload();
            auto [wec, bytes] = co_await http::async_write(stream, res, use_tuple);
            co_return !wec && res.keep_alive();
        }
        spdlog::warn("static file {}: {}", reply.file.string(), ec.message());
        auto res = make_response(req, service::error_reply(404, "not found"));
        auto [wec, bytes] = co_await http::async_write(stream, res, use_tuple);
        co_return !wec && res.keep_alive();
    }
    auto res = make_response(req, reply);
    auto [wec, bytes] = co_await http::async_write(stream, res, use_tuple);
    co_return !wec && res.keep_alive();
}

// Ends a connection politely: TCP half-close, or the TLS close_notify.
asio::awaitable<void> shut(beast::tcp_stream& stream) {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    co_return;
}

asio::awaitable<void> shut(tls_stream& stream) {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    auto [ec] = co_await stream.async_shutdown(use_tuple);
    (void)ec;  // a peer that just drops the connection is fine
}

template <typename Stream>
asio::awaitable<void> write_plain_error(Stream& stream, http::status status, std::string message) {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(false);
    res.body() = fmt::format("{{\"error\":\"{}\"}}", message);
    res.prepare_payload();
    co_await http::async_write(stream, res, use_tuple);
}

// Runs a request on one of the work pools and resumes on the connection's
// strand with its reply; 503 at once when that pool is full.
asio::awaitable<service::http_reply> handle_on_pool(
    std::shared_ptr<server_context> ctx,
    server_context::work_pool& pool,
    const service::http_request_view& view
) {
    if (pool.queued.fetch_add(1) >= pool.max_queued) {
        pool.queued.fetch_sub(1);
        spdlog::warn("busy: {} {} requests already waiting or running; answered 503 to {} {}", pool.max_queued,
                     pool.name, view.method, service::path_of(view.target));
        co_return service::busy_reply();
    }
    // The task owns copies of what it reads: it runs on another thread.
    auto task = [ctx, &pool, method = std::string(view.method), target = std::string(view.target),
                 auth = std::string(view.authorization), body = std::string(view.body)]() -> asio::awaitable<service::http_reply> {
        struct release {
            server_context::work_pool& p;
            ~release() { p.queued.fetch_sub(1); }
        } done{pool};
        co_return ctx->routes.handle(service::http_request_view{method, target, auth, body});
    };
    co_return co_await asio::co_spawn(*pool.context, std::move(task), asio::use_awaitable);
}

constexpr std::size_t max_http_header = 16 * 1024;

// Beast reports one error, header_limit, for a request line or headers over
// the limit. The parser tells them apart: it takes the request line as soon
// as the line is whole, so with no target yet the line itself was too long
// (414); with one, the header fields were too large (431).
http::status header_limit_status(const http::request_parser<http::string_body>& parser) {
    return parser.get().target().empty() ? http::status::uri_too_long
                                         : http::status::request_header_fields_too_large;
}

// One HTTP connection: requests until the peer closes, or the upgrade to a WebSocket.
template <typename Stream>
asio::awaitable<void> serve_http(Stream stream, std::shared_ptr<server_context> ctx) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(ctx->options.max_http_body);
        parser.header_limit(static_cast<std::uint32_t>(max_http_header));
        beast::get_lowest_layer(stream).expires_after(ctx->options.http_timeout);
        auto [ec, bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (ec == http::error::body_limit) {
            co_await write_plain_error(stream, http::status::payload_too_large,
                                       fmt::format("request body over {} bytes", ctx->options.max_http_body));
            co_return;
        }
        if (ec == http::error::header_limit) {
            const auto status = header_limit_status(parser);
            co_await write_plain_error(stream, status,
                                       fmt::format("{} over {} bytes",
                                                   status == http::status::uri_too_long ? "request line"
                                                                                        : "request headers",
                                                   max_http_header));
            co_return;
        }
        if (ec == http::error::end_of_stream || is_normal_close(ec)) {
            co_await shut(stream);
            co_return;
        }
        if (ec) {
            co_await write_plain_error(stream, http::status::bad_request, "malformed HTTP request");
            co_return;
        }
        auto req = parser.release();
        if (websocket::is_upgrade(req)) {
            beast::get_lowest_layer(stream).expires_never();
            const auto path = service::path_of(req.target());
            if (path == "/ws/station") {
                auto session = std::make_shared<station_session<Stream>>(std::move(stream), ctx);
                co_await session->run(std::move(req));
            } else if (path == "/ws/live") {
                const auto auth = req[http::field::authorization];
                const service::http_request_view view{
                    "GET",
                    std::string_view(req.target().data(), req.target().size()),
                    std::string_view(auth.data(), auth.size()),
                    {}};
                if (ctx->routes.role_of(view) == service::role::none) {
                    co_await write_plain_error(stream, http::status::unauthorized,
                                               "the live view needs a viewer or staff token (?token=...)");
                    co_return;
                }
                auto session = std::make_shared<live_session<Stream>>(std::move(stream), ctx);
                co_await session->run(std::move(req));
            } else {
                co_await write_plain_error(stream, http::status::not_found,
                                           "no WebSocket at this path; stations use /ws/station, dashboards /ws/live");
            }
            co_return;
        }
        const auto auth = req[http::field::authorization];
        const service::http_request_view view{
            std::string_view(req.method_string().data(), req.method_string().size()),
            std::string_view(req.target().data(), req.target().size()),
            std::string_view(auth.data(), auth.size()), req.body()};
        // (An if, not ?: : GCC 12 miscompiles co_await inside a conditional expression.)
        service::http_reply reply;
        const auto work = service::api::work_of(view);
        if (work == service::api::work::blocking) {
            reply = co_await handle_on_pool(ctx, ctx->blocking, view);
        } else if (work == service::api::work::report) {
            reply = co_await handle_on_pool(ctx, ctx->reports, view);
        } else {
            reply = ctx->routes.handle(view);
        }
        // The reply may have waited longer than the read's deadline; a large
        // file gets minutes to be sent, a small reply the usual time.
        beast::get_lowest_layer(stream).expires_after(
            reply.file.empty() ? ctx->options.http_timeout : std::chrono::seconds(600));
        if (!co_await write_reply(stream, req, reply)) {
            co_await shut(stream);
            co_return;
        }
    }
}

// A TLS connection: the handshake (bounded in time), then HTTP as usual.
asio::awaitable<void> serve_tls(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
                                std::shared_ptr<server_context> ctx) {
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    tls_stream stream(std::move(socket), *tls);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
    if (hec) {
        spdlog::warn("TLS handshake with {} failed: {}", ec ? "?" : peer.address().to_string(), hec.message());
        co_return;
    }
    co_await serve_http(std::move(stream), std::move(ctx));
}

std::shared_ptr<asio::ssl::context> make_tls_context(const config::server_settings& s) {
    auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    tls->use_certificate_chain_file(s.tls_cert, ec);
    if (ec) throw std::runtime_error(fmt::format("[server] tls_cert \"{}\": {}", s.tls_cert, ec.message()));
    tls->use_private_key_file(s.tls_key, asio::ssl::context::pem, ec);
    if (ec) throw std::runtime_error(fmt::format("[server] tls_key \"{}\": {}", s.tls_key, ec.message()));
    return tls;
}

}  // namespace

struct server::impl {
    // Declared first so it is destroyed last: handlers still queued on ioc
    // may own dashboard sessions, whose sockets belong to this one.
    asio::io_context dashboards{1};
    std::thread dashboards_thread;
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::shared_ptr<server_context> ctx;
    std::shared_ptr<asio::ssl::context> tls;  // set when the config names a certificate
    std::vector<std::thread> threads;
    unsigned short bound_port = 0;
    bool stopped = false;
    // Declared after ioc so it is destroyed first: a request waiting here owns
    // its connection's coroutine, whose socket belongs to ioc.
    asio::io_context blocking;
    asio::io_context reports;
    std::vector<std::thread> pool_threads;
    std::unique_ptr<std::latch> settled;  // every thread named and prioritised (start())

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), use_tuple);
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
            if (ec) {
                spdlog::warn("accept failed: {}", ec.message());
                continue;
            }
            socket.set_option(tcp::no_delay(true));
            auto executor = socket.get_executor();
            auto on_end = [](std::exception_ptr e) { log_escaped_exception(e, "connection"); };
            if (tls) {
                asio::co_spawn(executor, serve_tls(std::move(socket), tls, ctx), on_end);
            } else {
                asio::co_spawn(executor, serve_http(beast::tcp_stream(std::move(socket)), ctx), on_end);
            }
        }
    }
};

server::server(
    const config::loaded_config& config,
    engine::engine& engine,
    service::metrics& stats,
    service::api& routes,
    service::live_state& live,
    server_options options
)
    : impl_(std::make_unique<impl>()) {
    impl_->ctx = std::make_shared<server_context>(config, engine, stats, routes, live, std::move(options));
    impl_->ctx->dashboards = &impl_->dashboards;
    auto& c = *impl_->ctx;
    c.blocking.context = &impl_->blocking;
    c.blocking.max_queued = c.options.max_blocking_queued;
    c.blocking.name = "staff";
    c.reports.context = &impl_->reports;
    c.reports.max_queued = c.options.max_report_queued;
    c.reports.name = "report";
}

server::~server() { stop(); }

void server::start() {
    auto& opts = impl_->ctx->options;
    const auto& settings = impl_->ctx->config.server;
    if (!settings.tls_cert.empty()) impl_->tls = make_tls_context(settings);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(opts.address, ec);
    if (ec) throw std::runtime_error(fmt::format("listen address \"{}\" is not an IP address", opts.address));
    const tcp::endpoint endpoint{address, opts.port};
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", opts.address, opts.port, ec.message()));
    }
    impl_->bound_port = acceptor.local_endpoint().port();
    asio::co_spawn(impl_->ioc, impl_->accept_loop(), [](std::exception_ptr e) { log_escaped_exception(e, "listener"); });
    auto broadcaster = std::make_shared<live_broadcaster>(impl_->dashboards, impl_->ctx);
    asio::co_spawn(broadcaster->executor(), [broadcaster] { return broadcaster->run(); },
                   [](std::exception_ptr e) { log_escaped_exception(e, "live view broadcaster"); });
    // A committed scan wakes the broadcaster (cleared in stop(), before the io_context ends).
    impl_->ctx->live.set_change_listener([broadcaster] { broadcaster->notify(); });
    const unsigned n = std::max(1u, opts.threads);
    const unsigned staff = std::max(1u, opts.blocking_threads);
    const unsigned reports = std::max(1u, opts.report_threads);
    // start() returns once every thread has its name and priority, so that
    // what top, perf and the tests see from then on is settled.
    // The latch outlives start(): a thread may still be inside count_down().
    impl_->settled = std::make_unique<std::latch>(static_cast<std::ptrdiff_t>(n + staff + reports + 1));
    auto& settled = *impl_->settled;
    for (unsigned i = 0; i < n; ++i) {
        impl_->threads.emplace_back([this, &settled] {
            pthread_setname_np(pthread_self(), "network");  // as top -H and perf show it
            settled.count_down();
            impl_->ioc.run();
        });
    }
    for (unsigned i = 0; i < staff; ++i) {
        impl_->pool_threads.emplace_back([this, &settled] {
            run_below_normal_priority("staff");
            auto work = asio::make_work_guard(impl_->blocking);  // runs until stop()
            settled.count_down();
            impl_->blocking.run();
        });
    }
    for (unsigned i = 0; i < reports; ++i) {
        impl_->pool_threads.emplace_back([this, &settled] {
            run_at_lowest_priority("reports");
            auto work = asio::make_work_guard(impl_->reports);
            settled.count_down();
            impl_->reports.run();
        });
    }
    impl_->dashboards_thread = std::thread([this, &settled] {
        run_below_normal_priority("dashboards");
        auto work = asio::make_work_guard(impl_->dashboards);  // runs until stop()
        settled.count_down();
        impl_->dashboards.run();
    });
    settled.wait();
}

unsigned short server::port() const { return impl_->bound_port; }

void server::tell_redecisions(const std::vector<engine::scan_outcome>& outcomes) {
    admit::net::tell_redecisions(*impl_->ctx, outcomes);
}

void server::stop() {
    if (impl_->stopped || impl_->threads.empty()) return;
    impl_->stopped = true;
    // 1. Stop accepting.
    asio::post(impl_->ioc, [this] {
        boost::system::error_code ignored;
        impl_->acceptor.close(ignored);
    });
    // 2. Everything already received is decided and committed; its verdicts are queued.
    impl_->ctx->engine.drain();
    // 3. Each station gets its verdicts, then a close frame; each dashboard a close frame.
    for (const auto& s : impl_->ctx->stations.alive()) s->request_close();
    for (const auto& v : impl_->ctx->viewers.alive()) v->request_close();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    const auto open = [this] { return !impl_->ctx->stations.alive().empty() || !impl_->ctx->viewers.alive().empty(); };
    while (open() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // 4. Whatever is still open (idle HTTP keep-alives) ends with the io_context.
    impl_->ctx->live.set_change_listener(nullptr);
    impl_->ioc.stop();
    impl_->dashboards.stop();
    for (auto& t : impl_->threads) t.join();
    impl_->threads.clear();
    // A slow request still running finishes first; its reply is not sent.
    impl_->blocking.stop();
    impl_->reports.stop();
    for (auto& t : impl_->pool_threads) t.join();
    impl_->pool_threads.clear();
    impl_->dashboards_thread.join();
}

}  // namespace admit::net
