// The link thread. One loop: connect with backoff, then pump (send what the
// outbox has, read what the server says in short slices, heartbeat, fetch
// rules) until the link dies or the kiosk stops.
#include "kiosk/station_link.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <random>
#include <unordered_map>

#include "client/http_client.hpp"
#include "client/station_client.hpp"
#include "protocol/codec.hpp"

namespace admit::scanner {

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr auto read_slice = 3ms;  // how long a read waits before the loop looks for new scans

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()
    )
        .count();
}

void to_wire(const std::string& station, const outbox_entry& e, wire::Scan& s) {
    s.set_scan_id(e.scan_id);
    s.set_station_id(station);
    s.set_payload(e.payload);
    s.set_direction(protocol::direction_to_wire(e.dir));
    s.set_device_time_ms(e.device_time_ms);
    s.set_offline(e.offline);
    if (e.shown) protocol::verdict_to_wire(*e.shown, *s.mutable_shown());
    s.set_seq(static_cast<std::uint64_t>(e.seq));
}

server_verdict from_wire(const wire::Verdict& v) {
    server_verdict out;
    out.scan_id = v.scan_id();
    out.result = protocol::verdict_from_wire(v);
    out.attendee_id = v.attendee_id();
    out.name = v.attendee_name();
    out.category = v.category();
    out.hall_id = v.hall_id();
    out.inside = v.inside();
    out.capacity = v.capacity();
    out.replayed = v.replayed();
    out.duplicate = v.duplicate();
    return out;
}

}  // namespace

station_link::station_link(link_options options, outbox& box, event_handler on_event)
    : options_(std::move(options)),
      outbox_(box),
      on_event_(std::move(on_event)),
      servers_(options_.servers),
      server_(servers_.current()) {
    // Rules kept from an earlier run let the kiosk decide offline from its first scan.
    std::ifstream in(options_.state_dir / "rules.json");
    if (in) {
        const std::string text{std::istreambuf_iterator<char>(in), {}};
        std::string error;
        if (auto r = protocol::rules_from_json(text, error)) {
            rules_ = std::make_shared<const protocol::station_rules>(std::move(*r));
        }
    }
}

station_link::~station_link() {
    stop();
}

void station_link::start() {
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] { run(); });
}

void station_link::stop() {
    {
        std::lock_guard lock(stop_mutex_);
        stop_ = true;
    }
    stop_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::optional<hello_facts> station_link::hello() const {
    std::lock_guard lock(mutex_);
    return hello_;
}

std::string station_link::server() const {
    std::lock_guard lock(mutex_);
    return server_.text();
}

void station_link::emit(link_event::kind what, std::string detail) {
    on_event_({what, std::move(detail), {}, {}, {}, server()});
}

std::shared_ptr<const protocol::station_rules> station_link::rules() const {
    std::lock_guard lock(mutex_);
    return rules_;
}

void station_link::seed_rules(
    std::shared_ptr<const protocol::station_rules> rules, const std::string& json
) {
    store_rules(json);
    std::lock_guard lock(mutex_);
    rules_ = std::move(rules);
}

bool station_link::wait_or_stop(std::chrono::milliseconds d) {
    std::unique_lock lock(stop_mutex_);
    return stop_cv_.wait_for(lock, d, [this] { return stop_.load(); });
}

void station_link::store_rules(const std::string& json) {
    // Write then rename: a crash leaves the old rules or the new, never half.
    const auto file = options_.state_dir / "rules.json";
    const auto tmp = options_.state_dir / "rules.json.tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << json;
        out.flush();
        if (!out) {
            emit(link_event::kind::problem, fmt::format("cannot write {}", tmp.string()));
            return;
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec)
        emit(
            link_event::kind::problem,
            fmt::format("cannot replace {}: {}", file.string(), ec.message())
        );
}

void station_link::fetch_rules() {
    // From the server this link is connected to: it is the one known to work.
    const auto& server = servers_.current();
    const auto target = fmt::format("/api/station/rules?station={}", options_.station_id);
    const auto r =
        client::http_fetch(server.host, server.port, target, options_.token, 2s, options_.tls);
    if (r.status != 200) {
        emit(
            link_event::kind::problem,
            r.status == 0
                ? fmt::format("rules not fetched from {}: {}", server.text(), r.error)
                : fmt::format(
                      "rules not fetched: HTTP {} from {}{}", r.status, server.text(), target
                  )
        );
        return;
    }
    std::string error;
    auto parsed = protocol::rules_from_json(r.body, error);
    if (!parsed) {
        emit(link_event::kind::problem, "rules not usable: " + error);
        return;
    }
    if (parsed->fetched_at_ms == 0) parsed->fetched_at_ms = now_ms();
    store_rules(r.body);
    // The server's count is the truth now; keep only what we saw since.
    for (const auto& [hall, inside] : parsed->inside) {
        if (const auto* st = parsed->event.find_station(options_.station_id);
            st && st->hall_id == hall) {
            outbox_.set_last_inside(inside);
        }
    }
    outbox_.forget_presence_before(parsed->fetched_at_ms);
    {
        std::lock_guard lock(mutex_);
        rules_ = std::make_shared<const protocol::station_rules>(std::move(*parsed));
    }
    rules_fetched_ = steady::now();
    rules_server_ = server.text();
    emit(link_event::kind::rules, "rules fetched from " + server.text());
}

void station_link::run() {
    std::mt19937 random{std::random_device{}()};
    auto backoff = options_.backoff_min;
    bool announced_offline = false;
    std::string last_online;  // HOST:PORT of the server the link was last on
    std::string why_left;     // why it left that server, for the failover log line
    // While a server says STORAGE_UNAVAILABLE: the wait before retrying it,
    // doubling up to backoff_max, back to backoff_min once a scan is stored.
    auto storage_backoff = options_.backoff_min;
    bool storage_outage = false;  // said once per outage at warn level

    // Moves to the server tried next (when the rotation moved on).
    auto follow_rotation = [this] {
        std::lock_guard lock(mutex_);
        server_ = servers_.current();
    };

    while (!stop_) {
        const auto server = servers_.current();
        client::station_client client;
        hello_facts facts;
        try {
            client.connect(server.host, server.port, "/ws/station", 2s, options_.tls);
            wire::StationMessage m;
            auto* h = m.mutable_hello();
            h->set_protocol_version(protocol::protocol_version);
            h->set_station_id(options_.station_id);
            h->set_token(options_.token);
            h->set_software_version("admit-scanner/1");
            h->set_outbox_backlog(static_cast<std::uint32_t>(outbox_.backlog()));
            client.send(m);
            const auto reply = client.receive(options_.answer_timeout);
            if (!reply)
                throw std::runtime_error("no answer to hello (" + client.close_reason() + ")");
            if (reply->has_error())
                throw std::runtime_error("hello refused: " + reply->error().message());
            if (!reply->has_hello_ack()) throw std::runtime_error("unexpected answer to hello");
            const auto& ack = reply->hello_ack();
            facts = {ack.hall_id(), ack.hall_name(), ack.role(),
                     ack.inside(),  ack.capacity(),  ack.max_batch() > 0 ? ack.max_batch() : 100,
                     ack.storage_shared()};
        } catch (const std::exception& e) {
            if (!announced_offline) {
                announced_offline = true;
                emit(link_event::kind::offline, e.what());
            }
            const bool full_round = servers_.unreachable();
            follow_rotation();
            // Backoff with +-20% jitter so a hall full of kiosks does not reconnect in step.
            std::uniform_real_distribution<double> jitter(0.8, 1.2);
            const auto wait = full_round ? std::chrono::milliseconds(static_cast<std::int64_t>(
                                               static_cast<double>(backoff.count()) * jitter(random)
                                           ))
                                         : std::chrono::milliseconds(0);
            // Each server is named once per outage; later rounds only at debug level.
            const auto level = servers_.failed_rounds() > (full_round ? 1U : 0U)
                                   ? spdlog::level::debug
                                   : spdlog::level::warn;
            if (servers_.size() == 1) {
                spdlog::log(
                    level, "server {} unreachable: {}; next try in {} ms", server.text(), e.what(),
                    wait.count()
                );
            } else if (full_round) {
                spdlog::log(
                    level,
                    "server {} unreachable: {}; none of the {} servers answered, next try {} in "
                    "{} ms",
                    server.text(), e.what(), servers_.size(), servers_.current().text(),
                    wait.count()
                );
            } else {
                spdlog::log(
                    level, "server {} unreachable: {}; failing over to {}", server.text(), e.what(),
                    servers_.current().text()
                );
            }
            if (full_round) backoff = std::min(backoff * 2, options_.backoff_max);
            if (wait.count() > 0 && wait_or_stop(wait)) break;
            continue;
        }

        backoff = options_.backoff_min;
        announced_offline = false;
        servers_.connected();
        if (!last_online.empty() && last_online != server.text()) {
            spdlog::warn(
                "failed over from server {} to {} (left {}: {})", last_online, server.text(),
                last_online, why_left
            );
        } else {
            spdlog::info("connected to server {}", server.text());
        }
        last_online = server.text();
        outbox_.set_last_inside(facts.inside);
        {
            std::lock_guard lock(mutex_);
            hello_ = facts;
        }
        online_ = true;
        on_event_(
            {link_event::kind::online,
             "connected to " + server.text(),
             facts,
             {},
             {},
             server.text()}
        );
        // Back on the server whose storage was away: its rules are fresh enough.
        if (rules_server_ != server.text() || steady::now() - rules_fetched_ >= options_.rules_every)
            fetch_rules();

        std::string why_down;
        bool storage_down = false;    // the server said STORAGE_UNAVAILABLE
        bool storage_shared = facts.storage_shared;
        std::int64_t last_sent = 0;  // outbox seq sent on this connection
        std::unordered_map<std::string, bool> in_flight;
        const std::size_t window = 2 * facts.max_batch;
        auto last_heard = steady::now();
        auto waiting_since = steady::now();  // since when the oldest unanswered thing waits
        bool heartbeat_pending = false;
        auto next_heartbeat = steady::now() + options_.heartbeat_every;
        auto next_rules = steady::now() + options_.rules_every;
        dirty_ = true;

        while (!stop_ && why_down.empty()) {
            // Send whatever the outbox holds that this connection has not seen.
            if (dirty_.exchange(false)) {
                try {
                    while (in_flight.size() < window) {
                        const auto batch = outbox_.after(
                            last_sent,
                            std::min<std::size_t>(facts.max_batch, window - in_flight.size())
                        );
                        if (batch.empty()) break;
                        wire::StationMessage m;
                        if (batch.size() == 1) {
                            to_wire(options_.station_id, batch.front(), *m.mutable_scan());
                        } else {
                            for (const auto& e : batch)
                                to_wire(options_.station_id, e, *m.mutable_batch()->add_scans());
                        }
                        if (in_flight.empty()) waiting_since = steady::now();
                        client.send(m);
                        for (const auto& e : batch) in_flight.emplace(e.scan_id, true);
                        last_sent = batch.back().seq;
                    }
                } catch (const std::exception& e) {
                    why_down = e.what();
                    break;
                }
            }
            std::optional<wire::ServerMessage> msg;
            try {
                msg = client.receive(read_slice);
            } catch (const std::exception& e) {
                why_down = e.what();
                break;
            }
            const auto now = steady::now();
            if (msg) {
                last_heard = now;
                heartbeat_pending = false;
                waiting_since = now;
                std::optional<int> inside_now;
                auto on_verdict = [&](const wire::Verdict& v, std::optional<outbox_entry> entry) {
                    in_flight.erase(v.scan_id());
                    if (!v.replayed() && v.hall_id() == facts.hall_id) inside_now = v.inside();
                    auto verdict = from_wire(v);
                    verdict.server = server.text();
                    on_event_(
                        {link_event::kind::verdict,
                         {},
                         {},
                         std::move(verdict),
                         std::move(entry),
                         server.text()}
                    );
                };
                if (msg->has_verdict() || msg->has_verdicts()) {
                    // Scans are stored again: the next outage starts with a short wait.
                    storage_backoff = options_.backoff_min;
                    if (storage_outage) spdlog::info("server {} stores scans again", server.text());
                    storage_outage = false;
                }
                if (msg->has_verdict()) {
                    on_verdict(msg->verdict(), outbox_.remove(msg->verdict().scan_id()));
                    dirty_ = true;
                } else if (msg->has_verdicts()) {
                    const auto& all = msg->verdicts().verdicts();
                    std::vector<std::string> ids;
                    ids.reserve(static_cast<std::size_t>(all.size()));
                    for (const auto& v : all) ids.push_back(v.scan_id());
                    auto entries = outbox_.remove(ids);
                    for (int i = 0; i < all.size(); ++i) {
                        on_verdict(all[i], std::move(entries[static_cast<std::size_t>(i)]));
                    }
                    dirty_ = true;
                }
                if (inside_now) outbox_.set_last_inside(*inside_now);
                if (msg->has_redecision()) {
                    link_event ev{link_event::kind::redecided, {}, {}, {}, {}, server.text(), msg->redecision()};
                    on_event_(ev);
                }
                if (msg->has_error()) {
                    const auto& err = msg->error();
                    const bool refused_for_good = err.code() == wire::Error::BAD_SCAN ||
                                                  err.code() == wire::Error::SCAN_ID_CONFLICT;
                    if (refused_for_good && !err.scan_id().empty()) {
                        // Never sent again. A scan the server cannot record under its
                        // id (SCAN_ID_CONFLICT) is kept for staff; a bad one is dropped.
                        const bool held = err.code() == wire::Error::SCAN_ID_CONFLICT;
                        in_flight.erase(err.scan_id());
                        link_event ev{held ? link_event::kind::held : link_event::kind::dropped,
                                      err.message(), {}, {},
                                      held ? outbox_.hold(err.scan_id(), err.message(), now_ms())
                                           : outbox_.remove(err.scan_id()),
                                      server.text()};
                        on_event_(ev);
                        dirty_ = true;
                    } else if (err.code() == wire::Error::STORAGE_UNAVAILABLE) {
                        // Keep the scans; the kiosk decides offline now (the link goes
                        // down), and the scans are sent again after the backoff.
                        storage_down = true;
                        storage_shared = storage_shared || err.storage_shared();
                        why_down = fmt::format(
                            "server {} cannot store scans now (STORAGE_UNAVAILABLE: {})", server.text(),
                            err.message()
                        );
                    } else if (err.code() == wire::Error::BAD_TOKEN ||
                               err.code() == wire::Error::TOO_LARGE) {
                        // Keep the scans; a new connection replays them.
                        why_down = fmt::format(
                            "server error {}: {}", wire::Error::Code_Name(err.code()), err.message()
                        );
                    } else {
                        emit(
                            link_event::kind::problem,
                            fmt::format(
                                "server {} error {}: {}", server.text(),
                                wire::Error::Code_Name(err.code()), err.message()
                            )
                        );
                    }
                }
            } else if (!client.is_open()) {
                why_down = "connection closed: " + client.close_reason();
                break;
            }
            if (!in_flight.empty() && now - waiting_since > options_.answer_timeout) {
                why_down = fmt::format(
                    "no answer to a scan within {} ms", options_.answer_timeout.count()
                );
            } else if (heartbeat_pending && now - last_heard > options_.answer_timeout) {
                why_down = fmt::format(
                    "no answer to a heartbeat within {} ms", options_.answer_timeout.count()
                );
            } else if (now >= next_heartbeat) {
                next_heartbeat = now + options_.heartbeat_every;
                wire::StationMessage hb;
                hb.mutable_heartbeat()->set_time_ms(now_ms());
                hb.mutable_heartbeat()->set_outbox_backlog(
                    static_cast<std::uint32_t>(outbox_.backlog())
                );
                try {
                    client.send(hb);
                    if (!heartbeat_pending) last_heard = now;
                    heartbeat_pending = true;
                } catch (const std::exception& e) {
                    why_down = e.what();
                }
            } else if (now >= next_rules) {
                next_rules = now + options_.rules_every;
                fetch_rules();
            }
        }
        online_ = false;
        client.close();
        if (!stop_ && storage_down && (storage_shared || servers_.size() == 1)) {
            // Every server of the event would say the same (they share the
            // database): no failover, the same server again after the backoff.
            announced_offline = true;
            emit(link_event::kind::offline, why_down);
            std::uniform_real_distribution<double> jitter(0.5, 1.5);
            const auto wait = std::chrono::milliseconds(
                static_cast<std::int64_t>(static_cast<double>(storage_backoff.count()) * jitter(random))
            );
            storage_backoff = std::min(storage_backoff * 2, options_.backoff_max);
            spdlog::log(
                storage_outage ? spdlog::level::debug : spdlog::level::warn,
                "{}; deciding offline, retrying the same server in {} ms{}", why_down, wait.count(),
                storage_shared ? " (its database is shared by every server: no failover)" : ""
            );
            storage_outage = true;
            if (wait_or_stop(wait)) break;
            continue;
        }
        if (!stop_) {
            announced_offline = true;
            emit(link_event::kind::offline, why_down);
            // A dropped server is left for the next one at once; with one server this
            // reconnects to it at once, as before.
            servers_.dropped();
            follow_rotation();
            why_left = why_down;
            if (servers_.size() > 1) {
                spdlog::warn(
                    "lost server {}: {}; failing over to {}", server.text(), why_down,
                    servers_.current().text()
                );
            } else {
                spdlog::warn("lost server {}: {}; reconnecting", server.text(), why_down);
            }
        }
    }
    online_ = false;
}

}  // namespace admit::scanner
