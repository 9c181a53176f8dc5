// The verdict for one scan. Each step below either refuses with a reason and
// a sentence for the door staff, or passes the scan on to the next; the
// order is the one documented in decide.hpp, so the first problem found is
// the one staff see.
#include "core/decide.hpp"

#include <algorithm>

namespace admit::core {

namespace {

verdict refuse(reason why, std::string explanation) {
    return verdict{false, why, false, std::move(explanation)};
}

verdict admit(std::string explanation, bool warning = false) {
    return verdict{true, reason::ok, warning, std::move(explanation)};
}

std::string two_digits(long long n) {
    return n < 10 ? "0" + std::to_string(n) : std::to_string(n);
}

// "17:30" in the event's local time; with " on 26 Sep" added when the day
// differs from `now`'s, so a refusal the evening before is not misread.
std::string local_time_text(const event_config& event, time_point t, time_point now) {
    using namespace std::chrono;
    static constexpr const char* months[] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto local = event.zone.to_local(t);
    const auto day = floor<days>(local);
    const hh_mm_ss hms{floor<minutes>(local - day)};
    std::string text = two_digits(hms.hours().count()) + ":" + two_digits(hms.minutes().count());
    if (day != event.zone.day_of(now)) {
        const year_month_day ymd{day};
        text += " on " + std::to_string(static_cast<unsigned>(ymd.day())) + " " +
                months[static_cast<unsigned>(ymd.month()) - 1];
    }
    return text;
}

std::string hall_name(const event_config& event, std::string_view hall_id) {
    const hall* h = event.find_hall(hall_id);
    return h ? h->name : std::string(hall_id);
}

std::string category_name(const event_config& event, std::string_view category_id) {
    const category* c = event.find_category(category_id);
    return c ? c->name : std::string(category_id);
}

time_point checkin_opens(const session& s) {
    return s.start - s.checkin_before;
}

// Whole seconds, both ends included, as people read a schedule: an entry read
// at 12:30:00.3 for a session that ends at 12:30 is inside its window.
bool in_window(const session& s, time_point t) {
    return in_checkin_window(s, t);
}

}  // namespace

bool device_clock_skewed(const scan& s, const clock_bounds& bounds) {
    if (!s.has_device_time) return false;
    const auto ahead = s.device_time - s.server_time;
    return ahead > bounds.max_ahead || -ahead > bounds.max_behind;
}

namespace {

scan_record record_of(const scan& s) {
    scan_record rec;
    rec.scan_id = s.scan_id;
    rec.kind = s.kind;
    rec.station_id = s.station_id;
    rec.hall_id = s.hall_id;
    rec.payload = s.payload;
    rec.dir = s.dir;
    rec.device_time = s.device_time;
    rec.server_time = s.server_time;
    rec.offline = s.offline;
    rec.clock_skew = s.clock_skewed;
    rec.shown = s.shown;
    rec.actor = s.actor;
    rec.note = s.note;
    return rec;
}

// Steps 1-3: which hall, which attendee, is the badge good, is the direction
// right for the station. On success rec.hall_id, attendee_id and category are
// set and the attendee is returned; otherwise `refusal` is set.
const attendee* identify(
    const decide_input& in, const scan& s, scan_record& rec, verdict& refusal
) {
    const event_config& event = in.event;
    const bool forced = s.kind != scan_kind::badge;
    const station* st = nullptr;
    std::string_view attendee_id;
    std::optional<badge_claims> claims;

    if (forced) {
        // Staff chose the hall and the person at the help desk; there is no badge to read.
        if (event.find_hall(s.hall_id) == nullptr) {
            refusal = refuse(reason::unknown_station, "Unknown hall \"" + s.hall_id + "\".");
            return nullptr;
        }
        attendee_id = s.attendee_id;
    } else {
        st = event.find_station(s.station_id);
        if (st == nullptr) {
            refusal = refuse(reason::unknown_station, "Unknown station \"" + s.station_id + "\".");
            return nullptr;
        }
        rec.hall_id = st->hall_id;
        if (event.find_hall(st->hall_id) == nullptr) {
            refusal = refuse(
                reason::unknown_station,
                "Station \"" + st->id + "\" belongs to unknown hall \"" + st->hall_id + "\"."
            );
            return nullptr;
        }

        // Verifying a signature is the costly part; a network thread may have done it already.
        auto check = s.checked ? *s.checked : verify_badge(s.payload, in.badge_key);
        if (check.why == reason::malformed_badge) {
            refusal = refuse(reason::malformed_badge, "Not an admit badge; send to the help desk.");
            return nullptr;
        }
        if (check.why != reason::ok || !check.claims) {
            refusal = refuse(reason::bad_signature, "Badge signature is not valid; call security.");
            return nullptr;
        }
        claims = std::move(check.claims);
        if (claims->event_id != event.id) {
            refusal = refuse(
                reason::wrong_event, "Badge is for another event (" + claims->event_id + ")."
            );
            return nullptr;
        }
        attendee_id = claims->attendee_id;
    }

    const attendee* person = in.people.find(attendee_id);
    if (person == nullptr) {
        refusal = refuse(
            reason::unknown_badge,
            "No attendee \"" + std::string(attendee_id) + "\" in the roster; send to the help desk."
        );
        return nullptr;
    }
    rec.attendee_id = person->id;
    rec.category = person->category;

    if (claims) {
        // A reissued badge bumps the roster's version; older badges are lost or copied.
        if (claims->version < person->badge_version) {
            refusal = refuse(
                reason::revoked_badge,
                "Badge version " + std::to_string(claims->version) + " was replaced by version " +
                    std::to_string(person->badge_version) + "; send to the help desk."
            );
            return nullptr;
        }
        if (claims->version > person->badge_version) {
            refusal = refuse(
                reason::unknown_badge,
                "Badge version " + std::to_string(claims->version) + " was not issued (latest is " +
                    std::to_string(person->badge_version) + "); send to the help desk."
            );
            return nullptr;
        }
    }

    if (st != nullptr) {
        if (st->role == station_role::entrance && s.dir == direction::exit) {
            refusal = refuse(reason::wrong_direction, "This is an entrance; scan out at the exit.");
            return nullptr;
        }
        if (st->role == station_role::exit && s.dir == direction::entry) {
            refusal = refuse(reason::wrong_direction, "This is an exit; scan in at the entrance.");
            return nullptr;
        }
    }
    return person;
}

verdict decide_exit(
    const event_config& event,
    const std::string& attendee_id,
    const std::string& here,
    std::string_view current,
    std::optional<movement>& moved
) {
    if (current == here) {
        moved = movement{attendee_id, here, ""};
        return admit("Goodbye from " + hall_name(event, here) + ".");
    }
    if (!current.empty()) {
        // They are leaving whatever we think: correct the hall we had them in.
        const std::string other(current);
        moved = movement{attendee_id, other, ""};
        return admit(
            "Exit recorded; they were still recorded inside " + hall_name(event, other) + ".",
            true
        );
    }
    return refuse(reason::not_inside, "No entry recorded; exit recorded and flagged.");
}

// Where the person is, for this decision: at the scan's read time when the
// caller placed it in their timeline, else now.
std::string_view place_of(const decide_input& in, const attendee& person) {
    return in.place_then ? *in.place_then : in.where.hall_of(person.id);
}

// Passback and the other-hall policy for an entry (the window and category
// already passed): the verdict when the person's place decides it (a
// refusal, or passback "warn"'s admission that moves nobody), else nullopt.
std::optional<verdict> entry_place_verdict(
    const event_config& event, bool forced, const std::string& here, std::string_view current
) {
    const hall& this_hall = *event.find_hall(here);
    if (current == here) {
        if (forced) {
            return refuse(reason::already_inside, "Already checked in to " + this_hall.name + ".");
        }
        if (event.rules.passback == passback_policy::warn) {
            // Let them through but do not count them twice.
            return admit("Already inside " + this_hall.name + " without an exit; admitted.", true);
        }
        return refuse(
            reason::already_inside, "Already inside " + this_hall.name + "; no exit was recorded."
        );
    }
    if (!current.empty() && !forced && event.rules.on_entry_elsewhere == move_policy::refuse) {
        return refuse(
            reason::in_other_hall,
            "Still recorded inside " + hall_name(event, current) + "; scan out there first."
        );
    }
    return std::nullopt;
}

verdict admit_entry(
    const event_config& event,
    bool forced,
    const std::string& attendee_id,
    const std::string& here,
    std::string_view current,
    std::optional<movement>& moved
) {
    const hall& this_hall = *event.find_hall(here);
    moved = movement{attendee_id, std::string(current), here};
    std::string explanation =
        forced ? "Checked in to " + this_hall.name + " by staff" : "Welcome to " + this_hall.name;
    if (!current.empty()) {
        explanation += " (exit from " + hall_name(event, current) + " recorded)";
    }
    return admit(explanation + ".");
}

verdict decide_entry(
    const decide_input& in, const scan& s, const attendee& person, scan_record& rec
) {
    const event_config& event = in.event;
    const std::string here = rec.hall_id;
    const hall& this_hall = *event.find_hall(here);
    const bool forced = s.kind != scan_kind::badge && !s.door_rules;
    const time_point t = s.decided_at();

    if (!forced) {
        std::vector<const session*> active;
        const session* next = nullptr;
        const session* last = nullptr;
        bool has_sessions = false;
        for (const session& ses : event.sessions) {
            if (ses.hall_id != here) {
                continue;
            }
            has_sessions = true;
            if (in_window(ses, t)) {
                active.push_back(&ses);
            } else if (ses.start > t) {
                if (next == nullptr || ses.start < next->start) {
                    next = &ses;
                }
            } else if (last == nullptr || ses.end > last->end) {
                last = &ses;
            }
        }

        // A hall with no sessions at all is open all day to everyone.
        if (has_sessions) {
            if (active.empty() && next != nullptr) {
                return refuse(
                    reason::hall_not_open,
                    this_hall.name + " is not open yet; check-in for " + next->name + " opens at " +
                        local_time_text(event, checkin_opens(*next), t) + "."
                );
            }
            if (active.empty()) {
                return refuse(
                    reason::hall_closed,
                    this_hall.name + " is closed; " + last->name + " ended at " +
                        local_time_text(event, last->end, t) + "."
                );
            }
            const bool allowed = std::any_of(active.begin(), active.end(), [&](const session* ses) {
                return ses->categories.empty() ||
                       std::find(ses->categories.begin(), ses->categories.end(),
                                 person.category) != ses->categories.end();
            });
            if (!allowed) {
                return refuse(
                    reason::category_not_allowed,
                    category_name(event, person.category) + " may not enter " +
                        active.front()->name + "."
                );
            }
        }
    }

    const std::string current(place_of(in, person));
    if (auto refused = entry_place_verdict(event, forced, here, current)) return *refused;

    if (!forced) {
        const category* cat = event.find_category(person.category);
        const int inside = in.where.inside(here);
        if (inside >= this_hall.capacity && (cat == nullptr || !cat->may_enter_full)) {
            return refuse(
                reason::hall_full,
                "Hall is full (" + std::to_string(inside) + "/" +
                    std::to_string(this_hall.capacity) + ")."
            );
        }
    }

    return admit_entry(event, forced, person.id, here, current, rec.moved);
}

}  // namespace

scan_record decide(const decide_input& in, const scan& s) {
    scan_record rec = record_of(s);
    verdict refusal;
    const attendee* person = identify(in, s, rec, refusal);
    if (person == nullptr) {
        rec.result = std::move(refusal);
        return rec;
    }
    const counted_read* first = nullptr;
    if (s.kind == scan_kind::badge && in.recent != nullptr) {
        first = in.recent->duplicated(
            rec.attendee_id, s.payload, rec.hall_id, s.dir, s.decided_at(), in.event.rules.duplicate_window
        );
    }
    if (first != nullptr && first->result.admitted) {
        // The same read again: the same colour at the door, and nothing changes.
        rec.result = first->result;
        rec.duplicate = true;
        return rec;
    }
    rec.result = s.dir == direction::exit
                     ? decide_exit(in.event, person->id, rec.hall_id, place_of(in, *person), rec.moved)
                     : decide_entry(in, s, *person, rec);
    if (first != nullptr && !rec.result.admitted && rec.result.why == first->result.why) {
        // A refusal read again is one refusal, but only while it still holds:
        // a session that opened or a config reloaded since is judged afresh.
        rec.result = first->result;
        rec.duplicate = true;
        rec.moved.reset();
    }
    return rec;
}

verdict decide_place(
    const event_config& event,
    scan_kind kind,
    direction dir,
    const std::string& attendee_id,
    const std::string& hall_id,
    std::string_view current,
    std::optional<movement>& moved
) {
    moved.reset();
    if (dir == direction::exit) return decide_exit(event, attendee_id, hall_id, current, moved);
    const bool forced = kind != scan_kind::badge;
    if (auto refused = entry_place_verdict(event, forced, hall_id, current)) return *refused;
    return admit_entry(event, forced, attendee_id, hall_id, current, moved);
}

std::vector<scan_record> clear_hall(
    const presence& where, const std::string& hall_id, time_point at
) {
    std::vector<scan_record> records;
    const auto unix_ms = std::to_string(at.time_since_epoch().count());
    for (const std::string& attendee_id : where.people_in(hall_id)) {
        scan_record rec;
        rec.scan_id = "clear:" + hall_id + ":" + attendee_id + ":" + unix_ms;
        rec.kind = scan_kind::clear;
        rec.hall_id = hall_id;
        rec.attendee_id = attendee_id;
        rec.dir = direction::exit;
        rec.device_time = at;
        rec.server_time = at;
        rec.result = admit("Scheduled clear-out");
        rec.moved = movement{attendee_id, hall_id, ""};
        records.push_back(std::move(rec));
    }
    return records;
}

const session* current_session(const event_config& event, std::string_view hall_id, time_point t) {
    const session* found = nullptr;
    for (const session& ses : event.sessions) {
        if (ses.hall_id == hall_id && in_window(ses, t) &&
            (found == nullptr || ses.start < found->start)) {
            found = &ses;
        }
    }
    return found;
}

}  // namespace admit::core
