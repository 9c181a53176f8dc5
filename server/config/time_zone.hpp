#pragma once
// An event's IANA time zone, read from the OS tz database (Debian's tzdata,
// /usr/share/zoneinfo, through Howard Hinnant's date/tz built with
// USE_OS_TZDB) and turned into the core's plain offset table. This is the
// only place that reads the tz database: the core, engine, reports and
// kiosks use the table.
// Thread safety: the tz database is loaded once (thread-safe in date/tz).

#include <string>
#include <variant>

#include "core/local_clock.hpp"

namespace admit::config {

// The zone's offsets from `from` to `to` (the offset in force at `from`,
// then every change up to `to`), or a sentence saying why not (an unknown
// name, or no tz database on this machine).
std::variant<core::local_clock, std::string> zone_offsets(
    const std::string& name, core::time_point from, core::time_point to
);

}  // namespace admit::config
