// One thread, one io_context: every page connection and the tick live on it,
// so the sessions need no strands and no locks; other threads only post.
#include "screen/door_server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

namespace admit::scanner {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string_view content_type(const fs::path& file) {
    static const std::map<std::string, std::string_view, std::less<>> types{
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".woff2", "font/woff2"},
        {".wav", "audio/wav"},
        {".ico", "image/x-icon"}};
    const auto it = types.find(file.extension().string());
    return it == types.end() ? std::string_view("application/octet-stream") : it->second;
}

// Every regular file under root by its URL path ("/door.js"); "/" is index.html.
std::map<std::string, fs::path, std::less<>> list_files(const fs::path& root) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        throw std::runtime_error(fmt::format(
            "{}: the door screen's web folder is missing; give --screen-web DIR (web/door in the "
            "source tree, /usr/share/admit/door when installed)",
            root.string()
        ));
    }
    std::map<std::string, fs::path, std::less<>> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file()) continue;
        files.emplace("/" + fs::relative(entry.path(), root).generic_string(), entry.path());
    }
    if (const auto index = files.find("/index.html"); index != files.end())
        files.emplace("/", index->second);
    else
        throw std::runtime_error(
            fmt::format("{}: no index.html in the door screen's web folder", root.string())
        );
    return files;
}

bool is_normal_end(const boost::system::error_code& ec) {
    return ec == websocket::error::closed || ec == asio::error::operation_aborted ||
           ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == beast::error::timeout;
}

// One connected page: a queue of messages and a writer that drains it.
struct page {
    explicit page(beast::tcp_stream stream)
        : ws(std::move(stream)), wake(ws.get_executor(), asio::steady_timer::time_point::max()) {}

    websocket::stream<beast::tcp_stream> ws;
    asio::steady_timer wake;  // the writer sleeps on it; cancel() wakes it
    std::deque<std::shared_ptr<const std::string>> queue;
    std::shared_ptr<const std::string> frame;  // the newest preview frame not yet sent
    bool closed = false;
};

}  // namespace

struct door_server::impl {
    // Declared first: destroyed last, after everything bound to it.
    asio::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    door_server_options options;
    std::map<std::string, fs::path, std::less<>> files;
    greeting_fn greeting;
    tick_fn tick;
    std::set<std::shared_ptr<page>> pages;  // the server thread's only
    std::atomic<std::size_t> page_count{0};
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<bool> stopped{false};
    std::thread thread;

    void offer(const std::shared_ptr<page>& p, const std::shared_ptr<const std::string>& text) {
        if (p->closed) return;
        if (p->queue.size() >= options.queue_limit) {
            // Too slow: close it rather than wait or grow. Its browser reconnects and is
            // greeted with the current state, so it loses nothing it needs.
            spdlog::warn("door screen: a page fell {} messages behind; closed", p->queue.size());
            ++dropped;
            close(p);
            return;
        }
        p->queue.push_back(text);
        p->wake.cancel();
    }

    void close(const std::shared_ptr<page>& p) {
        if (p->closed) return;
        p->closed = true;
        p->wake.cancel();
        boost::system::error_code ignored;
        beast::get_lowest_layer(p->ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(p->ws).socket().close(ignored);
        pages.erase(p);
        page_count = pages.size();
    }

    http::message_generator file_reply(const http::request<http::string_body>& req) {
        auto text_reply = [&](http::status status, std::string body) {
            http::response<http::string_body> res{status, req.version()};
            res.set(http::field::content_type, "text/plain; charset=utf-8");
            res.keep_alive(req.keep_alive());
            res.body() = std::move(body);
            res.prepare_payload();
            return http::message_generator(std::move(res));
        };
        if (req.method() != http::verb::get && req.method() != http::verb::head)
            return text_reply(http::status::method_not_allowed, "GET only\n");
        auto target = std::string_view(req.target());
        target = target.substr(0, target.find('?'));
        const auto it = files.find(target);
        if (it == files.end()) return text_reply(http::status::not_found, "not found\n");
        http::file_body::value_type body;
        beast::error_code ec;
        body.open(it->second.c_str(), beast::file_mode::scan, ec);
        if (ec) return text_reply(http::status::internal_server_error, "cannot read the file\n");
        http::response<http::file_body> res{
            std::piecewise_construct, std::make_tuple(std::move(body)),
            std::make_tuple(http::status::ok, req.version())};
        res.set(http::field::content_type, content_type(it->second));
        // The page and its scripts change with the kiosk's version: never stale.
        res.set(http::field::cache_control, "no-store");
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        return http::message_generator(std::move(res));
    }

    asio::awaitable<void> writer(std::shared_ptr<page> p) {
        while (!p->closed) {
            if (p->queue.empty() && !p->frame) {
                p->wake.expires_at(asio::steady_timer::time_point::max());
                co_await p->wake.async_wait(use_tuple);
                continue;
            }
            // Events first: a verdict never waits behind a preview frame.
            const bool event = !p->queue.empty();
            const auto message = event ? p->queue.front() : std::move(p->frame);
            if (event) p->queue.pop_front();
            p->ws.binary(!event);
            auto [ec, n] = co_await p->ws.async_write(asio::buffer(*message), use_tuple);
            if (ec) {
                close(p);
                co_return;
            }
        }
    }

    asio::awaitable<void> run_page(beast::tcp_stream stream, http::request<http::string_body> req) {
        auto p = std::make_shared<page>(std::move(stream));
        p->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        p->ws.read_message_max(4096);  // the page only listens
        p->ws.text(true);
        auto [ec] = co_await p->ws.async_accept(req, use_tuple);
        if (ec) co_return;
        pages.insert(p);
        page_count = pages.size();
        for (auto& text : greeting())
            p->queue.push_back(std::make_shared<const std::string>(std::move(text)));
        asio::co_spawn(ioc, writer(p), [](const std::exception_ptr& e) {
            if (e) spdlog::error("door screen: a page writer ended by an exception");
        });
        beast::flat_buffer in;
        for (;;) {
            in.clear();
            auto [rec, n] = co_await p->ws.async_read(in, use_tuple);
            if (rec) break;
        }
        close(p);
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        for (;;) {
            stream.expires_after(30s);
            http::request_parser<http::string_body> parser;
            parser.header_limit(8192);
            parser.body_limit(4096);
            auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
            if (ec) {
                if (!is_normal_end(ec)) spdlog::debug("door screen: bad request: {}", ec.message());
                co_return;
            }
            auto req = parser.release();
            if (websocket::is_upgrade(req) && req.target() == "/ws") {
                stream.expires_never();
                co_await run_page(std::move(stream), std::move(req));
                co_return;
            }
            const bool keep_alive = req.keep_alive();
            auto [wec, written] = co_await beast::async_write(stream, file_reply(req), use_tuple);
            if (wec || !keep_alive) co_return;
        }
    }

    asio::awaitable<void> accept_loop() {
        while (!stopped) {
            auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
            if (ec == asio::error::operation_aborted) co_return;
            if (ec) continue;
            asio::co_spawn(ioc, serve(std::move(socket)), [](const std::exception_ptr& e) {
                if (e) spdlog::error("door screen: a connection ended by an exception");
            });
        }
    }

    asio::awaitable<void> tick_loop() {
        asio::steady_timer timer(ioc);
        while (!stopped) {
            timer.expires_after(options.tick_every);
            auto [ec] = co_await timer.async_wait(use_tuple);
            if (ec) co_return;
            tick();
        }
    }
};

door_server::door_server(door_server_options options, greeting_fn greeting, tick_fn tick)
    : impl_(std::make_shared<impl>()) {
    auto& d = *impl_;
    d.options = std::move(options);
    d.files = list_files(d.options.web_root);
    d.greeting = std::move(greeting);
    d.tick = std::move(tick);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(d.options.address, ec);
    if (ec)
        throw std::runtime_error(
            fmt::format("door screen address {}: {}", d.options.address, ec.message())
        );
    const tcp::endpoint at(address, d.options.port);
    d.acceptor.open(at.protocol(), ec);
    if (!ec) d.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) d.acceptor.bind(at, ec);
    if (!ec) d.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw std::runtime_error(fmt::format(
            "door screen: cannot listen on {}:{}: {}; choose another --screen port",
            d.options.address, d.options.port, ec.message()
        ));
    }
    auto log_end = [](const std::exception_ptr& e) {
        if (e) spdlog::error("door screen: the server loop ended by an exception");
    };
    asio::co_spawn(d.ioc, d.accept_loop(), log_end);
    asio::co_spawn(d.ioc, d.tick_loop(), log_end);
    d.thread = std::thread([&d] { d.ioc.run(); });
}

door_server::~door_server() {
    stop();
}

unsigned short door_server::port() const {
    boost::system::error_code ec;
    return impl_->acceptor.local_endpoint(ec).port();
}

void door_server::publish(std::string text) {
    auto message = std::make_shared<const std::string>(std::move(text));
    asio::post(impl_->ioc, [d = impl_.get(), message] {
        // A copy: offer() may close (erase) a page.
        const auto pages = d->pages;
        for (const auto& p : pages) d->offer(p, message);
    });
}

void door_server::publish_frame(std::string bytes) {
    auto frame = std::make_shared<const std::string>(std::move(bytes));
    asio::post(impl_->ioc, [d = impl_.get(), frame] {
        for (const auto& p : d->pages) {
            if (p->closed) continue;
            p->frame = frame;  // replaces an unsent older one
            p->wake.cancel();
        }
    });
}

std::size_t door_server::pages() const {
    return impl_->page_count;
}

std::uint64_t door_server::dropped() const {
    return impl_->dropped;
}

void door_server::stop() {
    auto& d = *impl_;
    if (d.stopped.exchange(true)) return;
    asio::post(d.ioc, [&d] {
        boost::system::error_code ignored;
        d.acceptor.close(ignored);
        const auto pages = d.pages;
        for (const auto& p : pages) d.close(p);
    });
    // Pages get a moment for their sockets to close; then the loop stops.
    asio::post(d.ioc, [&d] { d.ioc.stop(); });
    if (d.thread.joinable()) d.thread.join();
}

}  // namespace admit::scanner
