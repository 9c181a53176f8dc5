#pragma once
// The one place that converts between Protobuf wire messages (proto/) and
// core types. The core never sees wire types; sessions never build core
// records by hand.
// Thread safety: free functions.

#include <optional>
#include <string>
#include <variant>

#include "admit/station.pb.h"
#include "core/decide.hpp"
#include "protocol/version.hpp"

namespace admit::protocol {

// A wire Scan checked and converted; `error` names the bad field when it is unusable.
struct decoded_scan {
    core::scan scan;
    std::string error;  // empty when fine
};

// server_time is when the frame arrived. The scan's station must be the
// authenticated station (checked here, so a kiosk cannot speak for another).
decoded_scan scan_from_wire(
    const wire::Scan& in,
    const std::string& authenticated_station,
    core::time_point server_time
);

struct verdict_facts {
    const core::scan_record& record;
    const std::string& attendee_name;
    int inside;
    int capacity;
    bool replayed;
};
// The record's duplicate flag goes out with it (Verdict.duplicate).
void verdict_to_wire(const verdict_facts& facts, wire::Verdict& out);

core::verdict verdict_from_wire(const wire::Verdict& in);
void verdict_to_wire(const core::verdict& v, wire::Verdict& out);

wire::Direction direction_to_wire(core::direction d);
std::optional<core::direction> direction_from_wire(wire::Direction d);

core::time_point time_from_ms(std::int64_t ms);
std::int64_t time_to_ms(core::time_point t);

}  // namespace admit::protocol
