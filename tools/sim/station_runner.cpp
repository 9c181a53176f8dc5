#include "sim/station_runner.hpp"

#include <algorithm>
#include <exception>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "protocol/version.hpp"
#include "core/decide.hpp"

namespace admit::sim {

namespace {

constexpr std::chrono::milliseconds verdict_timeout{5000};
constexpr std::chrono::milliseconds backoff_first{200};
constexpr std::chrono::milliseconds backoff_max{5000};
// Short enough that a signal ends the run promptly.
constexpr std::chrono::milliseconds poll_step{200};
// Share of an entrance's turns that still scan while its hall is not open.
constexpr double early_bird_share = 0.05;

std::int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()
    )
        .count();
}

}  // namespace

station_runner::station_runner(
    const core::event_config& event,
    const core::station& station,
    std::string token,
    std::string run_id,
    const server_address& server,
    crowd& people,
    pacer& pace,
    tally& counts,
    run_control& control,
    std::uint64_t seed
)
    : event_(event),
      station_(station),
      token_(std::move(token)),
      run_id_(std::move(run_id)),
      server_(server),
      crowd_(people),
      pacer_(pace),
      tally_(counts),
      control_(control),
      rng_(seed) {}

bool station_runner::run() {
    std::optional<planned_scan> previous;
    int idle_turns = 0;
    while (!control_.over() && control_.budget_left()) {
        if (!linked_ && !open_link()) break;
        heartbeat_if_due();
        // A closed hall's entrance sees only the odd early bird.
        if (station_.role != core::station_role::exit && !hall_open_now() &&
            !std::bernoulli_distribution(early_bird_share)(rng_)) {
            idle_until(clock::now() + std::chrono::milliseconds(500));
            continue;
        }
        auto scan = crowd_.next(station_, previous ? &*previous : nullptr, rng_);
        if (!scan) {
            // Say so once, or a small crowd that is all inside looks like a hang.
            if (++idle_turns == 20 && station_.role != core::station_role::exit) {
                spdlog::info(
                    "{}: nobody left to come in (all inside or at other stations); waiting",
                    station_.id
                );
            }
            idle_until(clock::now() + std::chrono::milliseconds(500));
            continue;
        }
        idle_turns = 0;
        // Not a stop: scans already claimed by other stations still go out.
        if (!control_.claim_scan()) {
            crowd_.settle(*scan, station_.hall_id, nullptr);
            break;
        }
        idle_until(pacer_.take());
        if (control_.over()) {
            crowd_.settle(*scan, station_.hall_id, nullptr);
            break;
        }
        scan_once(*scan);
        previous = std::move(scan);
    }
    client_.close();
    return !refused_;
}

bool station_runner::open_link() {
    int attempts = 0;
    while (!control_.over()) {
        ++attempts;
        try {
            client_.connect(server_.host, server_.port);
            if (try_hello()) {
                if (ever_linked_) {
                    tally_.count_reconnect();
                    spdlog::info("{}: reconnected (attempt {})", station_.id, attempts);
                }
                ever_linked_ = true;
                linked_ = true;
                backoff_ = backoff_first;
                return true;
            }
            if (refused_) return false;
        } catch (const std::exception& e) {
            // The first failure of an outage is news; the retries are not.
            if (attempts == 1) {
                spdlog::warn(
                    "{}: {}; retrying with backoff up to {} s", station_.id, e.what(),
                    backoff_max.count() / 1000
                );
            } else {
                spdlog::debug("{}: attempt {}: {}", station_.id, attempts, e.what());
            }
        }
        client_.close();
        idle_until(clock::now() + backoff_);
        backoff_ = std::min(backoff_ * 2, backoff_max);
    }
    return false;
}

bool station_runner::try_hello() {
    wire::StationMessage message;
    auto* hello = message.mutable_hello();
    hello->set_protocol_version(protocol::protocol_version);
    hello->set_station_id(station_.id);
    hello->set_token(token_);
    hello->set_software_version("admit-sim/0.1");
    client_.send(message);
    const auto deadline = clock::now() + verdict_timeout;
    while (clock::now() < deadline) {
        const auto reply =
            client_.receive(std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()));
        if (!reply) break;
        if (reply->has_hello_ack()) {
            const auto& ack = reply->hello_ack();
            note_server_time(ack.server_time_ms());
            next_heartbeat_ = clock::now() + control_.heartbeat_every;
            if (!ever_linked_) {
                spdlog::info(
                    "{}: connected to {}:{} ({} of {}, {}/{} inside)", station_.id, server_.host,
                    server_.port, ack.role(), ack.hall_name(), ack.inside(), ack.capacity()
                );
            }
            if (ack.role() != core::role_text(station_.role)) {
                spdlog::warn(
                    "{}: the server says role \"{}\", the config here says \"{}\"; is "
                    "this the server's config?",
                    station_.id, ack.role(), core::role_text(station_.role)
                );
            }
            return true;
        }
        if (reply->has_error()) {
            const auto& error = reply->error();
            if (error.code() == wire::Error::BAD_TOKEN ||
                error.code() == wire::Error::UNSUPPORTED_VERSION) {
                spdlog::error(
                    "{}: hello refused: {} (the token sent comes from the config's "
                    "[[stations]] token, --station-token or --station-token-file)",
                    station_.id, error.message()
                );
                refused_ = true;
                return false;
            }
            throw std::runtime_error(fmt::format(
                "hello answered with {}: {}", wire::Error::Code_Name(error.code()), error.message()
            ));
        }
    }
    throw std::runtime_error(fmt::format(
        "no answer to hello within {} s ({})", verdict_timeout.count() / 1000,
        client_.is_open() ? "link open" : client_.close_reason()
    ));
}

void station_runner::scan_once(const planned_scan& scan) {
    wire::StationMessage message;
    auto* s = message.mutable_scan();
    s->set_scan_id(fmt::format("{}-{}-{}", station_.id, run_id_, ++counter_));
    s->set_station_id(station_.id);
    s->set_payload(scan.payload);
    s->set_direction(scan.direction == core::direction::exit ? wire::EXIT : wire::ENTRY);
    s->set_device_time_ms(device_now_ms());
    s->set_seq(counter_);
    const std::string& id = s->scan_id();

    scan_outcome outcome;
    outcome.station_id = station_.id;
    outcome.scan_id = id;
    outcome.scan = &scan;
    outcome.sends = 0;
    std::optional<wire::Verdict> verdict;
    std::chrono::milliseconds pause =
        backoff_first;  // after "storage unavailable" or "rate limited"
    const auto first_send = clock::now();

    while (!verdict && outcome.problem.empty()) {
        if (!linked_ && !open_link()) {
            outcome.problem = refused_ ? "station token refused" : "link down when the run ended";
            break;
        }
        try {
            client_.send(message);
            ++outcome.sends;
        } catch (const std::exception& e) {
            drop_link(e.what());
            continue;
        }
        const auto deadline = clock::now() + verdict_timeout;
        bool resend = false;
        while (linked_ && !verdict && !resend && outcome.problem.empty()) {
            if (clock::now() >= deadline) {
                tally_.count_timeout();
                drop_link(
                    fmt::format("no verdict for {} within {} s", id, verdict_timeout.count() / 1000)
                );
                break;
            }
            std::optional<wire::ServerMessage> reply;
            try {
                reply = client_.receive(
                    std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now())
                );
            } catch (const std::exception& e) {
                drop_link(e.what());
                break;
            }
            if (!reply) {
                if (!client_.is_open()) drop_link(client_.close_reason());
                continue;
            }
            if (reply->has_verdict() && reply->verdict().scan_id() == id) {
                verdict = reply->verdict();
            } else if (reply->has_verdicts()) {
                for (const auto& v : reply->verdicts().verdicts()) {
                    if (v.scan_id() == id) verdict = v;
                }
            } else if (reply->has_error()) {
                const auto& error = reply->error();
                if (!error.scan_id().empty() && error.scan_id() != id) continue;
                switch (error.code()) {
                    case wire::Error::STORAGE_UNAVAILABLE:
                    case wire::Error::RATE_LIMITED:
                        // The server kept nothing: wait and send the same scan again.
                        spdlog::warn(
                            "{}: {} ({}); resending {} in {} ms", station_.id,
                            wire::Error::Code_Name(error.code()), error.message(), id, pause.count()
                        );
                        idle_until(clock::now() + pause);
                        pause = std::min(pause * 2, backoff_max);
                        if (control_.over()) {
                            outcome.problem = fmt::format(
                                "{} when the run ended", wire::Error::Code_Name(error.code())
                            );
                        }
                        resend = true;
                        break;
                    case wire::Error::NOT_AUTHENTICATED:
                        drop_link(fmt::format("server says not authenticated: {}", error.message())
                        );
                        break;
                    default:
                        if (error.scan_id() == id) {
                            outcome.problem = fmt::format(
                                "server error {}: {}", wire::Error::Code_Name(error.code()),
                                error.message()
                            );
                        } else {
                            spdlog::warn(
                                "{}: server error {}: {}", station_.id,
                                wire::Error::Code_Name(error.code()), error.message()
                            );
                        }
                }
            }
            if (reply->has_heartbeat()) note_server_time(reply->heartbeat().time_ms());
            // Anything else (late verdicts of earlier scans) is not for us.
        }
    }
    outcome.latency =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - first_send);
    outcome.verdict = verdict ? &*verdict : nullptr;
    crowd_.settle(scan, station_.hall_id, outcome.verdict);
    tally_.record(outcome);
}

void station_runner::idle_until(clock::time_point when) {
    while (!control_.over()) {
        const auto now = clock::now();
        if (now >= when) return;
        const auto step =
            std::min(std::chrono::ceil<std::chrono::milliseconds>(when - now), poll_step);
        if (!linked_) {
            std::this_thread::sleep_for(step);
            continue;
        }
        try {
            heartbeat_if_due();
            // Reading keeps the WebSocket answering the server's pings.
            const auto reply = client_.receive(step);
            if (reply && reply->has_heartbeat()) note_server_time(reply->heartbeat().time_ms());
        } catch (const std::exception& e) {
            drop_link(e.what());
            continue;
        }
        if (!client_.is_open()) drop_link(client_.close_reason());
    }
}

void station_runner::heartbeat_if_due() {
    if (!linked_ || clock::now() < next_heartbeat_) return;
    next_heartbeat_ = clock::now() + control_.heartbeat_every;
    wire::StationMessage message;
    auto* beat = message.mutable_heartbeat();
    beat->set_time_ms(device_now_ms());
    beat->set_outbox_backlog(0);  // one scan at a time, answered before the next
    try {
        client_.send(message);
    } catch (const std::exception& e) {
        drop_link(e.what());
    }
}

void station_runner::note_server_time(std::int64_t server_ms) {
    if (server_ms <= 0) return;
    server_ms_ = server_ms;
    server_ms_at_ = clock::now();
}

std::int64_t station_runner::device_now_ms() const {
    if (server_ms_ == 0) return unix_ms_now();
    // A kiosk's clock is set to the event's (NTP); under a rehearsal clock that is the server's.
    return server_ms_ + std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - server_ms_at_).count();
}

bool station_runner::hall_open_now() const {
    if (server_ms_ == 0) return true;
    // Between two heartbeats the server's clock is taken to run at real speed;
    // a rehearsal clock runs faster, and the next heartbeat corrects it.
    const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - server_ms_at_);
    const core::time_point now{std::chrono::milliseconds(server_ms_) + since};
    return core::current_session(event_, station_.hall_id, now) != nullptr;
}

void station_runner::drop_link(const std::string& why) {
    if (linked_) spdlog::warn("{}: link lost ({}); reconnecting", station_.id, why);
    linked_ = false;
    client_.close();
}

}  // namespace admit::sim
