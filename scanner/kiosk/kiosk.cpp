// One scan: store, send or decide, show. The outbox write always comes
// first, so whatever the screen showed is on disk and reaches the server.
#include "kiosk/kiosk.hpp"

#include <fmt/format.h>

#include <thread>

#include "kiosk/offline_judge.hpp"
#include "protocol/codec.hpp"

namespace admit::scanner {

namespace {

using steady = std::chrono::steady_clock;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()
    )
        .count();
}

double ms_since(steady::time_point t0) {
    return std::chrono::duration<double, std::milli>(steady::now() - t0).count();
}

std::string category_name(const protocol::station_rules* rules, const std::string& id) {
    if (rules != nullptr) {
        if (const auto* c = rules->event.find_category(id)) return c->name;
    }
    return id;
}

std::string hall_name(const protocol::station_rules* rules, const std::string& id) {
    if (rules != nullptr) {
        if (const auto* h = rules->event.find_hall(id)) return h->name;
    }
    return id;
}

}  // namespace

kiosk::kiosk(kiosk_options options, display& screen)
    : options_(std::move(options)),
      screen_(screen),
      outbox_(options_.link.state_dir, options_.link.station_id),
      link_(options_.link, outbox_, [this](const link_event& ev) { on_link(ev); }) {}

kiosk::~kiosk() {
    stop();
}

void kiosk::seed_rules(const std::string& rules_json) {
    std::string error;
    auto parsed = protocol::rules_from_json(rules_json, error);
    if (!parsed) throw std::runtime_error("the rules file is not usable: " + error);
    link_.seed_rules(
        std::make_shared<const protocol::station_rules>(std::move(*parsed)), rules_json
    );
}

void kiosk::start() {
    link_.start();
}
void kiosk::stop() {
    link_.stop();
}

std::optional<std::string> kiosk::role() const {
    if (const auto h = link_.hello(); h && !h->role.empty()) return h->role;
    if (const auto rules = link_.rules()) {
        if (const auto* st = rules->event.find_station(options_.link.station_id)) return core::role_text(st->role);
    }
    return std::nullopt;
}

std::optional<core::direction> kiosk::direction() const {
    if (options_.dir) return options_.dir;
    const auto r = role();
    if (r == "entrance") return core::direction::entry;
    if (r == "exit") return core::direction::exit;
    return std::nullopt;
}

bool kiosk::wait_online(std::chrono::milliseconds timeout) const {
    const auto deadline = steady::now() + timeout;
    while (!link_.online()) {
        if (steady::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

bool kiosk::drain(std::chrono::milliseconds timeout) {
    const auto deadline = steady::now() + timeout;
    while (outbox_.backlog() > 0) {
        if (steady::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

shown_scan kiosk::scan(const std::string& payload) {
    const auto t0 = steady::now();
    auto dir = direction();
    if (!dir) {
        screen_.note(
            "warning",
            "the scan direction is unknown (a \"both\" station, or no answer from the server "
            "yet); taken as entry; start the kiosk with --direction entry|exit"
        );
        dir = core::direction::entry;
    }
    const auto scan_id = outbox_.next_scan_id();
    const auto at = now_ms();

    if (link_.online()) {
        {
            std::lock_guard lock(mutex_);
            waiting_ = scan_id;
            answer_.reset();
            link_lost_ = false;
        }
        outbox_.add({0, scan_id, payload, *dir, at, false, std::nullopt, 0});
        link_.wake();
        std::optional<server_verdict> answer;
        {
            std::unique_lock lock(mutex_);
            // The door never waits long: the verdict budget, or less when the
            // link goes down meanwhile (the server could not store the scan).
            answered_.wait_for(lock, options_.link.verdict_budget, [this] {
                return answer_.has_value() || link_lost_;
            });
            answer = std::move(answer_);
            answer_.reset();
            waiting_.clear();
        }
        if (answer) {
            const auto rules = link_.rules();
            shown_scan s;
            s.scan_id = scan_id;
            s.result = answer->result;
            s.attendee_id = answer->attendee_id;
            s.name = answer->name;
            s.category = category_name(rules.get(), answer->category);
            const auto hello = link_.hello();
            s.hall_name = hello && hello->hall_id == answer->hall_id
                              ? hello->hall_name
                              : hall_name(rules.get(), answer->hall_id);
            s.inside = answer->inside;
            s.capacity = answer->capacity;
            s.offline = false;
            s.duplicate = answer->duplicate;
            s.latency_ms = ms_since(t0);
            s.backlog = outbox_.backlog();
            s.server = answer->server;
            screen_.scan(s);
            return s;
        }
        // No verdict within the budget, or the link went down: decide here; the
        // scan stays in the outbox and the server's verdict follows as a sync.
        auto s = decide_offline(scan_id, payload, *dir, at, true);
        s.latency_ms = ms_since(t0);
        screen_.scan(s);
        return s;
    }
    auto s = decide_offline(scan_id, payload, *dir, at, false);
    s.latency_ms = ms_since(t0);
    screen_.scan(s);
    return s;
}

shown_scan kiosk::decide_offline(
    const std::string& scan_id,
    const std::string& payload,
    core::direction dir,
    std::int64_t at_ms,
    bool already_stored
) {
    shown_scan s;
    s.scan_id = scan_id;
    s.offline = true;
    const auto rules = link_.rules();
    int delta = 0;
    if (!rules) {
        s.result = {
            false, core::reason::unknown_badge, false,
            "Offline and no rules on this kiosk yet; cannot check badges. Send to the help desk."};
    } else {
        const offline_judge judge(rules, options_.link.station_id, options_.margin);
        offline_memory memory;
        memory.last_inside = outbox_.last_inside().value_or(0);
        memory.pending_delta = outbox_.pending_hall_delta();
        memory.presence = outbox_.remembered_presence();
        const auto d = judge.decide(
            scan_id, payload, dir, core::time_point{std::chrono::milliseconds{at_ms}}, memory
        );
        s.result = d.record.result;
        s.attendee_id = d.record.attendee_id;
        s.name = d.name;
        s.category = d.category_name;
        s.hall_name = hall_name(rules.get(), judge.hall_id());
        s.inside = d.inside;
        s.capacity = d.capacity;
        delta = d.hall_delta;
        if (d.record.moved)
            outbox_.remember_presence(d.record.moved->attendee_id, d.record.moved->to_hall, at_ms);
    }
    if (!already_stored || !outbox_.mark_offline(scan_id, s.result, delta)) {
        if (!already_stored) outbox_.add({0, scan_id, payload, dir, at_ms, true, s.result, delta});
    }
    s.backlog = outbox_.backlog();
    return s;
}

void kiosk::on_link(const link_event& ev) {
    switch (ev.what) {
        case link_event::kind::online:
            screen_.link(true, ev.server, ev.detail, outbox_.backlog());
            return;
        case link_event::kind::offline: {
            {
                std::lock_guard lock(mutex_);
                if (!waiting_.empty()) {
                    link_lost_ = true;
                    answered_.notify_all();
                }
            }
            screen_.link(false, ev.server, ev.detail, outbox_.backlog());
            return;
        }
        case link_event::kind::rules:
            screen_.note("info", ev.detail);
            return;
        case link_event::kind::problem:
            screen_.note("warning", ev.detail);
            return;
        case link_event::kind::redecided: {
            const auto& r = *ev.redecision;
            screen_.redecided({r.scan_id(), r.shown().admitted(), r.verdict().admitted(),
                               std::string(core::reason_code(protocol::verdict_from_wire(r.verdict()).why)),
                               r.verdict().explanation(), r.because_scan_id(), r.conflict()});
            return;
        }
        case link_event::kind::dropped:
        case link_event::kind::held: {
            const auto id = ev.entry ? ev.entry->scan_id : std::string();
            const bool held = ev.what == link_event::kind::held;
            screen_.note(
                "error", held ? fmt::format("scan {} was not recorded and is kept for staff: {}", id, ev.detail)
                              : fmt::format("the server refused scan {} for good: {}", id, ev.detail)
            );
            std::lock_guard lock(mutex_);
            if (!id.empty() && id == waiting_) {
                server_verdict v;
                v.scan_id = id;
                v.result = {
                    false, core::reason::malformed_badge, false,
                    held ? "Not recorded: call staff (the scan is kept on this kiosk). " + ev.detail
                         : "The server could not take this scan: " + ev.detail};
                answer_ = std::move(v);
                answered_.notify_all();
            }
            return;
        }
        case link_event::kind::verdict:
            break;
    }
    const auto& v = *ev.verdict;
    // Remember who went in or out here, for offline anti-passback (after the
    // screen has its answer: this is one more disk write).
    auto remember = [&] {
        if (!ev.entry || v.attendee_id.empty()) return;
        const bool entry = ev.entry->dir == core::direction::entry;
        if (v.result.admitted) {
            outbox_.remember_presence(v.attendee_id, entry ? v.hall_id : "", now_ms());
        } else if (entry && v.result.why != core::reason::already_inside) {
            outbox_.remember_presence(v.attendee_id, "", now_ms());
        }
    };
    {
        std::unique_lock lock(mutex_);
        if (!waiting_.empty() && v.scan_id == waiting_) {
            answer_ = v;
            answered_.notify_all();
            lock.unlock();
            remember();
            return;
        }
    }
    // A replayed offline verdict the server overturned: correct what we remember.
    if (ev.entry && ev.entry->shown && ev.entry->shown->admitted != v.result.admitted) remember();
    synced_scan s;
    s.scan_id = v.scan_id;
    s.server_admitted = v.result.admitted;
    s.reason = std::string(core::reason_code(v.result.why));
    s.was_offline = ev.entry && ev.entry->offline;
    s.shown_admitted = ev.entry && ev.entry->shown && ev.entry->shown->admitted;
    s.conflict = ev.entry && ev.entry->shown && ev.entry->shown->admitted != v.result.admitted;
    s.backlog = outbox_.backlog();
    s.server = v.server;
    screen_.synced(s);
}

}  // namespace admit::scanner
