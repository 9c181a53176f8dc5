// The replay behind the reports. Per record the work is a few hash look-ups
// and one row per streamed table; everything kept is per person, per hall,
// per session or per 5-minute bucket, so a million scans cost seconds and a
// few megabytes.
#include "reports/report_builder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <set>

#include "core/verdict.hpp"

namespace admit::reports {
namespace {

using namespace std::chrono;

column text(std::string name, double width = 14) {
    return {std::move(name), column_type::text, width};
}
column integer(std::string name, double width = 10) {
    return {std::move(name), column_type::integer, width};
}
column time_col(std::string name) {
    return {std::move(name), column_type::time, 19};
}
column minutes_col(std::string name) {
    return {std::move(name), column_type::minutes, 12};
}
column rate_col(std::string name) {
    return {std::move(name), column_type::rate, 14};
}

std::vector<table_spec> make_tables(const core::event_config& event) {
    std::vector<column> day_hall_columns;
    for (const auto& h : event.halls) {
        day_hall_columns.push_back(minutes_col("minutes_" + h.id));
    }
    day_hall_columns.push_back(minutes_col("total_minutes"));
    auto person_columns = [] {
        return std::vector<column>{
            text("attendee_id", 14), text("name", 18), text("category", 10),
            text("organisation", 26), text("city", 14)};
    };
    auto with = [](std::vector<column> a, const std::vector<column>& b) {
        a.insert(a.end(), b.begin(), b.end());
        return a;
    };

    std::vector<table_spec> t(table_count);
    auto set = [&](table_id id, std::string name, std::string title, std::vector<column> cols) {
        t[static_cast<std::size_t>(id)] =
            table_spec{id, std::move(name), std::move(title), std::move(cols)};
    };
    set(table_id::readme, "README", "What the figures mean",
        {text("topic", 24), text("meaning", 120)});
    set(table_id::days, "days", "Attendance per day",
        {text("day", 11), integer("registered"), integer("attended"), rate_col("attendance_rate"),
         integer("entries"), integer("exits"), integer("refused"), integer("manual"),
         integer("annulled"), integer("conflicts"), integer("sessions"),
         integer("session_attendances", 12)});
    set(table_id::day_categories, "day_categories", "Attendance per day and category",
        {text("day", 11), text("category"), integer("registered"), integer("attended"),
         rate_col("attendance_rate")});
    set(table_id::sessions, "sessions", "Attendance per session",
        {text("session_id", 22), text("session", 40), text("hall_id", 24), time_col("start"),
         time_col("end"), integer("registered"), integer("attended"), integer("no_shows"),
         rate_col("attendance_rate"), integer("checked_in")});
    set(table_id::session_categories, "session_categories", "Attendance per session and category",
        {text("session_id", 22), text("category"), integer("registered"), integer("attended"),
         integer("no_shows"), rate_col("attendance_rate")});
    set(table_id::session_attendance, "session_attendance", "Who attended each session",
        with(
            with({text("session_id", 22)}, person_columns()),
            {time_col("first_entry"), minutes_col("minutes_inside"), text("registered", 10),
             text("attended", 9), time_col("checked_in_at")}
        ));
    set(table_id::session_no_shows, "session_no_shows", "Registered but not seen, per session",
        with({text("session_id", 22)}, person_columns()));
    set(table_id::by_city, "by_city", "Attendance per city and session",
        {text("city", 18), text("session_id", 22), integer("registered"), integer("attended"),
         rate_col("attendance_rate")});
    set(table_id::by_organisation, "by_organisation", "Attendance per organisation and session",
        {text("organisation", 30), text("session_id", 22), integer("registered"),
         integer("attended"), rate_col("attendance_rate")});
    set(table_id::attendees, "attendees", "Per attendee: days, first in, last out, time per hall",
        with(
            with(
                person_columns(),
                {integer("days_present"), time_col("first_in"), time_col("last_out")}
            ),
            day_hall_columns
        ));
    set(table_id::attendee_days, "attendee_days", "Per attendee and day",
        with(
            with(person_columns(), {text("day", 11), time_col("first_in"), time_col("last_out")}),
            day_hall_columns
        ));
    set(table_id::timeline, "timeline", "Every entry and exit, in log order",
        {text("attendee_id", 14), text("name", 18), time_col("time"), text("direction", 9),
         text("hall_id", 24), text("station_id", 16), text("kind", 8), text("how", 28),
         integer("seq"), text("offline", 8)});
    set(table_id::occupancy, "occupancy", "Occupancy per hall in 5-minute buckets",
        {text("hall_id", 24), time_col("bucket_start"), time_col("bucket_end"),
         integer("inside_at_end", 13), integer("peak_in_bucket", 14)});
    set(table_id::hall_peaks, "hall_peaks", "Each hall's peak per day",
        {text("hall_id", 24), text("hall", 24), integer("capacity"), text("day", 11),
         integer("peak"), time_col("peak_at")});
    set(table_id::refusals, "refusals", "Refusals by reason and station",
        {text("reason", 20), text("station_id", 16), text("hall_id", 24), integer("count")});
    set(table_id::audit, "audit", "Manual check-ins, annulled scans and staff actions",
        {time_col("time"), text("actor", 18), text("action", 16), text("subject", 20),
         text("attendee_id", 14), text("name", 18), text("hall_id", 24), text("note", 30),
         text("clock", 12)});
    const std::vector<column> scan_columns{integer("seq"),           text("scan_id", 20),
                                           text("kind", 8),          time_col("device_time"),
                                           time_col("server_time"),  text("station_id", 16),
                                           text("hall_id", 24),      text("attendee_id", 14),
                                           text("name", 18),         text("category", 10),
                                           text("direction", 9),     text("verdict", 9),
                                           text("reason", 20),       text("warning", 8),
                                           text("offline", 8),       text("shown_verdict", 13),
                                           text("shown_reason", 20), text("annulled", 9),
                                           text("actor", 14),        text("note", 24),
                                           text("outside_event_days", 18), text("duplicate", 9),
                                           text("redecides", 20), text("clock", 12)};
    set(table_id::scans, "scans", "Every scan in the log", scan_columns);
    set(table_id::conflicts, "conflicts",
        "Scans the door showed one way and the server decided the other: decided offline, or decided "
        "again in read order (scan id redecision:SCAN:LATE)",
        {integer("seq"), text("scan_id", 20), time_col("device_time"), time_col("server_time"),
         text("station_id", 16), text("hall_id", 24), text("attendee_id", 14), text("name", 18),
         text("direction", 9), text("shown_verdict", 13), text("shown_reason", 20),
         text("verdict", 9), text("reason", 20), text("annulled", 9)});
    return t;
}

// The moment at the door, as core::scan::decided_at: device time when decided
// offline by a kiosk whose clock is trusted.
core::time_point door_time(const core::scan_record& r) { return r.read_time(); }

std::string_view kind_text(core::scan_kind k) {
    switch (k) {
        case core::scan_kind::badge:
            return "badge";
        case core::scan_kind::manual:
            return "manual";
        case core::scan_kind::clear:
            return "clear";
        case core::scan_kind::redecision:
            return "redecision";
    }
    return "badge";
}
std::string_view dir_text(core::direction d) {
    return d == core::direction::entry ? "entry" : "exit";
}
std::string_view verdict_text(bool admitted) {
    return admitted ? "admitted" : "refused";
}
std::string_view yes(bool b) {
    return b ? "yes" : "";
}

cell time_or_empty(core::time_point t) {
    if (t == core::time_point::max() || t == core::time_point::min()) return {};
    return t;
}
cell rate_of(std::int64_t part, std::int64_t whole) {
    if (whole <= 0) return {};
    return static_cast<double>(part) / static_cast<double>(whole);
}
double minutes_of(std::int64_t ms) {
    return static_cast<double>(ms) / 60000.0;
}
std::int64_t ms_of(core::time_point::duration d) {
    return d.count();
}

// UTC minutes since the epoch / 5, for bucketing. UTC, not local, so buckets
// stay in time order through the hour that repeats in autumn; every zone's
// offset in use today is a multiple of 5 minutes, so they start on the local 5.
std::int64_t bucket_of(core::time_point t) {
    const auto utc = floor<minutes>(t).time_since_epoch().count();
    const auto size = report_builder::bucket.count();
    return utc >= 0 ? utc / size : (utc - size + 1) / size;
}
core::time_point bucket_start(std::int64_t bucket) {
    return core::time_point{minutes{bucket * report_builder::bucket.count()}};
}

template <std::size_t N>
void emit(table_output& out, table_id id, const std::array<cell, N>& cells) {
    out.row(id, std::span<const cell>(cells.data(), cells.size()));
}

}  // namespace

report_builder::report_builder(const core::event_config& event, std::vector<core::attendee> roster)
    : event_(event),
      zone_(event_.zone),
      tables_(make_tables(event)),
      people_(std::move(roster)) {
    if (!event_.sessions.empty()) {
        auto first = core::time_point::max();
        auto last = core::time_point::min();
        for (const auto& s : event_.sessions) {
            first = std::min(first, s.start - s.checkin_before);
            last = std::max(last, s.end);
        }
        event_start_ = day_start(day_of(first, zone_), zone_);
        event_end_ = day_start(day_of(last, zone_) + 1, zone_);
    }
    // Sorted by id so every per-person table comes out in a stable order.
    std::sort(people_.begin(), people_.end(), [](const auto& a, const auto& b) {
        return a.id < b.id;
    });
    registered_ = people_.size();
    person_index_.reserve(people_.size());
    for (std::uint32_t i = 0; i < people_.size(); ++i) {
        person_index_.emplace(people_[i].id, i);
    }
    state_.resize(people_.size());
    for (const auto& h : event_.halls) {
        hall_of(h.id);
    }
    visits_.resize(event_.sessions.size());
    checkins_.resize(event_.sessions.size());
    for (std::size_t s = 0; s < event_.sessions.size(); ++s) {
        sessions_of_hall_[static_cast<std::size_t>(hall_of(event_.sessions[s].hall_id))].push_back(s
        );
    }
}

std::uint32_t report_builder::person_of(
    const std::string& attendee_id, const std::string& category
) {
    const auto it = person_index_.find(attendee_id);
    if (it != person_index_.end()) return it->second;
    // Someone moved who is not in the roster (removed since, or forced in by
    // staff): they still count in occupancy and appear with what the log says.
    const auto p = static_cast<std::uint32_t>(people_.size());
    core::attendee a;
    a.id = attendee_id;
    a.category = category;
    people_.push_back(std::move(a));
    state_.emplace_back();
    person_index_.emplace(attendee_id, p);
    return p;
}

int report_builder::hall_of(const std::string& hall_id) {
    const auto it = hall_index_.find(hall_id);
    if (it != hall_index_.end()) return it->second;
    const auto h = static_cast<int>(hall_ids_.size());
    hall_ids_.push_back(hall_id);
    hall_index_.emplace(hall_id, h);
    halls_.emplace_back();
    sessions_of_hall_.emplace_back();
    return h;
}

std::string_view report_builder::hall_name(int hall) const {
    const auto* h = event_.find_hall(hall_ids_[static_cast<std::size_t>(hall)]);
    return h != nullptr ? std::string_view(h->name)
                        : std::string_view(hall_ids_[static_cast<std::size_t>(hall)]);
}

bool report_builder::eligible(std::size_t session, const core::attendee& a) const {
    const auto& cats = event_.sessions[session].categories;
    return cats.empty() || std::find(cats.begin(), cats.end(), a.category) != cats.end();
}

report_builder::person_day& report_builder::day_entry(std::uint32_t p, local_day day) {
    auto& days = state_[p].days;
    // Few days per person: a linear search in a short sorted vector.
    auto it = std::lower_bound(days.begin(), days.end(), day, [](const person_day& d, local_day v) {
        return d.day < v;
    });
    if (it == days.end() || it->day != day) {
        person_day d;
        d.day = day;
        it = days.insert(it, std::move(d));
    }
    if (it->inside_ms.size() < hall_ids_.size()) it->inside_ms.resize(hall_ids_.size(), 0);
    return *it;
}

std::optional<core::time_point> report_builder::report_time(const core::scan_record& r) const {
    // A door time outside the event's days comes from a kiosk's wrong clock;
    // the server's receipt is then the best time known.
    if (in_event(door_time(r))) return door_time(r);
    if (in_event(r.server_time)) return r.server_time;
    return std::nullopt;
}

core::time_point report_builder::latest_report_time() const {
    // For a scan with no time of its own: the latest moment the log vouches for.
    if (event_end_ <= event_start_) return event_start_;
    return std::clamp(horizon_, event_start_, event_end_ - milliseconds{1});
}

void report_builder::add(const core::scan_record& r, table_output& out) {
    ++scans_;
    const auto at = report_time(r);
    if (at) horizon_ = std::max(horizon_, *at);
    write_scan_row(r, out);

    day_counts nowhere_counted;  // a scan with no time in the event counts on no day
    auto& counts = at ? day_counts_[day_of(*at, zone_)] : nowhere_counted;
    if (r.conflicts()) {
        ++counts.conflicts;
        const auto seq = r.seq;
        const std::string_view name = [&] {
            const auto it = person_index_.find(r.attendee_id);
            return it == person_index_.end() ? std::string_view{}
                                             : std::string_view(people_[it->second].name);
        }();
        emit<14>(
            out, table_id::conflicts,
            {seq, r.scan_id, r.device_time, r.server_time, r.station_id, r.hall_id, r.attendee_id,
             name, dir_text(r.dir), verdict_text(r.shown->admitted),
             core::reason_code(r.shown->why), verdict_text(r.result.admitted),
             core::reason_code(r.result.why), yes(r.annulled)}
        );
    }
    if (r.kind == core::scan_kind::manual) {
        ++counts.manual;
        manual_.push_back(staff_action{
            clock_of_seq(r.seq), r.server_time, r.actor,
            r.dir == core::direction::entry ? "manual entry" : "manual exit", r.scan_id,
            r.attendee_id, r.hall_id, r.note});
    }
    if (r.annulled) {
        // Kept for the audit sheet; like the server's rebuild, it changes nothing else.
        ++counts.annulled;
        annulled_.emplace(
            r.scan_id,
            staff_action{clock_of_seq(r.seq), r.server_time, "", "annulled", r.scan_id, r.attendee_id, r.hall_id,
                         r.note}
        );
        return;
    }
    // A duplicate read and a re-decision of a logged scan are not refusals of their own.
    if (!r.result.admitted && !r.duplicate && r.kind != core::scan_kind::redecision) {
        ++counts.refused;
        ++counts.refused_by_reason[std::string(core::reason_code(r.result.why))];
        auto& slot = refusals_[{
            std::string(core::reason_code(r.result.why)),
            r.station_id.empty() ? std::string("(help desk)") : r.station_id}];
        slot.first = r.hall_id;
        ++slot.second;
    }
    if (r.kind == core::scan_kind::redecision) {
        // A new decision of a logged scan read at its device time: it replaces
        // that scan's movement in read order (reapplied ones change nothing).
        const auto p = person_of(r.attendee_id, r.category);
        const int to = r.moved && !r.moved->to_hall.empty() ? hall_of(r.moved->to_hall) : nowhere;
        const auto at_ms = r.device_time.time_since_epoch().count();
        auto it = std::find_if(movements_.rbegin(), movements_.rend(), [&](const kept_movement& m) {
            return m.person == p && m.at_ms == at_ms;
        });
        if (it != movements_.rend()) {
            it->hall = r.moved ? to : no_move;
        } else if (r.moved) {
            movements_.push_back({at_ms, p, to});
        }
    }
    if (r.moved) move(r, at, out);
}

void report_builder::write_scan_row(const core::scan_record& r, table_output& out) {
    std::string_view name;
    if (!r.attendee_id.empty()) {
        const auto it = person_index_.find(r.attendee_id);
        if (it != person_index_.end()) name = people_[it->second].name;
    }
    const bool shown = r.shown.has_value();
    emit<24>(
        out, table_id::scans,
        {r.seq,
         r.scan_id,
         kind_text(r.kind),
         r.device_time,
         r.server_time,
         r.station_id,
         r.hall_id,
         r.attendee_id,
         name,
         r.category,
         dir_text(r.dir),
         verdict_text(r.result.admitted),
         core::reason_code(r.result.why),
         yes(r.result.warning),
         std::string_view(r.offline ? "yes" : "no"),
         shown ? cell{verdict_text(r.shown->admitted)} : cell{},
         shown ? cell{core::reason_code(r.shown->why)} : cell{},
         yes(r.annulled),
         r.actor,
         r.note,
         yes(!in_event(door_time(r))),
         yes(r.duplicate),
         r.redecides,
         clock_of_seq(r.seq)}
    );
}

// Rehearsal and real times can share a log (a rehearsal the day before, on
// the same data directory): each row says which clock its times are from.
std::string_view report_builder::clock_of_seq(std::int64_t seq) const {
    const store::clock_run* found = nullptr;
    for (const auto& run : clock_runs_)
        if (run.first_seq <= seq && (found == nullptr || run.first_seq >= found->first_seq)) found = &run;
    if (found == nullptr) return "not recorded";
    return found->rehearsal ? "rehearsal" : "real";
}

std::string_view report_builder::clock_of_audit(const store::audit_entry& e) const {
    if (e.actor.starts_with("admit-cli:")) return "real";  // the admin tool reads the system clock
    const store::clock_run* found = nullptr;
    for (const auto& run : clock_runs_)
        if (run.audit_id <= e.id && (found == nullptr || run.audit_id >= found->audit_id)) found = &run;
    if (found == nullptr) return "not recorded";
    return found->rehearsal ? "rehearsal" : "real";
}

void report_builder::move(
    const core::scan_record& r, std::optional<time_point> report_at, table_output& out
) {
    const auto& m = *r.moved;
    const auto p = person_of(m.attendee_id, r.category);
    // The same rule as core::presence::apply: trust where we last saw the
    // person, leave that hall, enter to_hall if any.
    const int before = state_[p].hall;
    const int after = m.to_hall.empty() ? nowhere : hall_of(m.to_hall);
    // Presence follows the server even for a scan with no time in the event,
    // but such a scan opens no day: its interval ends at the latest known time.
    const auto at_door = report_at.value_or(latest_report_time());
    day_counts nowhere_counted;
    auto& counts = report_at ? day_counts_[day_of(at_door, zone_)] : nowhere_counted;
    const std::string_view kind = kind_text(r.kind);
    const std::string_view offline = r.offline ? "yes" : "no";
    const std::string_view name = people_[p].name;
    // The timeline lists every move; one with no time in the event shows the kiosk's own.
    const cell listed_at = report_at ? cell{at_door} : cell{door_time(r)};

    if (before != nowhere && before != after) {
        close_interval(p, before, state_[p].since, at_door);
        if (report_at) {
            auto& d = day_entry(p, day_of(at_door, zone_));
            d.last_out = std::max(d.last_out, at_door);
        }
        ++counts.exits;
        std::string how;
        if (r.kind == core::scan_kind::clear) {
            how = "clear-out";
        } else if (after != nowhere) {
            how = "moved to " + m.to_hall;
        }
        emit<10>(
            out, table_id::timeline,
            {m.attendee_id, name, listed_at, std::string_view("exit"),
             hall_ids_[static_cast<std::size_t>(before)], r.station_id, kind, std::string_view(how),
             r.seq, offline}
        );
    }
    if (after != nowhere) {
        std::string how;
        if (before == after) {
            how = "already inside";
        } else {
            state_[p].since = at_door;
            if (before != nowhere) how = "from " + hall_ids_[static_cast<std::size_t>(before)];
        }
        if (report_at) {
            auto& d = day_entry(p, day_of(at_door, zone_));
            d.first_in = std::min(d.first_in, at_door);
            note_checkin(p, after, at_door);
        }
        ++counts.entries;
        emit<10>(
            out, table_id::timeline,
            {m.attendee_id, name, listed_at, std::string_view("entry"), m.to_hall, r.station_id,
             kind, std::string_view(how), r.seq, offline}
        );
    }
    state_[p].hall = after;
    if (r.kind != core::scan_kind::redecision)
        movements_.push_back({at_door.time_since_epoch().count(), p, after});
}

void report_builder::replay_occupancy_in_read_order() {
    // Stable: equal read times keep the log's order. A log without late
    // scans is already in order, and then needs no sort (nor its buffer).
    const auto by_read_time = [](const kept_movement& a, const kept_movement& b) { return a.at_ms < b.at_ms; };
    if (!std::is_sorted(movements_.begin(), movements_.end(), by_read_time))
        std::stable_sort(movements_.begin(), movements_.end(), by_read_time);
    std::vector<int> where(people_.size(), nowhere);
    for (const auto& m : movements_) {
        if (m.hall == no_move) continue;
        auto& here = where[m.person];
        if (here == m.hall) continue;
        const core::time_point at{milliseconds{m.at_ms}};
        if (here != nowhere) count_occupancy(here, -1, at);
        if (m.hall != nowhere) count_occupancy(m.hall, +1, at);
        here = m.hall;
    }
    movements_.clear();
    movements_.shrink_to_fit();
}

void report_builder::note_checkin(std::uint32_t p, int hall, time_point at) {
    for (const auto s : sessions_of_hall_[static_cast<std::size_t>(hall)]) {
        if (!core::in_checkin_window(event_.sessions[s], at)) continue;
        auto [it, added] = checkins_[s].try_emplace(p, at);
        if (!added) it->second = std::min(it->second, at);
    }
}

void report_builder::close_interval(
    std::uint32_t p, int hall, core::time_point from, core::time_point to
) {
    // An offline scan may carry a door time before the entry it closes.
    to = std::max(to, from);
    for (const auto s : sessions_of_hall_[static_cast<std::size_t>(hall)]) {
        const auto& ses = event_.sessions[s];
        const auto lo = std::max(from, ses.start);
        const auto hi = std::min(to, ses.end);
        const bool entered_during = from >= ses.start && from < ses.end;
        if (hi > lo || entered_during) {
            auto& v = visits_[s][p];
            v.first_entry = std::min(v.first_entry, from);
            v.inside_ms += hi > lo ? ms_of(hi - lo) : 0;
        }
    }
    // Split at local midnights so each day gets its own time inside. Both
    // ends are report times, within the event's days, so this ends soon.
    for (auto cur = from; cur < to;) {
        const auto day = day_of(cur, zone_);
        const auto piece_end = std::min(to, day_start(day + 1, zone_));
        auto& d = day_entry(p, day);
        d.inside_ms[static_cast<std::size_t>(hall)] += ms_of(piece_end - cur);
        cur = piece_end;
    }
}

void report_builder::count_occupancy(int hall, int delta, core::time_point at) {
    auto& h = halls_[static_cast<std::size_t>(hall)];
    const int prior = h.inside;
    h.inside = std::max(0, h.inside + delta);
    if (h.inside > h.peak) {
        h.peak = h.inside;
        h.peak_at = at;
    }
    // Buckets and daily peaks only within the event's days: they are what
    // the occupancy table and the charts loop over.
    if (!in_event(at)) return;
    auto& day_peak = h.day_peaks[day_of(at, zone_)];
    if (h.inside > day_peak.first) day_peak = {h.inside, at};
    const auto b = bucket_of(at);
    if (h.buckets.empty() || h.buckets.back().bucket != b) {
        // A bucket's peak includes what it started with.
        h.buckets.push_back({b, h.inside, std::max(prior, h.inside)});
    } else {
        h.buckets.back().end = h.inside;
        h.buckets.back().peak = std::max(h.buckets.back().peak, h.inside);
    }
}

void report_builder::finish(std::span<const store::audit_entry> audit, table_output& out) {
    // People still inside at the end of the log stay until its last moment.
    for (std::uint32_t p = 0; p < state_.size(); ++p) {
        if (state_[p].hall != nowhere) {
            close_interval(p, state_[p].hall, state_[p].since, std::max(horizon_, state_[p].since));
        }
    }
    replay_occupancy_in_read_order();
    curves_.assign(hall_ids_.size(), {});
    write_readme(out);
    write_days(out);
    write_sessions(out);
    write_groups(out, table_id::by_city, true);
    write_groups(out, table_id::by_organisation, false);
    write_attendees(out);
    write_attendee_days(out);
    write_occupancy(out);
    write_refusals(out);
    write_audit(audit, out);

    // The day summaries reuse what the tables computed.
    for (auto& day : summaries_) {
        for (std::size_t h = 0; h < hall_ids_.size(); ++h) {
            const auto* hall = event_.find_hall(hall_ids_[h]);
            const auto curve = curves_[h].find(day.day);
            const bool has_session = std::any_of(
                event_.sessions.begin(), event_.sessions.end(),
                [&](const core::session& s) {
                    return s.hall_id == hall_ids_[h] && day_of(s.start, zone_) == day.day;
                }
            );
            if (curve == curves_[h].end() && !has_session) continue;
            day_summary::hall_curve c;
            c.name = std::string(hall_name(static_cast<int>(h)));
            c.capacity = hall != nullptr ? hall->capacity : 0;
            const auto peak = halls_[h].day_peaks.find(day.day);
            if (peak != halls_[h].day_peaks.end()) {
                c.peak = peak->second.first;
                c.peak_at = peak->second.second;
            }
            if (curve != curves_[h].end()) c.points = curve->second;
            day.halls.push_back(std::move(c));
        }
    }
}

void report_builder::write_readme(table_output& out) {
    const std::string zone =
        event_.time_zone.empty() ? std::string("the event's fixed utc_offset") : event_.time_zone;
    const std::array<std::pair<std::string_view, std::string>, 6> lines{{
        {"attended",
         "A person attended a session when they were inside its hall at some moment between the "
         "session's start and end (they entered before or during it and had not left). Someone "
         "who checked in at 09:05 and left at 09:14 for a session starting at 09:15 did not "
         "attend. sessions.attended, no_shows and attendance_rate, session_no_shows, by_city, "
         "by_organisation and the PDF summaries count this."},
        {"checked_in",
         "A person checked in to a session when an entry into its hall was admitted within the "
         "session's check-in window: from checkin_before_minutes before its start to "
         "late_entry_minutes after its end, in whole seconds with both ends included (the window "
         "the doors admit by). sessions.checked_in counts them; session_attendance.checked_in_at "
         "is the first such entry. The 09:05-09:14 visitor above checked in."},
        {"session_attendance",
         "One row per person who attended or checked in: attended = yes/no, first_entry and "
         "minutes_inside for those who attended, checked_in_at for those who checked in."},
        {"times",
         fmt::format(
             "Every time is local time in {} (daylight saving included), as the venue's clocks "
             "showed it; CSV as YYYY-MM-DD HH:MM:SS, XLSX as date-times. When clocks go back an "
             "hour the same local time occurs twice: the scans table's seq gives the order.",
             zone
         )},
        {"days",
         "A day is a local calendar day in the event's time zone; the day the clocks change has "
         "23 or 25 hours. Reports cover the event's days (first session's check-in to last "
         "session's end)."},
        {"door time",
         "Attendance, timelines and days use the moment at the door (the kiosk's time for scans "
         "decided offline); occupancy follows the server's live count, as the dashboard showed."},
    }};
    for (const auto& [topic, meaning] : lines) {
        emit<2>(out, table_id::readme, {topic, std::string_view(meaning)});
    }
}

void report_builder::write_days(table_output& out) {
    std::set<local_day> days;
    for (const auto& [d, c] : day_counts_) days.insert(d);
    for (const auto& s : event_.sessions) days.insert(day_of(s.start, zone_));
    for (const auto& st : state_) {
        for (const auto& d : st.days) days.insert(d.day);
    }
    for (const auto day : days) {
        day_summary sum;
        sum.day = day;
        sum.registered = static_cast<std::int64_t>(registered_);
        std::int64_t attended_registered = 0;
        // category -> (registered, attended)
        std::map<std::string, std::pair<std::int64_t, std::int64_t>> by_category;
        for (std::uint32_t p = 0; p < people_.size(); ++p) {
            const auto& days_of = state_[p].days;
            const bool present = std::any_of(
                days_of.begin(), days_of.end(), [&](const person_day& d) { return d.day == day; }
            );
            auto& cat = by_category[people_[p].category];
            if (p < registered_) ++cat.first;
            if (present) {
                ++sum.attended;
                ++cat.second;
                if (p < registered_) ++attended_registered;
            }
        }
        const auto c = day_counts_.count(day) != 0 ? day_counts_.at(day) : day_counts{};
        sum.entries = c.entries;
        sum.refused = c.refused;
        sum.refused_by_reason.assign(c.refused_by_reason.begin(), c.refused_by_reason.end());
        std::stable_sort(sum.refused_by_reason.begin(), sum.refused_by_reason.end(),
                         [](const auto& a, const auto& b) { return a.second > b.second; });
        sum.manual = c.manual;
        sum.annulled = c.annulled;
        sum.conflicts = c.conflicts;
        std::int64_t session_count = 0;
        std::int64_t session_attendances = 0;
        for (std::size_t s = 0; s < event_.sessions.size(); ++s) {
            if (day_of(event_.sessions[s].start, zone_) != day) continue;
            ++session_count;
            session_attendances += static_cast<std::int64_t>(visits_[s].size());
        }
        emit<12>(
            out, table_id::days,
            {std::string_view(day_text(day)), sum.registered, sum.attended,
             rate_of(attended_registered, sum.registered), c.entries, c.exits, c.refused, c.manual,
             c.annulled, c.conflicts, session_count, session_attendances}
        );
        const auto day_name = day_text(day);
        auto category_row = [&](const std::string& id) {
            const auto it = by_category.find(id);
            if (it == by_category.end() || (it->second.first == 0 && it->second.second == 0))
                return;
            emit<5>(
                out, table_id::day_categories,
                {std::string_view(day_name), id, it->second.first, it->second.second,
                 rate_of(std::min(it->second.first, it->second.second), it->second.first)}
            );
            by_category.erase(it);
        };
        for (const auto& cat : event_.categories) category_row(cat.id);
        while (!by_category.empty()) category_row(by_category.begin()->first);
        summaries_.push_back(std::move(sum));
    }
}

void report_builder::write_sessions(table_output& out) {
    for (std::size_t s = 0; s < event_.sessions.size(); ++s) {
        const auto& ses = event_.sessions[s];
        const auto& visits = visits_[s];
        std::int64_t registered = 0;
        std::int64_t attended_registered = 0;
        std::map<std::string, std::array<std::int64_t, 3>> by_category;  // reg, att, att&reg
        for (std::uint32_t p = 0; p < people_.size(); ++p) {
            const bool reg = p < registered_ && eligible(s, people_[p]);
            const bool att = visits.count(p) != 0;
            auto& cat = by_category[people_[p].category];
            if (reg) {
                ++registered;
                ++cat[0];
            }
            if (att) ++cat[1];
            if (att && reg) {
                ++attended_registered;
                ++cat[2];
            }
        }
        const auto attended = static_cast<std::int64_t>(visits.size());
        const auto& checkins = checkins_[s];
        const auto checked_in = static_cast<std::int64_t>(checkins.size());
        for (auto& day : summaries_) {
            if (day.day != day_of(ses.start, zone_)) continue;
            day.sessions.push_back(day_summary::session_line{
                ses.name, std::string(hall_name(hall_of(ses.hall_id))), ses.start, ses.end,
                registered, attended, attended_registered, checked_in});
        }
        emit<10>(
            out, table_id::sessions,
            {ses.id, ses.name, ses.hall_id, ses.start, ses.end, registered, attended,
             registered - attended_registered, rate_of(attended_registered, registered),
             checked_in}
        );
        auto category_row = [&](const std::string& id) {
            const auto it = by_category.find(id);
            if (it == by_category.end()) return;
            const auto [reg, att, both] = it->second;
            if (reg != 0 || att != 0) {
                emit<6>(
                    out, table_id::session_categories,
                    {ses.id, id, reg, att, reg - both, rate_of(both, reg)}
                );
            }
            by_category.erase(it);
        };
        for (const auto& cat : event_.categories) category_row(cat.id);
        while (!by_category.empty()) category_row(by_category.begin()->first);

        // Everyone who attended or checked in (the two definitions, see README),
        // sorted by id.
        std::vector<std::uint32_t> who;
        who.reserve(visits.size() + checkins.size());
        for (const auto& [p, v] : visits) who.push_back(p);
        for (const auto& [p, at] : checkins) {
            if (visits.count(p) == 0) who.push_back(p);
        }
        std::sort(who.begin(), who.end(), [&](auto a, auto b) {
            return people_[a].id < people_[b].id;
        });
        for (const auto p : who) {
            const auto& a = people_[p];
            const auto visit = visits.find(p);
            const auto checkin = checkins.find(p);
            const bool reg = p < registered_ && eligible(s, a);
            const bool att = visit != visits.end();
            emit<11>(
                out, table_id::session_attendance,
                {ses.id, a.id, a.name, a.category, a.organisation, a.city,
                 att ? cell{visit->second.first_entry} : cell{},
                 att ? cell{minutes_of(visit->second.inside_ms)} : cell{},
                 std::string_view(reg ? "yes" : "no"), std::string_view(att ? "yes" : "no"),
                 checkin != checkins.end() ? cell{checkin->second} : cell{}}
            );
        }
        for (std::uint32_t p = 0; p < registered_; ++p) {
            const auto& a = people_[p];
            if (!eligible(s, a) || visits.count(p) != 0) continue;
            emit<6>(
                out, table_id::session_no_shows,
                {ses.id, a.id, a.name, a.category, a.organisation, a.city}
            );
        }
    }
}

void report_builder::write_groups(table_output& out, table_id table, bool by_city) {
    const std::size_t n = event_.sessions.size();
    // group -> per session {registered, attended, attended & registered}, then the event as a whole
    std::map<std::string, std::vector<std::array<std::int64_t, 3>>> groups;
    for (std::uint32_t p = 0; p < people_.size(); ++p) {
        const auto& a = people_[p];
        const auto& key = by_city ? a.city : a.organisation;
        auto& g = groups[key.empty() ? std::string("(none)") : key];
        g.resize(n + 1, {0, 0, 0});
        const bool is_registered = p < registered_;
        for (std::size_t s = 0; s < n; ++s) {
            const bool reg = is_registered && eligible(s, a);
            const bool att = visits_[s].count(p) != 0;
            g[s][0] += reg ? 1 : 0;
            g[s][1] += att ? 1 : 0;
            g[s][2] += reg && att ? 1 : 0;
        }
        const bool present = !state_[p].days.empty();
        g[n][0] += is_registered ? 1 : 0;
        g[n][1] += present ? 1 : 0;
        g[n][2] += is_registered && present ? 1 : 0;
    }
    for (const auto& [key, g] : groups) {
        for (std::size_t s = 0; s <= n; ++s) {
            const std::string_view session =
                s < n ? std::string_view(event_.sessions[s].id) : "(event)";
            emit<5>(out, table, {key, session, g[s][0], g[s][1], rate_of(g[s][2], g[s][0])});
        }
    }
}

void report_builder::write_attendees(table_output& out) {
    const std::size_t halls = event_.halls.size();
    std::vector<cell> row;
    for (std::uint32_t p = 0; p < people_.size(); ++p) {
        const auto& days = state_[p].days;
        if (days.empty()) continue;
        const auto& a = people_[p];
        auto first_in = core::time_point::max();
        auto last_out = core::time_point::min();
        std::vector<ms> inside(hall_ids_.size(), 0);
        for (const auto& d : days) {
            first_in = std::min(first_in, d.first_in);
            last_out = std::max(last_out, d.last_out);
            for (std::size_t h = 0; h < d.inside_ms.size(); ++h) inside[h] += d.inside_ms[h];
        }
        row.assign(
            {a.id, a.name, a.category, a.organisation, a.city,
             static_cast<std::int64_t>(days.size()), time_or_empty(first_in),
             time_or_empty(last_out)}
        );
        for (std::size_t h = 0; h < halls; ++h) row.emplace_back(minutes_of(inside[h]));
        row.emplace_back(minutes_of(std::accumulate(inside.begin(), inside.end(), ms{0})));
        out.row(table_id::attendees, row);
    }
}

void report_builder::write_attendee_days(table_output& out) {
    const std::size_t halls = event_.halls.size();
    std::vector<cell> row;
    for (std::uint32_t p = 0; p < people_.size(); ++p) {
        const auto& a = people_[p];
        for (const auto& d : state_[p].days) {
            const auto day = day_text(d.day);
            row.assign(
                {a.id, a.name, a.category, a.organisation, a.city, std::string_view(day),
                 time_or_empty(d.first_in), time_or_empty(d.last_out)}
            );
            for (std::size_t h = 0; h < halls; ++h) {
                row.emplace_back(minutes_of(h < d.inside_ms.size() ? d.inside_ms[h] : 0));
            }
            row.emplace_back(
                minutes_of(std::accumulate(d.inside_ms.begin(), d.inside_ms.end(), ms{0}))
            );
            out.row(table_id::attendee_days, row);
        }
    }
}

void report_builder::write_occupancy(table_output& out) {
    for (std::size_t h = 0; h < hall_ids_.size(); ++h) {
        const auto& buckets = halls_[h].buckets;
        const std::string_view hall_id = hall_ids_[h];
        int carry = 0;
        std::size_t i = 0;
        while (i < buckets.size()) {
            // One run per local day: from its first touched bucket to its last.
            const auto day = day_of(bucket_start(buckets[i].bucket), zone_);
            std::size_t last = i;
            while (last + 1 < buckets.size() && day_of(bucket_start(buckets[last + 1].bucket), zone_) == day)
                ++last;
            auto& curve = curves_[h][day];
            for (auto b = buckets[i].bucket; b <= buckets[last].bucket; ++b) {
                int end = carry;
                int peak = carry;
                if (buckets[i].bucket == b) {
                    end = buckets[i].end;
                    peak = buckets[i].peak;
                    ++i;
                }
                carry = end;
                const auto start = bucket_start(b);
                emit<5>(
                    out, table_id::occupancy,
                    {hall_id, start, start + bucket, std::int64_t{end}, std::int64_t{peak}}
                );
                curve.emplace_back(start, peak);
            }
        }
        const auto* hall = event_.find_hall(hall_ids_[h]);
        for (const auto& [day, peak] : halls_[h].day_peaks) {
            emit<6>(
                out, table_id::hall_peaks,
                {hall_id, hall_name(static_cast<int>(h)),
                 hall != nullptr ? cell{std::int64_t{hall->capacity}} : cell{},
                 std::string_view(day_text(day)), std::int64_t{peak.first}, peak.second}
            );
        }
    }
}

void report_builder::write_refusals(table_output& out) {
    for (const auto& [key, value] : refusals_) {
        emit<4>(out, table_id::refusals, {key.first, key.second, value.first, value.second});
    }
}

void report_builder::write_audit(std::span<const store::audit_entry> audit, table_output& out) {
    std::vector<staff_action> rows = manual_;
    std::set<std::string> audited;
    for (const auto& e : audit) {
        staff_action a{clock_of_audit(e), e.at, e.actor, e.action, e.subject, "", "", e.note};
        const auto it = annulled_.find(e.subject);
        if (it != annulled_.end()) {
            a.attendee_id = it->second.attendee_id;
            a.hall_id = it->second.hall_id;
            audited.insert(e.subject);
        } else if (person_index_.count(e.subject) != 0) {
            a.attendee_id = e.subject;  // reissue and the like name the person
        }
        rows.push_back(std::move(a));
    }
    for (const auto& [scan_id, a] : annulled_) {
        if (audited.count(scan_id) == 0) {
            auto row = a;
            row.action = "annulled (no audit entry)";
            rows.push_back(std::move(row));
        }
    }
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return a.at != b.at ? a.at < b.at : a.subject < b.subject;
    });
    for (const auto& a : rows) {
        std::string_view name;
        const auto it = person_index_.find(a.attendee_id);
        if (it != person_index_.end()) name = people_[it->second].name;
        emit<9>(
            out, table_id::audit,
            {a.at, a.actor, a.action, a.subject, a.attendee_id, name, a.hall_id, a.note, a.clock}
        );
    }
}

}  // namespace admit::reports
