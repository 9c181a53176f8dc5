#pragma once
// The one computation behind every attendance report. It is fed the scan log
// one record at a time, in seq order, and replays it the way the server
// rebuilds occupancy (annulled records skipped, record.moved applied with the
// rule of core::presence::apply), so memory grows with the roster, the halls
// and the event's length, never with the number of scans. Per-scan tables
// (raw scans, conflicts, the entry/exit timeline) are written as they come;
// the rest once finish() is called.
//
// Every figure uses the moment at the door (scan::decided_at: device time
// for scans decided offline), because an offline replay that arrives an
// hour late still says when the person walked in. Occupancy over time and
// the peaks are replayed in that order too, at finish(): each movement is
// kept (its time, person and hall; a re-decision of a scan, kind
// redecision, replaces the movement of the scan it names) and the halls are
// counted from them sorted by read time, as the server's timelines
// (core/timeline.hpp) decide. That is the one part whose memory grows with
// the scans: 24 bytes per movement.
//
// Reports cover the event's days (event-local, from the first session's
// check-in to the last session's end), never the span of the log's
// timestamps: a kiosk with a wrong clock must not make a report of 76 years.
// A scan whose door time is outside those days counts at the time the server
// received it; when that is outside too, it is only listed in the scans
// table (flagged) and creates no day, bucket or chart point.
//
// Thread safety: none; one builder per export. No globals, so exports on
// several threads each use their own builder.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/event.hpp"
#include "core/roster.hpp"
#include "core/scan_record.hpp"
#include "reports/report_time.hpp"
#include "reports/table.hpp"
#include "store/scan_store.hpp"

namespace admit::reports {

// What the printable one-page summary of a day shows.
struct day_summary {
    local_day day = 0;
    std::int64_t registered = 0;
    std::int64_t attended = 0;  // people inside any hall that day
    std::int64_t entries = 0;
    std::int64_t refused = 0;
    std::int64_t manual = 0;
    std::int64_t annulled = 0;
    std::int64_t conflicts = 0;
    // Refused scans by reason code ("hall_full"), most first.
    std::vector<std::pair<std::string, std::int64_t>> refused_by_reason;
    struct session_line {
        std::string name;
        std::string hall;
        core::time_point start;
        core::time_point end;
        std::int64_t registered = 0;
        std::int64_t attended = 0;
        std::int64_t attended_registered = 0;
        std::int64_t checked_in = 0;  // admitted into the hall within the check-in window
    };
    std::vector<session_line> sessions;
    struct hall_curve {
        std::string name;
        int capacity = 0;
        int peak = 0;
        core::time_point peak_at{};
        // One point per 5-minute bucket: its start and the peak within it.
        std::vector<std::pair<core::time_point, int>> points;
    };
    std::vector<hall_curve> halls;
};

class report_builder {
public:
    static constexpr std::chrono::minutes bucket{5};

    report_builder(const core::event_config& event, std::vector<core::attendee> roster);

    // The tables, in workbook order (index = table_id).
    const std::vector<table_spec>& tables() const { return tables_; }

    // The server starts of the audit log (store::clock_runs_of), before add():
    // the scans and audit sheets say which clock each row's times are from.
    void set_clock_runs(std::vector<store::clock_run> runs) { clock_runs_ = std::move(runs); }
    // One record of the log, in seq order. Writes its raw-scan row (and its
    // conflict and timeline rows, if any) to out.
    void add(const core::scan_record& record, table_output& out);

    // Closes what is still open at the end of the log and writes every
    // summary table. `audit` is store::scan_store::audit_log(). Call once.
    void finish(std::span<const store::audit_entry> audit, table_output& out);

    // After finish(): one summary per day with sessions or scans, in order.
    const std::vector<day_summary>& day_summaries() const { return summaries_; }
    std::int64_t scans_seen() const { return scans_; }

private:
    using ms = std::int64_t;  // milliseconds, for compact per-person sums
    using time_point = core::time_point;
    static constexpr int nowhere = -1;
    static constexpr int no_move = -2;  // a kept movement a re-decision took back

    struct person_day {
        local_day day = 0;
        core::time_point first_in = core::time_point::max();
        core::time_point last_out = core::time_point::min();
        std::vector<ms> inside_ms;  // per hall
    };
    struct person_state {
        int hall = nowhere;
        core::time_point since{};
        std::vector<person_day> days;
    };
    struct session_visit {
        core::time_point first_entry = core::time_point::max();
        ms inside_ms = 0;
    };
    struct bucket_figures {
        std::int64_t bucket = 0;  // local minutes since epoch / 5
        int end = 0;
        int peak = 0;
    };
    struct hall_state {
        int inside = 0;
        int peak = 0;
        core::time_point peak_at{};
        std::vector<bucket_figures> buckets;  // touched buckets, ascending
        std::map<local_day, std::pair<int, core::time_point>> day_peaks;
    };
    struct day_counts {
        std::int64_t entries = 0;
        std::int64_t exits = 0;
        std::int64_t refused = 0;
        std::int64_t manual = 0;
        std::int64_t annulled = 0;
        std::int64_t conflicts = 0;
        std::map<std::string, std::int64_t> refused_by_reason;  // reason code -> scans
    };
    // A manual check-in/out or an annulled scan, for the audit sheet.
    struct staff_action {
        std::string_view clock;  // "real", "rehearsal" or "not recorded"
        core::time_point at{};
        std::string actor;
        std::string action;
        std::string subject;
        std::string attendee_id;
        std::string hall_id;
        std::string note;
    };

    std::string_view clock_of_seq(std::int64_t seq) const;
    std::string_view clock_of_audit(const store::audit_entry& e) const;
    bool in_event(time_point t) const { return t >= event_start_ && t < event_end_; }
    std::optional<time_point> report_time(const core::scan_record& r) const;
    time_point latest_report_time() const;
    std::uint32_t person_of(const std::string& attendee_id, const std::string& category);
    int hall_of(const std::string& hall_id);
    void move(const core::scan_record& r, std::optional<time_point> at, table_output& out);
    void close_interval(std::uint32_t p, int hall, core::time_point from, core::time_point to);
    person_day& day_entry(std::uint32_t p, local_day day);
    void count_occupancy(int hall, int delta, core::time_point at);
    void replay_occupancy_in_read_order();
    bool eligible(std::size_t session, const core::attendee& a) const;
    std::string_view hall_name(int hall) const;

    void write_scan_row(const core::scan_record& r, table_output& out);
    void note_checkin(std::uint32_t p, int hall, time_point at);
    void write_readme(table_output& out);
    void write_sessions(table_output& out);
    void write_groups(table_output& out, table_id table, bool by_city);
    void write_attendees(table_output& out);
    void write_attendee_days(table_output& out);
    void write_occupancy(table_output& out);
    void write_refusals(table_output& out);
    void write_audit(std::span<const store::audit_entry> audit, table_output& out);
    void write_days(table_output& out);

    const core::event_config& event_;
    const core::local_clock& zone_;
    std::vector<table_spec> tables_;
    // The event's days as UTC instants: [start of the first, end of the last).
    // Empty when the config has no sessions.
    time_point event_start_{};
    time_point event_end_{};

    std::vector<core::attendee> people_;  // roster first, then unknown ids seen in the log
    std::size_t registered_ = 0;          // people_[0, registered_) are the roster
    std::unordered_map<std::string, std::uint32_t> person_index_;
    std::vector<person_state> state_;

    std::vector<std::string> hall_ids_;  // config halls first, then unknown ids
    std::unordered_map<std::string, int> hall_index_;
    std::vector<hall_state> halls_;
    std::vector<std::vector<std::size_t>> sessions_of_hall_;
    std::vector<std::unordered_map<std::uint32_t, session_visit>> visits_;  // per session
    // Per session: person -> first admitted entry into its hall within its check-in window.
    std::vector<std::unordered_map<std::uint32_t, time_point>> checkins_;

    std::map<std::pair<std::string, std::string>, std::pair<std::string, std::int64_t>>
        refusals_;  // (reason, station) -> (hall, count)
    std::map<local_day, day_counts> day_counts_;
    std::vector<staff_action> manual_;
    std::unordered_map<std::string, staff_action> annulled_;  // by scan id

    // Movements for occupancy, replayed in read order at finish(). Kept in
    // log order (arrival), which a stable sort keeps for equal read times:
    // 16 bytes each, one per movement of the whole log.
    struct kept_movement {
        std::int64_t at_ms = 0;  // read time
        std::uint32_t person = 0;
        int hall = nowhere;      // where it put the person
    };
    std::vector<kept_movement> movements_;
    core::time_point horizon_ = core::time_point::min();  // latest report time in the log
    std::int64_t scans_ = 0;
    std::vector<day_summary> summaries_;
    // Filled by write_occupancy for the day summaries: hall -> day -> points.
    std::vector<std::map<local_day, std::vector<std::pair<core::time_point, int>>>> curves_;
    std::vector<store::clock_run> clock_runs_;
};

}  // namespace admit::reports
