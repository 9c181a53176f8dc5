#pragma once
// How a scan record's enums and times are written in a store's columns, the
// same for SQLite and PostgreSQL (an export reads either the same way).
// Internal to admit_store. Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/scan_record.hpp"

namespace admit::store {

// Column order of every SELECT of scans, in both stores (their decode_scan() reads it).
inline constexpr const char* scan_columns =
    "seq, scan_id, kind, station_id, hall_id, attendee_id, category, payload, direction, "
    "device_time_ms, server_time_ms, offline, shown_admitted, shown_reason, shown_warning, "
    "shown_explanation, actor, note, admitted, reason, warning, explanation, moved_from, "
    "moved_to, moved, annulled, clock_skew, duplicate, redecides";

inline std::int64_t to_ms(core::time_point t) { return t.time_since_epoch().count(); }
inline core::time_point from_ms(std::int64_t ms) { return core::time_point{std::chrono::milliseconds{ms}}; }

const char* kind_code(core::scan_kind k);
const char* direction_code(core::direction d);
// reason_code() as a NUL-terminated string built once (binding it costs no copy).
// Throws store_error for a reason admit does not know.
const std::string& reason_text(core::reason r);

// The columns record_detail::movement reads, in the order of
// sqlite_store's decode_movement().
inline constexpr const char* movement_columns =
    "seq, kind, hall_id, attendee_id, direction, server_time_ms, admitted, moved_from, "
    "moved_to, moved, annulled, duplicate, device_time_ms, offline, clock_skew, reason, warning";

std::optional<core::scan_kind> kind_from_code(std::string_view k);
// Throw store_error naming the scan when a stored code is unknown.
core::scan_kind decode_kind(std::string_view k, const std::string& scan_id);
core::reason decode_reason(std::string_view text, const std::string& scan_id);

}  // namespace admit::store
