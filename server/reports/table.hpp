#pragma once
// The shape every report shares: a table with typed columns, written row by
// row to any number of outputs (CSV files, an XLSX workbook). The builder
// produces rows; writers decide how a type looks (a time is text in CSV and
// an Excel date-time in XLSX), so both formats carry the same figures.
// Thread safety: plain values; a table_output is used by one thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/event.hpp"

namespace admit::reports {

enum class column_type : std::uint8_t {
    text,
    integer,
    minutes,  // a duration in minutes, one decimal
    rate,     // a share 0..1 (a percentage in XLSX)
    time,     // a time, shown in event-local time
};

struct column {
    std::string name;
    column_type type = column_type::text;
    double width = 12;  // XLSX column width in characters
};

// Every report, in workbook order. The value is the index into table specs.
enum class table_id : std::uint8_t {
    readme,  // what the figures mean (definitions), first so it is read first
    days,
    day_categories,
    sessions,
    session_categories,
    session_attendance,
    session_no_shows,
    attendees,
    by_city,
    by_organisation,
    attendee_days,
    timeline,
    occupancy,
    hall_peaks,
    refusals,
    audit,
    scans,
    conflicts,
};
inline constexpr std::size_t table_count = 18;

struct table_spec {
    table_id id = table_id::readme;
    std::string name;  // CSV file stem and sheet name (at most 31 characters)
    std::string title;
    std::vector<column> columns;
};

// One value. Empty (monostate) is an empty cell. Strings are views: they
// need only live until row() returns, so the hot path copies nothing.
using cell = std::variant<std::monostate, std::string_view, std::int64_t, double, core::time_point>;

class table_output {
public:
    virtual ~table_output() = default;
    // cells.size() equals the table's column count.
    virtual void row(table_id table, std::span<const cell> cells) = 0;
};

// Sends every row to several outputs (CSV and XLSX in one pass over the log).
class fan_out final : public table_output {
public:
    void add(table_output& out) { outputs_.push_back(&out); }
    void row(table_id table, std::span<const cell> cells) override {
        for (auto* out : outputs_) out->row(table, cells);
    }

private:
    std::vector<table_output*> outputs_;
};

}  // namespace admit::reports
