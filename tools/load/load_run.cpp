#include "load/load_run.hpp"

#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include "admit/station.pb.h"
#include "protocol/version.hpp"
#include "load/crowd_mix.hpp"
#include "load/live_readers.hpp"
#include "load/proc_stats.hpp"
#include "load/server_metrics.hpp"

namespace admit::load {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::nanoseconds;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::uint64_t ns_between(steady::time_point from, steady::time_point to) {
    return to > from ? static_cast<std::uint64_t>(duration_cast<nanoseconds>(to - from).count()) : 0;
}

double process_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    const auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return tv(u.ru_utime) + tv(u.ru_stime);
}

// "2023-09-25T08:40:00.123Z" (what the live view writes) as system time; nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> parse_iso_ms(std::string_view s) {
    if (s.size() < 24 || s[4] != '-' || s[10] != 'T' || s[19] != '.' || s[23] != 'Z') return std::nullopt;
    const auto num = [&](std::size_t at, std::size_t len) {
        int v = -1;
        std::from_chars(s.data() + at, s.data() + at + len, v);
        return v;
    };
    const int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2),
              ms = num(20, 3);
    if (y < 0 || mo < 1 || d < 1 || h < 0 || mi < 0 || se < 0 || ms < 0) return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                           std::chrono::day{static_cast<unsigned>(d)}};
    return std::chrono::sys_days{date} + std::chrono::hours{h} + std::chrono::minutes{mi} +
           std::chrono::seconds{se} + std::chrono::milliseconds{ms};
}

// The value of `"key":"` in a JSON text, up to the closing quote (no unescaping: times only).
// memmem, not string_view::find: libstdc++'s find compares at every '"' of the JSON,
// which made this search a tenth of the viewer client's CPU.
std::string_view json_string_after(std::string_view text, std::string_view key_with_quote) {
    const void* found = memmem(text.data(), text.size(), key_with_quote.data(), key_with_quote.size());
    if (found == nullptr) return {};
    const auto at = static_cast<std::size_t>(static_cast<const char*>(found) - text.data());
    const auto from = at + key_with_quote.size();
    const auto to = text.find('"', from);
    if (to == std::string_view::npos) return {};
    return text.substr(from, to - from);
}

// One client WebSocket with a writer coroutine: one write in flight, a queue behind it.
struct link {
    explicit link(asio::io_context& ioc) : ws(ioc), wake(ioc, steady::time_point::max()) {}

    void send(std::string bytes) {
        if (closed) return;
        out.push_back(std::move(bytes));
        wake.cancel();
    }

    asio::awaitable<void> write_loop() {
        while (!closed) {
            if (out.empty()) {
                wake.expires_at(steady::time_point::max());
                co_await wake.async_wait(use_tuple);
                continue;
            }
            const std::string message = std::move(out.front());
            out.pop_front();
            auto [ec, n] = co_await ws.async_write(asio::buffer(message), use_tuple);
            if (ec) {
                closed = true;
                co_return;
            }
        }
    }

    void shut() {
        closed = true;
        boost::system::error_code ignored;
        beast::get_lowest_layer(ws).socket().close(ignored);
        wake.cancel();
    }

    websocket::stream<beast::tcp_stream> ws;
    asio::steady_timer wake;
    std::deque<std::string> out;
    beast::flat_buffer in;
    bool closed = false;
};

struct pending_scan {
    steady::time_point intended;
    planned_scan plan;
};

struct station_link : link {
    station_link(asio::io_context& ioc, const station_login& l) : link(ioc), login(l) {}
    station_login login;
    std::unordered_map<std::uint64_t, pending_scan> pending;
    std::uint64_t counter = 0;
    int answered_unsent = 0;  // closed loop: answers not yet replaced by new scans
    bool ready = false;  // hello answered
};

// What admit-load knows of one dashboard (used on the live_readers thread only).
struct viewer_state {
    std::string last_feed_time;
    bool first_frame = true;
};

// The viewers' figures, kept by the live_readers thread and added to the results at the end.
struct viewer_tally {
    std::uint64_t frames = 0;
    struct {
        histogram frame_latency, feed_latency;
        std::uint64_t frames = 0;
    } phase[2];
};

class runner {
public:
    explicit runner(const run_options& o)
        : opt_(o),
          crowd_(o.people.empty() ? std::vector<sim::badge_holder>{{"x", "x", "x", "x"}} : o.people, o.seed),
          slot_(ioc_, steady::time_point::max()),
          nonce_(std::mt19937_64(o.seed)() & 0xffffffU) {}

    run_results run() {
        asio::co_spawn(ioc_, control(), [this](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                error_ = ex.what();
            }
            ioc_.stop();
        });
        ioc_.run();
        if (!error_.empty()) throw std::runtime_error(error_);
        return std::move(r_);
    }

private:
    // --- Connecting ---

    tcp::endpoint server_endpoint() const { return {asio::ip::make_address(opt_.host), opt_.port}; }

    // A TCP connection to the server, from one of the source addresses (by index).
    asio::awaitable<boost::system::error_code> connect(beast::tcp_stream& stream, std::size_t index,
                                                       int receive_buffer = 0) {
        auto& sock = stream.socket();
        boost::system::error_code ec;
        sock.open(tcp::v4(), ec);
        if (ec) co_return ec;
        if (receive_buffer > 0) sock.set_option(asio::socket_base::receive_buffer_size(receive_buffer), ec);
        if (opt_.source_addresses > 0) {
            // Choose the port at connect time, per source address: 10 000 connections fit.
            int one = 1;
            setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            const auto host = static_cast<unsigned>(2 + index % static_cast<std::size_t>(opt_.source_addresses));
            sock.bind(tcp::endpoint(asio::ip::address_v4((127U << 24) | host), 0), ec);
            if (ec) co_return ec;
        }
        stream.expires_after(std::chrono::seconds(15));
        auto [cec] = co_await stream.async_connect(server_endpoint(), use_tuple);
        if (cec) co_return cec;
        sock.set_option(tcp::no_delay(true), ec);
        stream.expires_never();
        co_return boost::system::error_code{};
    }

    asio::awaitable<boost::system::error_code> open(link& l, std::size_t index, const std::string& target,
                                                    int receive_buffer = 0) {
        if (auto ec = co_await connect(beast::get_lowest_layer(l.ws), index, receive_buffer)) co_return ec;
        l.ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        l.ws.read_message_max(64 * 1024 * 1024);
        auto [hec] = co_await l.ws.async_handshake(fmt::format("{}:{}", opt_.host, opt_.port), target, use_tuple);
        co_return hec;
    }

    void connect_failed(const std::string& why) {
        ++r_.connect_failures;
        if (r_.first_connect_error.empty()) r_.first_connect_error = why;
    }

    void slot_free() {
        --connecting_;
        ++settled_;
        slot_.cancel();
    }

    template <typename Start>
    asio::awaitable<void> launch(std::size_t count, Start start) {
        for (std::size_t i = 0; i < count; ++i) {
            while (connecting_ >= opt_.connect_parallel) {
                slot_.expires_at(steady::time_point::max());
                co_await slot_.async_wait(use_tuple);
            }
            ++connecting_;
            asio::co_spawn(ioc_, start(i), [this](std::exception_ptr e) {
                if (e) {
                    try {
                        std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                        connect_failed(ex.what());
                    }
                }
            });
        }
    }

    asio::awaitable<void> wait_until(steady::time_point t) {
        asio::steady_timer timer(ioc_, t);
        co_await timer.async_wait(use_tuple);
    }

    asio::awaitable<void> wait_settled(std::size_t target, steady::time_point deadline) {
        while (settled_ < target && steady::now() < deadline) co_await wait_until(steady::now() + std::chrono::milliseconds(10));
    }

    // --- Stations ---

    asio::awaitable<void> run_station(std::size_t i) {
        auto& s = *stations_[i];
        if (auto ec = co_await open(s, i, "/ws/station")) {
            connect_failed(fmt::format("station {}: {}", s.login.id, ec.message()));
            slot_free();
            co_return;
        }
        s.ws.binary(true);
        wire::StationMessage hello;
        auto* h = hello.mutable_hello();
        h->set_protocol_version(protocol::protocol_version);
        h->set_station_id(s.login.id);
        h->set_token(s.login.token);
        h->set_software_version("admit-load");
        const auto bytes = hello.SerializeAsString();
        auto [wec, wn] = co_await s.ws.async_write(asio::buffer(bytes), use_tuple);
        auto [rec, rn] = co_await s.ws.async_read(s.in, use_tuple);
        wire::ServerMessage answer;
        if (wec || rec || !answer.ParseFromArray(s.in.data().data(), static_cast<int>(s.in.size())) ||
            !answer.has_hello_ack()) {
            connect_failed(fmt::format("station {}: hello not answered: {}", s.login.id,
                                       wec   ? wec.message()
                                       : rec ? rec.message()
                                             : answer.has_error() ? answer.error().message() : "unexpected answer"));
            s.shut();
            slot_free();
            co_return;
        }
        s.in.clear();
        s.ready = true;
        ++r_.connected;
        slot_free();
        asio::co_spawn(ioc_, s.write_loop(), asio::detached);
        for (;;) {
            s.in.clear();
            auto [ec, n] = co_await s.ws.async_read(s.in, use_tuple);
            if (ec) break;
            on_station_frame(s);
        }
        s.closed = true;
        s.wake.cancel();
        for (auto& [k, p] : s.pending) crowd_.release(p.plan);
        unanswered_lost_ += s.pending.size();
        inflight_ -= s.pending.size();
        s.pending.clear();
    }

    bool in_window(steady::time_point t) const { return t >= measure_start_ && t < measure_end_; }
    int phase_of(steady::time_point t) const { return t < half_time_ ? 0 : 1; }

    // One scan, or (--batch) a ScanBatch of that many, as a kiosk replays its outbox.
    void send_scan(station_link& s, steady::time_point intended) {
        if (s.closed || !s.ready) return;
        wire::StationMessage m;
        const int count = std::max(opt_.batch, 1);
        for (int i = 0; i < count; ++i) {
            auto* scan = opt_.batch > 0 ? m.mutable_batch()->add_scans() : m.mutable_scan();
            fill_scan(s, intended, *scan);
        }
        s.send(m.SerializeAsString());
    }

    void fill_scan(station_link& s, steady::time_point intended, wire::Scan& scan) {
        auto plan = crowd_.next(s.login.hall);
        const auto n = ++s.counter;
        scan.set_scan_id(fmt::format("{}-{:06x}-{}", s.login.id, nonce_, n));
        scan.set_station_id(s.login.id);
        scan.set_payload(plan.payload);
        scan.set_direction(plan.entry ? wire::ENTRY : wire::EXIT);
        scan.set_device_time_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
        scan.set_seq(n);
        s.pending.emplace(n, pending_scan{intended, std::move(plan)});
        ++r_.sent;
        ++inflight_;
    }

    void on_station_frame(station_link& s) {
        wire::ServerMessage m;
        if (!m.ParseFromArray(s.in.data().data(), static_cast<int>(s.in.size()))) {
            ++r_.errors["unparsable frame"];
            return;
        }
        if (m.has_verdict()) {
            on_verdict(s, m.verdict());
        } else if (m.has_verdicts()) {
            for (const auto& v : m.verdicts().verdicts()) on_verdict(s, v);
        } else if (m.has_error()) {
            ++r_.errors[wire::Error::Code_Name(m.error().code())];
            if (!m.error().scan_id().empty()) finish(s, m.error().scan_id(), nullptr);
        }
    }

    void on_verdict(station_link& s, const wire::Verdict& v) { finish(s, v.scan_id(), &v); }

    void finish(station_link& s, const std::string& scan_id, const wire::Verdict* v) {
        const auto dash = scan_id.rfind('-');
        std::uint64_t n = 0;
        if (dash != std::string::npos) std::from_chars(scan_id.data() + dash + 1, scan_id.data() + scan_id.size(), n);
        const auto it = s.pending.find(n);
        if (it == s.pending.end()) {
            ++r_.errors["answer for an unknown scan"];
            return;
        }
        const auto now = steady::now();
        const auto& p = it->second;
        if (v != nullptr) {
            ++r_.answered;
            if (in_window(p.intended)) {
                const auto ns = ns_between(p.intended, now);
                r_.latency.record(ns);
                r_.phase[phase_of(p.intended)].scan_latency.record(ns);
                std::string key = v->admitted() ? (v->warning() ? "admitted (warning)" : "admitted")
                                                : wire::Reason_Name(v->reason());
                ++r_.verdicts[key];
            }
            if (in_window(now)) {
                ++r_.answered_in_window;
                ++r_.phase[phase_of(now)].acked;
            }
            crowd_.settle(p.plan, s.login.hall, v->admitted());
        } else {
            crowd_.release(p.plan);
        }
        s.pending.erase(it);
        --inflight_;
        // Closed loop: a new scan for each one answered; with --batch, a new
        // batch once a whole batch's worth has been answered.
        if (closed_loop() && sending_ && ++s.answered_unsent >= std::max(opt_.batch, 1)) {
            s.answered_unsent = 0;
            send_scan(s, now);
        }
    }

    bool closed_loop() const { return opt_.rate <= 0; }

    asio::awaitable<void> open_loop() {
        const auto interval = nanoseconds(static_cast<std::int64_t>(1e9 / opt_.rate));
        std::uint64_t i = 0;
        std::size_t next = 0;
        asio::steady_timer timer(ioc_);
        for (;;) {
            const auto now = steady::now();
            for (;;) {
                const auto due = load_start_ + interval * static_cast<std::int64_t>(i);
                if (due >= measure_end_ || !sending_) co_return;
                if (due > now) break;
                // Round robin over the stations that are up.
                for (std::size_t tries = 0; tries < stations_.size(); ++tries) {
                    auto& s = *stations_[next++ % stations_.size()];
                    if (s.ready && !s.closed) {
                        send_scan(s, due);
                        break;
                    }
                }
                ++i;
            }
            timer.expires_at(load_start_ + interval * static_cast<std::int64_t>(i));
            co_await timer.async_wait(use_tuple);
        }
    }

    // --- Viewers ---

    // Connects and upgrades; the frames are read by readers_ (live_readers.hpp says why).
    asio::awaitable<void> run_viewer(std::size_t i) {
        beast::tcp_stream stream(ioc_);
        beast::flat_buffer read;
        auto ec = co_await connect(stream, i);
        if (!ec) ec = co_await upgrade(stream, read, "/ws/live?token=" + opt_.viewer_token);
        if (ec) {
            connect_failed(fmt::format("viewer {}: {}", i, ec.message()));
            slot_free();
            co_return;
        }
        if (viewers_reading_) {  // too late: the readers' thread owns its list now
            connect_failed(fmt::format("viewer {}: connected after the run began", i));
            slot_free();
            co_return;
        }
        const std::string_view past_response(static_cast<const char*>(read.data().data()), read.size());
        try {
            readers_.add(i, stream.release_socket().release(), past_response);
            ++r_.viewers_connected;
        } catch (const std::exception& e) {
            connect_failed(fmt::format("viewer {}: {}", i, e.what()));
        }
        slot_free();
    }

    // The WebSocket upgrade by hand: Beast's handshake would keep the bytes
    // read past the response (the first frame) in its own buffer.
    asio::awaitable<boost::system::error_code> upgrade(beast::tcp_stream& stream, beast::flat_buffer& read,
                                                       const std::string& target) {
        http::request<http::empty_body> req{http::verb::get, target, 11};
        req.set(http::field::host, fmt::format("{}:{}", opt_.host, opt_.port));
        req.set(http::field::upgrade, "websocket");
        req.set(http::field::connection, "Upgrade");
        req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");  // RFC 6455's example key
        req.set(http::field::sec_websocket_version, "13");
        stream.expires_after(std::chrono::seconds(15));
        auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
        if (wec) co_return wec;
        http::response_parser<http::empty_body> parser;
        auto [rec, rn] = co_await http::async_read_header(stream, read, parser, use_tuple);
        stream.expires_never();
        if (rec) co_return rec;
        if (parser.get().result() != http::status::switching_protocols) co_return websocket::error::upgrade_declined;
        co_return boost::system::error_code{};
    }

    // On the readers' thread: one whole frame from viewer i.
    void on_viewer_message(std::size_t i, std::string_view text, std::chrono::system_clock::time_point received) {
        const auto now = steady::now();
        auto& v = viewer_states_[i];
        const bool first = std::exchange(v.first_frame, false);
        ++viewer_tally_.frames;
        const auto feed_time = json_string_after(text, "\"feed\":[{\"time\":\"");
        const bool new_feed = !feed_time.empty() && feed_time != v.last_feed_time;
        if (new_feed) v.last_feed_time.assign(feed_time);
        if (first || !in_window(now)) return;
        auto& ph = viewer_tally_.phase[phase_of(now)];
        ++ph.frames;
        if (const auto t = parse_iso_ms(json_string_after(text, "\"server_time\":\""))) {
            const auto ns = duration_cast<nanoseconds>(received - *t).count();
            ph.frame_latency.record(ns > 0 ? static_cast<std::uint64_t>(ns) : 0);
        }
        if (new_feed) {
            if (const auto t = parse_iso_ms(feed_time)) {
                const auto ns = duration_cast<nanoseconds>(received - *t).count();
                ph.feed_latency.record(ns > 0 ? static_cast<std::uint64_t>(ns) : 0);
            }
        }
    }

    // Ends the readers' thread and adds what it counted to the results (once).
    void finish_viewers() {
        if (viewer_states_.empty()) return;
        readers_.stop();
        r_.viewer_frames += std::exchange(viewer_tally_.frames, 0);
        for (int h = 0; h < 2; ++h) {
            auto& from = viewer_tally_.phase[h];
            r_.phase[h].viewer_latency.merge(from.frame_latency);
            r_.phase[h].feed_latency.merge(from.feed_latency);
            r_.phase[h].viewer_frames += std::exchange(from.frames, 0);
            from.frame_latency.reset();
            from.feed_latency.reset();
        }
        if (readers_.protocol_errors() > 0)
            r_.errors[fmt::format("viewer frames not understood (first: {})", readers_.first_protocol_error())] +=
                readers_.protocol_errors();
        if (const auto gone = readers_.closed() - readers_.protocol_errors(); gone > 0)
            r_.errors["viewers closed by the server"] += gone;
    }

    // A dashboard that connects and then never reads: its socket buffers fill up.
    asio::awaitable<void> run_stalled_viewer() {
        stalled_ = std::make_unique<link>(ioc_);
        if (auto ec = co_await open(*stalled_, 0, "/ws/live?token=" + opt_.viewer_token, 4096)) {
            connect_failed(fmt::format("stalled viewer: {}", ec.message()));
        }
    }

    // --- Echo ---

    void send_echo(link& l) {
        std::string m(std::max<std::size_t>(opt_.message_size, 8), 'x');
        const auto t = static_cast<std::uint64_t>(steady::now().time_since_epoch().count());
        std::memcpy(m.data(), &t, sizeof t);
        ++r_.sent;
        ++inflight_;
        l.send(std::move(m));
    }

    asio::awaitable<void> run_echo(std::size_t i) {
        auto& l = *echo_[i];
        if (auto ec = co_await open(l, i, opt_.echo_path)) {
            connect_failed(fmt::format("echo connection {}: {}", i, ec.message()));
            slot_free();
            co_return;
        }
        l.ws.binary(true);
        ++r_.connected;
        slot_free();
        asio::co_spawn(ioc_, l.write_loop(), asio::detached);
        for (;;) {
            l.in.clear();
            auto [ec, n] = co_await l.ws.async_read(l.in, use_tuple);
            if (ec) break;
            if (l.in.size() < 8) continue;
            const auto now = steady::now();
            std::uint64_t t = 0;
            std::memcpy(&t, l.in.data().data(), sizeof t);
            const steady::time_point sent{steady::duration(static_cast<steady::rep>(t))};
            --inflight_;
            ++r_.answered;
            if (in_window(sent)) r_.latency.record(ns_between(sent, now));
            if (in_window(now)) ++r_.answered_in_window;
            if (sending_) send_echo(l);
        }
        l.closed = true;
    }

    // --- The run ---

    asio::awaitable<void> control() {
        const auto connect_deadline = steady::now() + duration_cast<steady::duration>(std::chrono::duration<double>(opt_.connect_timeout));
        const auto seconds = [](double s) { return duration_cast<steady::duration>(std::chrono::duration<double>(s)); };
        if (opt_.server_pid > 0 && opt_.mode == load_mode::idle) r_.rss_before_kib = rss_kib(opt_.server_pid);

        const auto t_connect = steady::now();
        const auto n = static_cast<std::size_t>(opt_.connections);
        if (opt_.mode == load_mode::echo) {
            for (std::size_t i = 0; i < n; ++i) echo_.push_back(std::make_unique<link>(ioc_));
            co_await launch(n, [this](std::size_t i) { return run_echo(i); });
        } else {
            if (opt_.stations.empty()) throw std::runtime_error("no stations to connect as");
            for (std::size_t i = 0; i < n; ++i)
                stations_.push_back(std::make_unique<station_link>(ioc_, opt_.stations[i % opt_.stations.size()]));
            co_await launch(n, [this](std::size_t i) { return run_station(i); });
        }
        co_await wait_settled(n, connect_deadline);
        if (opt_.viewers > 0) {
            viewer_states_.resize(static_cast<std::size_t>(opt_.viewers));
            co_await launch(viewer_states_.size(), [this](std::size_t i) { return run_viewer(i); });
            co_await wait_settled(n + viewer_states_.size(), connect_deadline);
        }
        r_.connect_seconds = std::chrono::duration<double>(steady::now() - t_connect).count();

        if (opt_.mode == load_mode::idle) {
            // Let the server settle (hello bookkeeping, first pings), then read its memory.
            co_await wait_until(steady::now() + std::chrono::seconds(2));
            if (opt_.server_pid > 0) r_.rss_after_kib = rss_kib(opt_.server_pid);
            co_await wait_until(steady::now() + seconds(opt_.idle_hold));
            shut_all();
            co_return;
        }

        load_start_ = steady::now();
        measure_start_ = load_start_ + seconds(opt_.warmup);
        measure_end_ = measure_start_ + seconds(opt_.duration);
        half_time_ = measure_start_ + seconds(opt_.duration / 2);
        viewers_reading_ = true;
        if (!viewer_states_.empty())
            readers_.start([this](std::size_t i, std::string_view text, std::chrono::system_clock::time_point at) {
                on_viewer_message(i, text, at);
            });
        sending_ = true;
        if (opt_.mode == load_mode::echo) {
            for (auto& l : echo_)
                if (!l->closed)
                    for (int w = 0; w < opt_.window; ++w) send_echo(*l);
        } else if (closed_loop()) {
            for (auto& s : stations_)
                for (int w = 0; w < opt_.window; ++w) send_scan(*s, load_start_);
        } else {
            asio::co_spawn(ioc_, open_loop(), asio::detached);
        }

        co_await wait_until(measure_start_);
        // A blocking GET of a millisecond or so at each end of the window, not inside it.
        const auto counters0 = opt_.mode == load_mode::scans ? read_server_counters(opt_.host, opt_.port) : std::nullopt;
        std::optional<double> cpu0 = opt_.server_pid > 0 ? cpu_seconds(opt_.server_pid) : std::nullopt;
        const double client0 = process_cpu_seconds();
        if (opt_.stalled_viewer) {
            co_await wait_until(half_time_);
            co_await run_stalled_viewer();
        }
        co_await wait_until(measure_end_);
        sending_ = false;
        const std::optional<double> cpu1 = opt_.server_pid > 0 ? cpu_seconds(opt_.server_pid) : std::nullopt;
        r_.client_cpu_seconds = process_cpu_seconds() - client0;
        if (cpu0 && cpu1) r_.server_cpu_seconds = *cpu1 - *cpu0;
        if (counters0) {
            if (const auto counters1 = read_server_counters(opt_.host, opt_.port))
                r_.server = counters_between(*counters0, *counters1);
        }
        r_.measured_seconds = opt_.duration;

        const auto drain_end = steady::now() + seconds(opt_.drain);
        while (inflight_ > 0 && steady::now() < drain_end) co_await wait_until(steady::now() + std::chrono::milliseconds(5));
        r_.unanswered = inflight_ + unanswered_lost_;
        if (stalled_) {
            int unread = 0;
            if (ioctl(beast::get_lowest_layer(stalled_->ws).socket().native_handle(), FIONREAD, &unread) == 0)
                r_.stalled_unread_bytes = unread;
        }
        shut_all();
    }

    void shut_all() {
        for (auto& s : stations_) r_.still_open += s->ready && !s->closed ? 1 : 0;
        for (auto& e : echo_) r_.still_open += e->closed ? 0 : 1;
        for (auto& s : stations_) s->shut();
        finish_viewers();
        for (auto& e : echo_) e->shut();
        if (stalled_) stalled_->shut();
        // Timers and reads still pending end with the io_context.
        ioc_.stop();
    }

    const run_options& opt_;
    asio::io_context ioc_{1};
    crowd_mix crowd_;
    asio::steady_timer slot_;
    std::uint64_t nonce_;
    int connecting_ = 0;
    std::size_t settled_ = 0;
    std::vector<std::unique_ptr<station_link>> stations_;
    std::vector<viewer_state> viewer_states_;
    bool viewers_reading_ = false;  // readers_ started: no more add()
    std::vector<std::unique_ptr<link>> echo_;
    std::unique_ptr<link> stalled_;
    steady::time_point load_start_{}, measure_start_{}, measure_end_{}, half_time_{};
    bool sending_ = false;
    std::uint64_t inflight_ = 0;
    std::uint64_t unanswered_lost_ = 0;
    run_results r_;
    std::string error_;
    viewer_tally viewer_tally_;
    // Last: its thread, which calls back into this object, ends first.
    live_readers readers_;
};

}  // namespace

run_results run_load(const run_options& options) {
    runner r(options);
    return r.run();
}

}  // namespace admit::load
