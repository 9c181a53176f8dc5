// How long `admit export` takes on a big event, and how much memory it
// needs: generates a scan log (default one million scans, appended in
// batches of 10,000 as the server's group commit does) for the Seoul config
// and a 20,000-person roster, then exports it to CSV, XLSX and PDF and
// prints the time and the peak RSS. A timed command, not a test: run it by
// hand on the machine that matters.
//
//   admit_reports_bench [--scans N] [--people N] [--dir DIR] [--keep] [--formats csv,xlsx,pdf]
//
// With --keep the data directory and the reports stay in DIR, e.g. for
//   /usr/bin/time -v admit export --config deploy/seoul-2023.toml --data DIR/data --out DIR/out2

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "config/event_loader.hpp"
#include "core/presence.hpp"
#include "reports/export_reports.hpp"
#include "store/scan_store.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using admit::core::direction;

long peak_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;  // KiB on Linux
}

std::vector<admit::core::attendee> make_roster(std::size_t count) {
    static constexpr std::string_view categories[] = {
        "delegate", "delegate", "delegate", "guest", "guest", "press", "speaker", "vip", "staff"};
    static constexpr std::string_view cities[] = {"Seoul",       "Busan",  "Lisbon",  "Yokohama",
                                                  "Ulaanbaatar", "Bogotá", "Jakarta", "Kazan",
                                                  "Rome",        "Chengdu"};
    std::vector<admit::core::attendee> people(count);
    for (std::size_t i = 0; i < count; ++i) {
        auto& a = people[i];
        a.id = fmt::format("A{}", 100000 + i);
        a.name = fmt::format("{} {}", i % 2 == 0 ? "김민지" : "Attendee", i);
        a.category = std::string(categories[i % std::size(categories)]);
        a.city = std::string(cities[(i / 7) % std::size(cities)]);
        a.organisation = fmt::format("{} City Hall", a.city);
        a.country = "KR";
    }
    return people;
}

// A plausible log: people enter and leave the day's halls, walk between
// them, are refused now and then, and some scans come from offline kiosks.
void generate(
    admit::store::scan_store& store,
    const admit::core::event_config& event,
    const std::vector<admit::core::attendee>& people,
    std::int64_t scans
) {
    std::mt19937_64 rng(2023);
    admit::core::presence where;
    // Day 1 (25 Sep) 16:00-23:00 at DDP, day 2 (26 Sep) 09:00-18:00 at City Hall.
    const auto day1 = sys_days{year{2023} / September / 25} + hours{16 - 9};
    const auto day2 = sys_days{year{2023} / September / 26} + hours{9 - 9};
    const std::vector<std::string> day1_halls{"ddp-art-hall-2"};
    const std::vector<std::string> day2_halls{
        "city-hall-main-conference", "city-hall-multipurpose"};
    auto station_of = [&](const std::string& hall, direction d) {
        for (const auto& s : event.stations) {
            if (s.hall_id != hall) continue;
            const bool in = s.role != admit::core::station_role::exit;
            if ((d == direction::entry) == in) return s.id;
        }
        return event.stations.front().id;
    };
    const std::int64_t half = scans / 2;
    const double span1 = duration<double>(hours{7}).count() / static_cast<double>(half);
    const double span2 = duration<double>(hours{9}).count() / static_cast<double>(scans - half);
    std::int64_t done = 0;
    while (done < scans) {
        store.begin_batch();
        for (int i = 0; i < 10'000 && done < scans; ++i, ++done) {
            const bool first_day = done < half;
            const auto at =
                first_day ? time_point_cast<milliseconds>(
                                day1 + duration<double>(span1 * static_cast<double>(done))
                            )
                          : time_point_cast<milliseconds>(
                                day2 + duration<double>(span2 * static_cast<double>(done - half))
                            );
            if (done == half) {
                // The 23:00 clear-out, as the server writes it: one exit per person inside.
                const auto at_clear = time_point_cast<milliseconds>(day1 + hours{7});
                for (const auto& hall : day1_halls) {
                    for (const auto& id : where.people_in(hall)) {
                        admit::core::scan_record c;
                        c.scan_id = fmt::format("clear-{}-{}", hall, id);
                        c.kind = admit::core::scan_kind::clear;
                        c.hall_id = hall;
                        c.attendee_id = id;
                        c.dir = direction::exit;
                        c.device_time = c.server_time = at_clear;
                        c.result = {true, admit::core::reason::ok, false, "Cleared."};
                        c.moved = admit::core::movement{id, hall, ""};
                        store.append(c);
                    }
                }
                where.clear();
            }
            const auto& halls = first_day ? day1_halls : day2_halls;
            const auto& who = people[rng() % people.size()];
            admit::core::scan_record r;
            r.scan_id = fmt::format("st-{}", done);
            r.attendee_id = who.id;
            r.category = who.category;
            r.payload = fmt::format("A1.seoul-smart-city-2023.{}.{}.1.sig", who.id, who.category);
            r.server_time = at;
            r.device_time = at - milliseconds{rng() % 400};
            const auto inside = std::string(where.hall_of(who.id));
            const auto roll = rng() % 100;
            const auto& hall = halls[rng() % halls.size()];
            if (roll < 6) {
                r.dir = direction::entry;
                r.hall_id = hall;
                r.result = {
                    false,
                    roll < 3 ? admit::core::reason::category_not_allowed
                             : admit::core::reason::already_inside,
                    false, "Refused."};
            } else if (inside.empty() || roll < 40) {
                r.dir = direction::entry;
                r.hall_id = hall;
                r.result = {true, admit::core::reason::ok, false, "Welcome."};
                if (inside != hall) r.moved = admit::core::movement{who.id, inside, hall};
            } else {
                r.dir = direction::exit;
                r.hall_id = inside;
                r.result = {true, admit::core::reason::ok, false, "Goodbye."};
                r.moved = admit::core::movement{who.id, inside, ""};
            }
            r.station_id = station_of(r.hall_id, r.dir);
            if (roll % 50 == 7) {
                // An offline kiosk's replay, now and then seen differently by the server.
                r.offline = true;
                r.device_time = at - minutes{3};
                r.shown = admit::core::verdict{
                    !r.result.admitted || roll % 2 == 0, admit::core::reason::ok, false, ""};
            }
            if (r.moved) where.apply(*r.moved);
            store.append(r);
        }
        store.commit_batch();
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::int64_t scans = 1'000'000;
    std::size_t people_count = 20'000;
    fs::path dir = fs::temp_directory_path() / ("admit-export-bench-" + std::to_string(getpid()));
    bool keep = false;
    std::string formats = "csv,xlsx,pdf";
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (arg == "--scans")
            scans = std::stoll(value());
        else if (arg == "--people")
            people_count = std::stoul(value());
        else if (arg == "--dir")
            dir = value();
        else if (arg == "--keep")
            keep = true;
        else if (arg == "--formats")
            formats = value();
        else {
            std::fprintf(
                stderr,
                "usage: %s [--scans N] [--people N] [--dir DIR] [--keep] [--formats "
                "csv,xlsx,pdf]\n",
                argv[0]
            );
            return 2;
        }
    }
    const auto event = admit::config::load_config(ADMIT_SOURCE_DIR "/deploy/seoul-2023.toml").event;
    const auto data = dir / "data";
    fs::create_directories(data);
    const auto t0 = steady_clock::now();
    {
        auto store = admit::store::open_sqlite_store(data);
        if (store->scan_count() == 0) {
            store->upsert_attendees(make_roster(people_count));
            generate(*store, event, store->load_roster(), scans);
        }
    }
    const duration<double> generated = steady_clock::now() - t0;
    const long rss_before = peak_rss_kib();

    auto reader = admit::store::open_sqlite_store(data, admit::store::open_mode::read_only);
    admit::reports::export_options opt;
    opt.out_dir = dir / "out";
    opt.csv = formats.find("csv") != std::string::npos;
    opt.xlsx = formats.find("xlsx") != std::string::npos;
    opt.pdf = formats.find("pdf") != std::string::npos;
    const auto t1 = steady_clock::now();
    const auto result = admit::reports::export_reports(*reader, event, opt);
    const duration<double> exported = steady_clock::now() - t1;
    std::uintmax_t bytes = 0;
    for (const auto& f : result.files) bytes += fs::file_size(f);

    std::printf(
        "generated %lld scans in %.1f s (peak RSS %ld MiB)\n",
        static_cast<long long>(reader->scan_count()), generated.count(), rss_before / 1024
    );
    std::printf(
        "exported  %lld scans (%s) in %.2f s: %.0f scans/s, %zu files, %.1f MiB written\n",
        static_cast<long long>(result.scans), formats.c_str(), exported.count(),
        static_cast<double>(result.scans) / exported.count(), result.files.size(),
        static_cast<double>(bytes) / (1024.0 * 1024.0)
    );
    std::printf(
        "peak RSS after export: %ld MiB (before export: %ld MiB)\n", peak_rss_kib() / 1024,
        rss_before / 1024
    );
    if (!keep)
        fs::remove_all(dir);
    else
        std::printf("kept %s\n", dir.c_str());
    return 0;
}
