// The admin tool's work: each command loads what it needs (config, keys,
// store), does one thing and says what it did. The store is opened per
// command, so the tool may run while the server is up (SQLite WAL).
#include "admin/commands.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "admin/demo_roster.hpp"
#include "config/event_loader.hpp"
#include "config/key_files.hpp"
#include "config/roster_csv.hpp"
#include "core/badge.hpp"
#include "core/csv.hpp"
#include "store/event_facts.hpp"
#include "store/scan_store.hpp"

namespace admit::admin {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;

std::string read_text(const fs::path& file) {
    std::ifstream in{file, std::ios::binary};
    if (!in) {
        throw user_error(fmt::format(
            "{}: cannot read the file: {}; check the path", file.string(), std::strerror(errno)
        ));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Who did it, for the audit sheet.
std::string actor() {
    const char* user = std::getenv("USER");
    return fmt::format("admit-cli:{}", user != nullptr && *user != '\0' ? user : "unknown");
}

core::time_point now() {
    return time_point_cast<milliseconds>(system_clock::now());
}

std::string local_time(core::time_point t, const core::local_clock& zone) {
    const auto local = zone.to_local(t);
    const auto day = floor<days>(local);
    const year_month_day ymd{day};
    const hh_mm_ss hms{floor<minutes>(local - day)};
    return fmt::format(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()),
        static_cast<unsigned>(ymd.day()),
        hms.hours().count(),
        hms.minutes().count()
    );
}

std::string offset_text(minutes offset) {
    const auto m = offset.count();
    const auto a = m < 0 ? -m : m;
    return fmt::format("{}{:02}:{:02}", m < 0 ? '-' : '+', a / 60, a % 60);
}

// Daylight-saving changes between the first session's check-in and the last
// session's end, so the operator sees that the event spans one.
void print_clock_changes(const core::event_config& event, std::ostream& out) {
    if (event.sessions.empty()) return;
    auto first = core::time_point::max();
    auto last = core::time_point::min();
    for (const auto& s : event.sessions) {
        first = std::min(first, s.start - s.checkin_before);
        last = std::max(last, s.end);
    }
    for (const auto& c : event.zone.changes()) {
        if (c.from <= first || c.from > last) continue;
        const auto before = event.zone.offset_at(c.from - milliseconds{1});
        fmt::print(
            out,
            "clocks   change {} -> {} (UTC{} from then)\n",
            local_time(c.from, core::local_clock{before}),
            local_time(c.from, event.zone).substr(11),
            offset_text(c.offset)
        );
    }
}

// The event's store: [store]'s PostgreSQL database, or SQLite in the data directory.
std::unique_ptr<store::scan_store> open_store(const config::loaded_config& config, const fs::path& data_dir) {
    if (!config.server.postgres_url.empty()) {
        return store::open_store(store::store_location{data_dir, config.server.postgres_url});
    }
    std::error_code ec;
    fs::create_directories(data_dir, ec);
    if (ec) {
        throw user_error(
            fmt::format("{}: cannot create the data directory: {}", data_dir.string(), ec.message())
        );
    }
    return store::open_sqlite_store(data_dir);
}

// Where deploy/multi-site/admit-server-postgres.conf has the server's unit read it.
constexpr const char* default_pg_passfile = "/etc/admit/pgpass";

}  // namespace

void check_signing_key(
    store::scan_store& store,
    const config::loaded_config& config,
    const fs::path& data_dir,
    const core::public_key& key,
    bool claim
) {
    store::check_event_badge_key(
        store, key, data_dir / "keys" / "badge.pub",
        store::describe({data_dir, config.server.postgres_url}), claim
    );
}

void use_pg_passfile(const std::string& file) {
    if (!file.empty()) {
        ::setenv("PGPASSFILE", file.c_str(), 1);
        return;
    }
    if (const char* set = std::getenv("PGPASSFILE"); set != nullptr && *set != '\0') return;
    std::error_code ec;
    if (fs::exists(default_pg_passfile, ec)) ::setenv("PGPASSFILE", default_pg_passfile, 1);
}

std::string pg_password_hint(const std::string& error) {
    if (error.find("no password supplied") == std::string::npos) return {};
    // use_pg_passfile has set PGPASSFILE to the file in use, if any.
    const char* file = std::getenv("PGPASSFILE");
    const std::string found =
        file != nullptr && *file != '\0'
            ? fmt::format("{} gave none (no line for this host:port:database:user, or a "
                          "file this user cannot read, or one others can read, which libpq "
                          "ignores)",
                          file)
            : std::string("no password file was given");
    return fmt::format(
        "admit: the database wants a password and {}; give the server's password file with "
        "--pg-passfile FILE or PGPASSFILE=FILE (lines host:port:database:user:password, mode "
        "0600; by default {}) and run admit as a user that can read it (OPERATIONS section 8)",
        found, default_pg_passfile
    );
}

void event_key(const fs::path& config_file, const fs::path& data_dir, bool adopt, std::ostream& out) {
    const auto config = config::load_config(config_file);
    const auto key = config::read_public_key(data_dir);
    auto store = open_store(config, data_dir);
    const auto where = store::describe({data_dir, config.server.postgres_url});
    const auto key_file = (data_dir / "keys" / "badge.pub").string();
    const auto ours = core::fingerprint_text(core::key_fingerprint(key));
    if (adopt) {
        const auto before = store->event_fact("badge_key_fingerprint");
        store::check_event_badge_key(*store, key, key_file, where, true, true);
        store->add_audit({0, now(), actor(), "adopt_badge_key", ours,
                          before ? "replaced fingerprint " +
                                       core::fingerprint_text(static_cast<std::uint64_t>(*before))
                                 : "first key"});
        fmt::print(out, "{} now uses the badge key {} (fingerprint {}); copy {} to every server of the event\n",
                   where, key_file, ours, (data_dir / "keys").string());
        return;
    }
    const auto stored = store->event_fact("badge_key_fingerprint");
    if (!stored) {
        fmt::print(out, "{} has no badge key yet; the first server or `admit issue-badges` stores {} ({})\n",
                   where, ours, key_file);
        return;
    }
    const auto events = core::fingerprint_text(static_cast<std::uint64_t>(*stored));
    fmt::print(out, "event key: {} (in {})\nthis key:  {} ({}){}\n", events, where, ours, key_file,
               events == ours ? ": the same" : ": DIFFERENT, see deploy/OPERATIONS.md section 8");
    if (events != ours) throw user_error("this data directory's badge key is not the event's");
}

void write_private_file(const fs::path& file, std::string_view bytes) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw user_error(
            fmt::format("{}: cannot create the file: {}", file.string(), std::strerror(errno))
        );
    }
    std::size_t written = 0;
    bool ok = ::fchmod(fd, 0600) == 0;
    while (ok && written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        ok = n >= 0;
        written += ok ? static_cast<std::size_t>(n) : 0;
    }
    const int err = errno;
    if (::close(fd) != 0 || !ok) {
        throw user_error(
            fmt::format("{}: cannot write the file: {}", file.string(), std::strerror(err))
        );
    }
}

void keygen(const fs::path& data_dir, bool force, std::ostream& out) {
    const auto keys = core::badge_keys::generate();
    try {
        config::write_badge_keys(data_dir, keys, force);
    } catch (const std::runtime_error& e) {
        throw user_error(e.what());
    }
    fmt::print(
        out,
        "wrote {0}/badge.key (secret, mode 0600) and {0}/badge.pub\n"
        "public key: {1}\n",
        (data_dir / "keys").string(),
        core::key_to_text(keys.pub)
    );
    if (force) {
        fmt::print(out, "badges issued with the old keys are no longer valid; issue them again\n");
    }
}

void check_config(const fs::path& config_file, std::ostream& out) {
    const auto config = config::load_config(config_file);
    const core::event_config& event = config.event;
    fmt::print(out, "{}: OK\n", config_file.string());
    const auto first_start = event.sessions.empty() ? core::time_point{} : event.sessions.front().start;
    fmt::print(
        out,
        "event    {} \"{}\" ({}, UTC{})\n",
        event.id,
        event.name,
        event.time_zone.empty() ? "fixed utc_offset" : event.time_zone,
        offset_text(event.zone.offset_at(first_start))
    );
    print_clock_changes(event, out);
    fmt::print(out, "sites    {}\n", event.sites.size());
    fmt::print(out, "halls    {}\n", event.halls.size());
    for (const auto& hall : event.halls) {
        int in = 0;
        int out_count = 0;
        for (const auto& s : event.stations) {
            if (s.hall_id == hall.id) {
                in += s.role != core::station_role::exit ? 1 : 0;
                out_count += s.role != core::station_role::entrance ? 1 : 0;
            }
        }
        fmt::print(
            out,
            "  {:<28} {} at {}, capacity {}, {} entrance / {} exit station(s){}\n",
            hall.id,
            hall.name,
            hall.site_id,
            hall.capacity,
            in,
            out_count,
            hall.clear_at ? fmt::format(
                                ", cleared at {:02}:{:02}",
                                hall.clear_at->count() / 60,
                                hall.clear_at->count() % 60
                            )
                          : std::string{}
        );
    }
    fmt::print(out, "stations {}\n", event.stations.size());
    std::string categories;
    for (const auto& c : event.categories) {
        categories += fmt::format(
            "{}{}{}",
            categories.empty() ? "" : ", ",
            c.id,
            c.may_enter_full ? " (may enter full halls)" : ""
        );
    }
    fmt::print(out, "categories {}: {}\n", event.categories.size(), categories);
    fmt::print(out, "sessions {}\n", event.sessions.size());
    for (const auto& s : event.sessions) {
        std::string who = "everyone";
        if (!s.categories.empty()) {
            who.clear();
            for (const auto& c : s.categories) {
                who += fmt::format("{}{}", who.empty() ? "" : ", ", c);
            }
        }
        fmt::print(
            out,
            "  {:<28} {} to {} in {}; check-in {} min before; {}\n",
            s.id,
            local_time(s.start, event.zone),
            local_time(s.end, event.zone).substr(11),
            s.hall_id,
            s.checkin_before.count(),
            who
        );
    }
    fmt::print(
        out,
        "server   {}:{}, {} thread(s), data in {}\n",
        config.server.listen_address,
        config.server.port,
        config.server.threads,
        config.server.data_dir
    );
    fmt::print(
        out, "store    {}\n",
        store::describe(store::store_location{config.server.data_dir, config.server.postgres_url})
    );
    fmt::print(
        out,
        "access   {} viewer token(s), {} staff token(s)\n",
        config.server.viewer_token_hashes.size(),
        config.server.staff_token_hashes.size()
    );
}

void import_roster(
    const fs::path& config_file,
    const fs::path& data_dir,
    const fs::path& csv_file,
    std::ostream& out,
    std::ostream& err
) {
    const auto config = config::load_config(config_file);
    auto parsed = config::parse_roster_csv(read_text(csv_file), config.event);
    if (!parsed.ok()) {
        for (const auto& p : parsed.problems) {
            fmt::print(err, "{}:{}: {}\n", csv_file.string(), p.line, p.message);
        }
        throw user_error(fmt::format(
            "nothing imported: {} problem(s) in {}; fix them and import again",
            parsed.problems.size(),
            csv_file.string()
        ));
    }

    auto store = open_store(config, data_dir);
    const auto counts = core::prepare_import(store->load_roster(), parsed.people);
    const auto [added, updated, unchanged, kept] = counts;
    store->upsert_attendees(parsed.people);
    store->add_audit({
        0,
        now(),
        actor(),
        "import_roster",
        csv_file.filename().string(),
        fmt::format("{} new, {} updated, {} unchanged", added, updated, unchanged),
    });
    fmt::print(
        out,
        "imported {} attendee(s) from {}: {} new, {} updated, {} unchanged\n",
        parsed.people.size(),
        csv_file.string(),
        added,
        updated,
        unchanged
    );
    if (kept > 0) {
        fmt::print(
            out, "{} attendee(s) already in the store are not in this file and were kept\n", kept
        );
    }
}

void issue_badge(
    const fs::path& config_file,
    const fs::path& data_dir,
    const std::string& attendee_id,
    bool reissue,
    std::ostream& out
) {
    const auto config = config::load_config(config_file);
    const auto keys = config::read_badge_keys(data_dir);
    auto store = open_store(config, data_dir);
    check_signing_key(*store, config, data_dir, keys.pub);
    const auto people = store->load_roster();
    const auto it = std::find_if(people.begin(), people.end(), [&](const auto& p) {
        return p.id == attendee_id;
    });
    if (it == people.end()) {
        throw user_error(fmt::format(
            "no attendee \"{}\" in the roster in {}; check the id or import the roster with "
            "`admit import-roster`",
            attendee_id,
            data_dir.string()
        ));
    }
    core::attendee person = *it;
    if (config.event.find_category(person.category) == nullptr) {
        throw user_error(fmt::format(
            "attendee \"{}\" has category \"{}\", which {} does not define; fix the roster or "
            "the config",
            person.id,
            person.category,
            config_file.string()
        ));
    }
    if (reissue) {
        // A higher version revokes every token printed before (lost or stolen badge).
        ++person.badge_version;
        store->upsert_attendees({person});
        store->add_audit({
            0,
            now(),
            actor(),
            "reissue",
            person.id,
            fmt::format("badge version {} (older badges revoked)", person.badge_version),
        });
        const auto stored = store->load_roster();
        const auto again = std::find_if(stored.begin(), stored.end(), [&](const auto& p) {
            return p.id == person.id;
        });
        if (again == stored.end() || again->badge_version != person.badge_version) {
            throw user_error(fmt::format(
                "the store did not record badge version {} for \"{}\"; the old badge is still "
                "valid",
                person.badge_version,
                person.id
            ));
        }
    }
    fmt::print(out, "{}\n", core::sign_badge_of(config.event.id, person, keys.secret));
}

void issue_badges(
    const fs::path& config_file,
    const fs::path& data_dir,
    const fs::path& out_file,
    std::ostream& out
) {
    const auto config = config::load_config(config_file);
    const auto keys = config::read_badge_keys(data_dir);
    auto store = open_store(config, data_dir);
    check_signing_key(*store, config, data_dir, keys.pub);
    auto people = store->load_roster();
    std::sort(people.begin(), people.end(), [](const auto& a, const auto& b) {
        return a.id < b.id;
    });
    std::string csv = "id,name,category,token\r\n";
    for (const auto& person : people) {
        csv += fmt::format(
            "{},{},{},{}\r\n",
            core::csv_field(person.id),
            core::csv_field(person.name),
            core::csv_field(person.category),
            core::sign_badge_of(config.event.id, person, keys.secret)
        );
    }
    write_private_file(out_file, csv);
    fmt::print(out, "wrote {} badge token(s) to {}\n", people.size(), out_file.string());
}

void demo_roster(
    const fs::path& config_file, std::size_t count, std::uint64_t seed, std::ostream& out
) {
    const auto config = config::load_config(config_file);
    out << config::roster_to_csv(make_demo_roster(config.event, count, seed));
}

void hash_token(const std::string& token, std::ostream& out) {
    if (token.empty()) {
        throw user_error("the token is empty; give the token to hash");
    }
    fmt::print(out, "{}\n", config::hash_token(token));
}

}  // namespace admit::admin
