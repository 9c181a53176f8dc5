#pragma once
// Report times: every time in a report is shown in the event's local time
// (event_config::zone, daylight saving included), as "2023-09-25 17:31:05" in CSV and as an Excel
// date-time serial in XLSX. Both are cut to whole seconds so the two formats
// agree to the second.
// Thread safety: pure functions.

#include <chrono>
#include <cstdint>
#include <string>

#include "core/event.hpp"

namespace admit::reports {

// A day in event-local time: days since 1970-01-01 (local calendar).
using local_day = std::int32_t;

local_day day_of(core::time_point t, const core::local_clock& zone);
// "2023-09-25"
std::string day_text(local_day day);
// The UTC instant of the local midnight that starts `day` (a day across a
// daylight-saving change is 23 or 25 hours long).
core::time_point day_start(local_day day, const core::local_clock& zone);
// "2023-09-25 17:31:05" in local time.
std::string local_text(core::time_point t, const core::local_clock& zone);
// Excel's serial date-time (days since 1899-12-30) of the local time.
double excel_serial(core::time_point t, const core::local_clock& zone);

}  // namespace admit::reports
