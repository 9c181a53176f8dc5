#include "protocol/codec.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace admit::protocol {

namespace {
constexpr std::size_t max_payload = 1024;  // a badge token is ~130 bytes
constexpr std::size_t max_scan_id = 128;
}  // namespace

core::time_point time_from_ms(std::int64_t ms) { return core::time_point{std::chrono::milliseconds{ms}}; }
std::int64_t time_to_ms(core::time_point t) { return t.time_since_epoch().count(); }

wire::Direction direction_to_wire(core::direction d) {
    return d == core::direction::entry ? wire::ENTRY : wire::EXIT;
}

std::optional<core::direction> direction_from_wire(wire::Direction d) {
    switch (d) {
        case wire::ENTRY: return core::direction::entry;
        case wire::EXIT: return core::direction::exit;
        default: return std::nullopt;
    }
}

core::verdict verdict_from_wire(const wire::Verdict& in) {
    core::verdict v;
    v.admitted = in.admitted();
    const auto code = static_cast<int>(in.reason());
    v.why = (code >= 1 && code <= core::reason_max) ? static_cast<core::reason>(code) : core::reason::ok;
    v.warning = in.warning();
    v.explanation = in.explanation().substr(0, 256);
    return v;
}

void verdict_to_wire(const core::verdict& v, wire::Verdict& out) {
    out.set_admitted(v.admitted);
    out.set_reason(static_cast<wire::Reason>(static_cast<int>(v.why)));
    out.set_warning(v.warning);
    out.set_explanation(v.explanation);
}

decoded_scan scan_from_wire(
    const wire::Scan& in,
    const std::string& authenticated_station,
    core::time_point server_time
) {
    decoded_scan out;
    auto fail = [&](std::string why) {
        out.error = fmt::format("scan \"{}\": {}", in.scan_id().substr(0, max_scan_id), why);
        return out;
    };
    if (in.scan_id().empty()) return fail("scan_id is empty; every scan needs a unique id");
    if (in.scan_id().size() > max_scan_id)
        return fail(fmt::format("scan_id is longer than {} bytes", max_scan_id));
    // Ids are matched byte for byte across stores and logs: no control characters (NUL included).
    if (std::any_of(in.scan_id().begin(), in.scan_id().end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
        return fail("scan_id contains a control character");
    if (!in.station_id().empty() && in.station_id() != authenticated_station)
        return fail(fmt::format(
            "station_id \"{}\" is not this connection's station \"{}\"",
            in.station_id().substr(0, 64), authenticated_station
        ));
    const auto dir = direction_from_wire(in.direction());
    if (!dir) return fail("direction must be ENTRY or EXIT");
    if (in.payload().size() > max_payload)
        return fail(fmt::format("payload is longer than {} bytes", max_payload));

    auto& s = out.scan;
    s.scan_id = in.scan_id();
    s.kind = core::scan_kind::badge;
    s.station_id = authenticated_station;
    s.payload = in.payload();
    s.dir = *dir;
    s.server_time = server_time;
    // A kiosk without a clock reading is judged at the server's time.
    s.has_device_time = in.device_time_ms() > 0;
    s.device_time = s.has_device_time ? time_from_ms(in.device_time_ms()) : server_time;
    s.offline = in.offline();
    if (in.has_shown()) s.shown = verdict_from_wire(in.shown());
    return out;
}

void verdict_to_wire(const verdict_facts& facts, wire::Verdict& out) {
    const auto& r = facts.record;
    out.set_scan_id(r.scan_id);
    verdict_to_wire(r.result, out);
    out.set_attendee_id(r.attendee_id);
    out.set_attendee_name(facts.attendee_name);
    out.set_category(r.category);
    out.set_hall_id(r.hall_id);
    out.set_inside(facts.inside);
    out.set_capacity(facts.capacity);
    out.set_replayed(facts.replayed);
    out.set_duplicate(r.duplicate);
    out.set_server_time_ms(time_to_ms(r.server_time));
}

}  // namespace admit::protocol
