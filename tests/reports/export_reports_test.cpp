// The reports on a scripted two-day event whose every figure is known: the
// log is written with real store appends in a temporary data directory,
// exported from a read-only store, and the CSV files are read back and
// checked figure by figure. The workbook is read by an independent reader
// (tests/reports/xlsx_matches_csv.py: zipfile + XML) and must hold the same
// figures; each day's PDF must be one page.
//
// The script (KST; A = Art Hall 2, B = 회의실 B):
//   25 Sep  ceremony in A 17:30-19:00 (everyone), briefing in B 18:00-19:00
//           (vip, delegate). p4 leaves A before the ceremony and comes back;
//           p2 walks from A to B (one scan: exit A + entry B); p3 is checked
//           in by hand at the desk; p1's scan into B is annulled by a
//           supervisor; a kiosk offline at 18:40-18:45 replays at 19:05 (one
//           conflict: it admitted p4 whom the server refused); the 23:00
//           clear-out exits p4 (A) and p3 (B). Four refusals.
//   26 Sep  assembly in A 10:00-12:00 (delegates): p2 stays 09:50-11:30,
//           p3 leaves 10:30-11:00 (re-entry), p1 (vip) is refused.
//   p6 (delegate) never comes.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "reports/export_reports.hpp"
#include "reports/summary_pdf.hpp"
#include "store/scan_store.hpp"
#include "support/temp_dir.hpp"
#include "support/test_events.hpp"

namespace admit::reports {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using core::direction;

// --- Fixture data -------------------------------------------------------------

core::time_point kst(int day, int hour, int minute, int second = 0) {
    return core::time_point{
        sys_days{year{2023} / September / day} + hours{hour - 9} + minutes{minute} +
        seconds{second}};
}

core::event_config test_event() {
    core::event_config e;
    e.id = "seoul-test";
    e.name = "Seoul Smart City 2023 (report test)";
    e.time_zone = "Asia/Seoul";
    e.zone = core::local_clock{hours{9}};
    e.sites = {{"ddp", "DDP"}};
    e.halls = {
        {"hall-a", "Art Hall 2", "ddp", 100, std::nullopt},
        {"hall-b", "회의실 B", "ddp", 50, std::nullopt}};
    e.stations = {
        {"a-in", "hall-a", core::station_role::entrance, ""},
        {"a-out", "hall-a", core::station_role::exit, ""},
        {"b-in", "hall-b", core::station_role::entrance, ""},
        {"b-out", "hall-b", core::station_role::exit, ""}};
    e.categories = {
        {"vip", "VIP", "#c0392b", false},
        {"delegate", "WeGO delegate", "#2471a3", false},
        {"press", "Press", "#117a65", false},
        {"guest", "Guest", "#7f8c8d", false}};
    e.sessions = {
        {"ceremony",
         "시상식 Prize ceremony",
         "hall-a",
         kst(25, 17, 30),
         kst(25, 19, 0),
         {},
         minutes{60}},
        {"briefing",
         "Delegate briefing",
         "hall-b",
         kst(25, 18, 0),
         kst(25, 19, 0),
         {"delegate", "vip"},
         minutes{30}},
        {"assembly",
         "General Assembly",
         "hall-a",
         kst(26, 10, 0),
         kst(26, 12, 0),
         {"delegate"},
         minutes{30}},
    };
    return e;
}

std::vector<core::attendee> test_roster() {
    auto person = [](std::string id, std::string name, std::string category, std::string org,
                     std::string city) {
        core::attendee a;
        a.id = std::move(id);
        a.name = std::move(name);
        a.category = std::move(category);
        a.organisation = std::move(org);
        a.city = std::move(city);
        a.country = "KR";
        return a;
    };
    return {
        person("p1", "김민지", "vip", "서울특별시", "Seoul"),
        person("p2", "Ana Silva", "delegate", "Lisbon City Council, \"Smart\" Unit", "Lisbon"),
        person("p3", "이준호", "delegate", "부산광역시", "Busan"),
        person("p4", "Tom Lee", "press", "Korea Herald", "Seoul"),
        person("p5", "박서연", "guest", "", "Seoul"),
        person("p6", "Kenji Sato", "delegate", "Yokohama", "Yokohama"),
    };
}

const std::map<std::string, std::string> category_of{{"p1", "vip"},      {"p2", "delegate"},
                                                     {"p3", "delegate"}, {"p4", "press"},
                                                     {"p5", "guest"},    {"p6", "delegate"}};

struct scan_script {
    std::vector<core::scan_record> log;

    core::scan_record& scan(
        const std::string& id,
        core::time_point at,
        const std::string& station,
        const std::string& who,
        direction dir,
        core::reason why = core::reason::ok
    ) {
        core::scan_record r;
        r.scan_id = id;
        r.station_id = station;
        r.hall_id = station.rfind("a-", 0) == 0 ? "hall-a" : "hall-b";
        r.attendee_id = who;
        r.category = who.empty() ? "" : category_of.at(who);
        r.payload = "A1.seoul-test." + who;
        r.dir = dir;
        r.device_time = at;
        r.server_time = at + milliseconds{120};
        r.result.admitted = why == core::reason::ok;
        r.result.why = why;
        log.push_back(r);
        return log.back();
    }
    // An admitted scan that moved the person.
    core::scan_record& moved(
        const std::string& id,
        core::time_point at,
        const std::string& station,
        const std::string& who,
        direction dir,
        const std::string& from,
        const std::string& to
    ) {
        auto& r = scan(id, at, station, who, dir);
        r.moved = core::movement{who, from, to};
        return r;
    }
};

std::vector<core::scan_record> scripted_log() {
    scan_script s;
    const auto in = direction::entry;
    const auto out = direction::exit;
    // Day 1.
    s.moved("s01", kst(25, 17, 0), "a-in", "p1", in, "", "hall-a");
    s.moved("s02", kst(25, 17, 10), "a-in", "p2", in, "", "hall-a");
    s.moved("s03", kst(25, 17, 20), "a-in", "p4", in, "", "hall-a");
    s.moved("s04", kst(25, 17, 25), "a-out", "p4", out, "hall-a", "");
    s.moved("s05", kst(25, 17, 40), "a-in", "p4", in, "", "hall-a");
    s.scan("s06", kst(25, 17, 45), "a-in", "", in, core::reason::malformed_badge);
    s.scan("s07", kst(25, 17, 50), "b-in", "p5", in, core::reason::category_not_allowed);
    s.moved("s08", kst(25, 18, 5), "b-in", "p2", in, "hall-a", "hall-b");
    {
        auto& m = s.moved("s09", kst(25, 18, 10), "", "p3", in, "", "hall-b");
        m.kind = core::scan_kind::manual;
        m.hall_id = "hall-b";
        m.actor = "desk-kim";
        m.note = "배지 분실, badge forgotten";
    }
    s.moved("s10", kst(25, 18, 15), "a-in", "p5", in, "", "hall-a");
    s.scan("s11", kst(25, 18, 20), "a-in", "p5", in, core::reason::already_inside);
    s.moved("s12", kst(25, 18, 30), "b-in", "p1", in, "hall-a", "hall-b");  // annulled later
    s.moved("s13", kst(25, 19, 0), "b-out", "p2", out, "hall-b", "");
    {
        // The offline kiosk's outbox, replayed at 19:05.
        auto& c =
            s.scan("s14", kst(25, 18, 45), "b-in", "p4", in, core::reason::category_not_allowed);
        c.offline = true;
        c.server_time = kst(25, 19, 5);
        c.shown = core::verdict{
            .admitted = true, .why = core::reason::ok, .warning = false, .explanation = ""};
        auto& x = s.moved("s15", kst(25, 18, 40), "a-out", "p5", out, "hall-a", "");
        x.offline = true;
        x.server_time = kst(25, 19, 5, 1);
        x.shown = core::verdict{
            .admitted = true, .why = core::reason::ok, .warning = false, .explanation = ""};
    }
    s.moved("s16", kst(25, 19, 30), "a-out", "p1", out, "hall-a", "");
    for (const auto& [id, who, hall] :
         {std::tuple{"s17", "p4", "hall-a"}, {"s18", "p3", "hall-b"}}) {
        auto& c = s.moved(id, kst(25, 23, 0), "", who, out, hall, "");
        c.kind = core::scan_kind::clear;
        c.hall_id = hall;
        c.device_time = c.server_time = kst(25, 23, 0);
    }
    // Day 2.
    s.moved("s19", kst(26, 9, 50), "a-in", "p2", in, "", "hall-a");
    s.moved("s20", kst(26, 9, 55), "a-in", "p3", in, "", "hall-a");
    s.scan("s21", kst(26, 10, 5), "a-in", "p1", in, core::reason::category_not_allowed);
    s.moved("s22", kst(26, 10, 30), "a-out", "p3", out, "hall-a", "");
    s.moved("s23", kst(26, 11, 0), "a-in", "p3", in, "", "hall-a");
    s.moved("s24", kst(26, 11, 30), "a-out", "p2", out, "hall-a", "");
    s.moved("s25", kst(26, 12, 10), "a-out", "p3", out, "hall-a", "");
    return s.log;
}

// --- Reading the output back ------------------------------------------------------

std::string read_all(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// RFC 4180: quoted fields may hold commas, quotes ("") and line breaks.
std::vector<std::vector<std::string>> parse_csv(std::string text) {
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field.push_back('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field.push_back(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            ++i;
            row.push_back(std::move(field));
            field.clear();
            rows.push_back(std::move(row));
            row.clear();
        } else {
            field.push_back(c);
        }
    }
    EXPECT_TRUE(field.empty() && row.empty()) << "CSV does not end with CRLF";
    return rows;
}

// A CSV table as header-keyed rows.
struct table {
    std::vector<std::string> header;
    std::vector<std::map<std::string, std::string>> rows;

    // The rows whose columns equal every given value.
    std::vector<std::map<std::string, std::string>> where(
        const std::map<std::string, std::string>& match
    ) const {
        std::vector<std::map<std::string, std::string>> found;
        for (const auto& r : rows) {
            bool ok = true;
            for (const auto& [k, v] : match) ok = ok && r.count(k) != 0 && r.at(k) == v;
            if (ok) found.push_back(r);
        }
        return found;
    }
    // The one row matching; fails the test otherwise.
    std::map<std::string, std::string> one(const std::map<std::string, std::string>& match) const {
        auto found = where(match);
        EXPECT_EQ(found.size(), 1u) << "rows matching " << describe(match);
        return found.empty() ? std::map<std::string, std::string>{} : found.front();
    }
    static std::string describe(const std::map<std::string, std::string>& m) {
        std::string s;
        for (const auto& [k, v] : m) s += k + "=" + v + " ";
        return s;
    }
};

table load_table(const fs::path& file) {
    const auto raw = parse_csv(read_all(file));
    table t;
    if (raw.empty()) {
        ADD_FAILURE() << file << " is empty";
        return t;
    }
    t.header = raw.front();
    for (std::size_t i = 1; i < raw.size(); ++i) {
        EXPECT_EQ(raw[i].size(), t.header.size()) << file << " row " << i;
        std::map<std::string, std::string> r;
        for (std::size_t c = 0; c < t.header.size() && c < raw[i].size(); ++c) {
            r[t.header[c]] = raw[i][c];
        }
        t.rows.push_back(std::move(r));
    }
    return t;
}

int run(const std::string& command) {
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// --- The fixture: one export shared by every check --------------------------------

class export_reports_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        root_ = new fs::path(
            fs::temp_directory_path() / ("admit-reports-" + std::to_string(::getpid()))
        );
        fs::remove_all(*root_);
        const auto data = *root_ / "data";
        fs::create_directories(data);
        {
            auto writer = store::open_sqlite_store(data);
            writer->upsert_attendees(test_roster());
            const auto log = scripted_log();
            writer->begin_batch();
            for (const auto& r : log) writer->append(r);
            writer->commit_batch();
            store::audit_entry why;
            why.at = kst(25, 18, 35);
            why.actor = "supervisor-park";
            why.action = "annul";
            why.note = "scanned by mistake";
            ASSERT_TRUE(writer->annul("s12", why));
        }
        // As the server's download route and `admit export` do: a read-only store.
        auto reader = store::open_sqlite_store(data, store::open_mode::read_only);
        export_options opt;
        opt.out_dir = *root_ / "out";
        result_ = new export_result(export_reports(*reader, test_event(), opt));
    }
    static void TearDownTestSuite() {
        fs::remove_all(*root_);
        delete root_;
        delete result_;
    }

    static table csv(const std::string& name) {
        return load_table(out() / "csv" / (name + ".csv"));
    }
    static fs::path out() { return *root_ / "out"; }

    static fs::path* root_;
    static export_result* result_;
};
fs::path* export_reports_test::root_ = nullptr;
export_result* export_reports_test::result_ = nullptr;

TEST_F(export_reports_test, writes_every_file) {
    EXPECT_EQ(result_->scans, 25);
    EXPECT_EQ(result_->days, 2);
    for (const char* name :
         {"README", "days", "day_categories", "sessions", "session_categories", "session_attendance",
          "session_no_shows", "by_city", "by_organisation", "attendees", "attendee_days",
          "timeline", "occupancy", "hall_peaks", "refusals", "audit", "scans", "conflicts"}) {
        EXPECT_TRUE(fs::exists(out() / "csv" / (std::string(name) + ".csv"))) << name;
    }
    EXPECT_TRUE(fs::exists(out() / "admit-report.xlsx"));
    EXPECT_TRUE(fs::exists(out() / "summary-2023-09-25.pdf"));
    EXPECT_TRUE(fs::exists(out() / "summary-2023-09-26.pdf"));
}

TEST_F(export_reports_test, csv_is_utf8_with_rfc4180_quoting) {
    const auto text = read_all(out() / "csv" / "by_organisation.csv");
    EXPECT_EQ(text.rfind("\xEF\xBB\xBF", 0), 0u) << "UTF-8 byte-order mark for Excel";
    EXPECT_NE(
        text.find("\"Lisbon City Council, \"\"Smart\"\" Unit\",ceremony,1,1,1.0000\r\n"),
        std::string::npos
    );
    auto people = csv("attendees");
    EXPECT_EQ(people.one({{"attendee_id", "p1"}})["name"], "김민지");
    EXPECT_EQ(people.one({{"attendee_id", "p1"}})["organisation"], "서울특별시");
    EXPECT_EQ(csv("audit").one({{"action", "manual entry"}})["note"], "배지 분실, badge forgotten");
}

TEST_F(export_reports_test, sessions_count_who_was_inside_during_them) {
    auto sessions = csv("sessions");
    ASSERT_EQ(sessions.rows.size(), 3u);
    auto ceremony = sessions.one({{"session_id", "ceremony"}});
    EXPECT_EQ(ceremony["start"], "2023-09-25 17:30:00");
    EXPECT_EQ(ceremony["end"], "2023-09-25 19:00:00");
    EXPECT_EQ(ceremony["registered"], "6");
    EXPECT_EQ(ceremony["attended"], "4");
    EXPECT_EQ(ceremony["no_shows"], "2");
    EXPECT_EQ(ceremony["attendance_rate"], "0.6667");
    auto briefing = sessions.one({{"session_id", "briefing"}});
    EXPECT_EQ(briefing["registered"], "4");
    EXPECT_EQ(briefing["attended"], "2");  // not p1 (annulled), not p4 (refused)
    EXPECT_EQ(briefing["attendance_rate"], "0.5000");
    auto assembly = sessions.one({{"session_id", "assembly"}});
    EXPECT_EQ(assembly["registered"], "3");
    EXPECT_EQ(assembly["attended"], "2");
    EXPECT_EQ(assembly["no_shows"], "1");

    auto who = csv("session_attendance");
    auto row = [&](const char* s, const char* p) {
        return who.one({{"session_id", s}, {"attendee_id", p}});
    };
    EXPECT_EQ(row("ceremony", "p1")["first_entry"], "2023-09-25 17:00:00");
    EXPECT_EQ(row("ceremony", "p1")["minutes_inside"], "90.0");
    EXPECT_EQ(row("ceremony", "p2")["minutes_inside"], "35.0");  // until the walk to B
    // p4 left before the start and came back: the first entry that counts is 17:40.
    EXPECT_EQ(row("ceremony", "p4")["first_entry"], "2023-09-25 17:40:00");
    EXPECT_EQ(row("ceremony", "p4")["minutes_inside"], "80.0");
    // p5's exit was scanned offline at 18:40 and reached the server at 19:05.
    EXPECT_EQ(row("ceremony", "p5")["minutes_inside"], "25.0");
    EXPECT_EQ(row("briefing", "p2")["minutes_inside"], "55.0");
    EXPECT_EQ(row("briefing", "p3")["minutes_inside"], "50.0");
    EXPECT_EQ(row("briefing", "p3")["first_entry"], "2023-09-25 18:10:00");
    EXPECT_EQ(row("assembly", "p2")["first_entry"], "2023-09-26 09:50:00");
    EXPECT_EQ(row("assembly", "p2")["minutes_inside"], "90.0");
    EXPECT_EQ(row("assembly", "p3")["minutes_inside"], "90.0");  // 30 + 60 around a break
    EXPECT_EQ(who.rows.size(), 8u);

    auto absent = csv("session_no_shows");
    EXPECT_EQ(absent.where({{"session_id", "ceremony"}}).size(), 2u);
    absent.one({{"session_id", "ceremony"}, {"attendee_id", "p3"}});
    absent.one({{"session_id", "ceremony"}, {"attendee_id", "p6"}});
    absent.one({{"session_id", "briefing"}, {"attendee_id", "p1"}});
    absent.one({{"session_id", "briefing"}, {"attendee_id", "p6"}});
    absent.one({{"session_id", "assembly"}, {"attendee_id", "p6"}});
    EXPECT_EQ(absent.rows.size(), 5u);

    auto cats = csv("session_categories");
    auto delegates = cats.one({{"session_id", "ceremony"}, {"category", "delegate"}});
    EXPECT_EQ(delegates["registered"], "3");
    EXPECT_EQ(delegates["attended"], "1");
    EXPECT_EQ(delegates["no_shows"], "2");
    EXPECT_EQ(cats.one({{"session_id", "ceremony"}, {"category", "press"}})["attended"], "1");
    EXPECT_EQ(cats.where({{"session_id", "briefing"}, {"category", "press"}}).size(), 0u);
}

TEST_F(export_reports_test, attendees_have_first_in_last_out_and_time_per_hall) {
    auto days = csv("attendee_days");
    auto day = [&](const char* p, const char* d) {
        return days.one({{"attendee_id", p}, {"day", d}});
    };
    auto p4 = day("p4", "2023-09-25");
    EXPECT_EQ(p4["first_in"], "2023-09-25 17:20:00");
    EXPECT_EQ(p4["last_out"], "2023-09-25 23:00:00");  // the clear-out
    EXPECT_EQ(p4["minutes_hall-a"], "325.0");          // 5 + 320
    EXPECT_EQ(p4["minutes_hall-b"], "0.0");
    auto p2 = day("p2", "2023-09-25");
    EXPECT_EQ(p2["minutes_hall-a"], "55.0");
    EXPECT_EQ(p2["minutes_hall-b"], "55.0");
    EXPECT_EQ(p2["total_minutes"], "110.0");
    EXPECT_EQ(p2["last_out"], "2023-09-25 19:00:00");
    EXPECT_EQ(day("p3", "2023-09-25")["minutes_hall-b"], "290.0");
    EXPECT_EQ(day("p3", "2023-09-26")["minutes_hall-a"], "105.0");
    EXPECT_EQ(day("p3", "2023-09-26")["last_out"], "2023-09-26 12:10:00");
    EXPECT_EQ(day("p5", "2023-09-25")["last_out"], "2023-09-25 18:40:00");
    EXPECT_EQ(
        day("p1", "2023-09-25")["minutes_hall-a"], "150.0"
    );  // the annulled scan moved nothing
    EXPECT_EQ(days.where({{"attendee_id", "p6"}}).size(), 0u);
    EXPECT_EQ(days.rows.size(), 7u);

    auto people = csv("attendees");
    auto ana = people.one({{"attendee_id", "p2"}});
    EXPECT_EQ(ana["days_present"], "2");
    EXPECT_EQ(ana["first_in"], "2023-09-25 17:10:00");
    EXPECT_EQ(ana["last_out"], "2023-09-26 11:30:00");
    EXPECT_EQ(ana["minutes_hall-a"], "155.0");
    EXPECT_EQ(ana["total_minutes"], "210.0");
    EXPECT_EQ(people.rows.size(), 5u);

    auto timeline = csv("timeline");
    EXPECT_EQ(timeline.rows.size(), 20u);  // 10 entries, 10 exits
    auto walk =
        timeline.one({{"attendee_id", "p2"}, {"time", "2023-09-25 18:05:00"}, {"direction", "exit"}}
        );
    EXPECT_EQ(walk["hall_id"], "hall-a");
    EXPECT_EQ(walk["station_id"], "b-in");
    EXPECT_EQ(walk["how"], "moved to hall-b");
    auto cleared = timeline.one({{"attendee_id", "p3"}, {"direction", "exit"}, {"kind", "clear"}});
    EXPECT_EQ(cleared["how"], "clear-out");
    EXPECT_EQ(timeline.one({{"attendee_id", "p5"}, {"direction", "exit"}})["offline"], "yes");
    EXPECT_EQ(timeline.where({{"attendee_id", "p1"}, {"hall_id", "hall-b"}}).size(), 0u);
}

TEST_F(export_reports_test, cities_and_organisations) {
    auto cities = csv("by_city");
    auto seoul = [&](const char* s) { return cities.one({{"city", "Seoul"}, {"session_id", s}}); };
    EXPECT_EQ(seoul("ceremony")["registered"], "3");
    EXPECT_EQ(seoul("ceremony")["attended"], "3");
    EXPECT_EQ(seoul("briefing")["registered"], "1");
    EXPECT_EQ(seoul("briefing")["attended"], "0");
    EXPECT_EQ(seoul("briefing")["attendance_rate"], "0.0000");
    EXPECT_EQ(seoul("assembly")["registered"], "0");
    EXPECT_EQ(seoul("assembly")["attendance_rate"], "");  // nobody to attend
    EXPECT_EQ(seoul("(event)")["attendance_rate"], "1.0000");
    auto yokohama = cities.one({{"city", "Yokohama"}, {"session_id", "(event)"}});
    EXPECT_EQ(yokohama["registered"], "1");
    EXPECT_EQ(yokohama["attended"], "0");
    EXPECT_EQ(cities.one({{"city", "Busan"}, {"session_id", "ceremony"}})["attended"], "0");
    EXPECT_EQ(cities.rows.size(), 4u * 4u);

    auto orgs = csv("by_organisation");
    EXPECT_EQ(orgs.one({{"organisation", "(none)"}, {"session_id", "ceremony"}})["attended"], "1");
    EXPECT_EQ(
        orgs.one({{"organisation", "부산광역시"}, {"session_id", "assembly"}})["attended"], "1"
    );
}

TEST_F(export_reports_test, occupancy_replays_the_log_like_the_server) {
    auto peaks = csv("hall_peaks");
    auto peak = [&](const char* h, const char* d) {
        return peaks.one({{"hall_id", h}, {"day", d}});
    };
    EXPECT_EQ(peak("hall-a", "2023-09-25")["peak"], "3");
    EXPECT_EQ(peak("hall-a", "2023-09-25")["peak_at"], "2023-09-25 17:20:00");
    EXPECT_EQ(peak("hall-b", "2023-09-25")["peak"], "2");  // not 3: p1's scan was annulled
    EXPECT_EQ(peak("hall-b", "2023-09-25")["peak_at"], "2023-09-25 18:10:00");
    EXPECT_EQ(peak("hall-a", "2023-09-26")["peak"], "2");
    EXPECT_EQ(peak("hall-a", "2023-09-26")["peak_at"], "2023-09-26 09:55:00");
    EXPECT_EQ(peak("hall-a", "2023-09-26")["capacity"], "100");

    auto occ = csv("occupancy");
    auto bucket = [&](const char* h, const char* start) {
        return occ.one({{"hall_id", h}, {"bucket_start", start}});
    };
    // 17:00 to 23:00 on day 1 (73 buckets) and 09:50 to 12:10 on day 2 (29).
    EXPECT_EQ(occ.where({{"hall_id", "hall-a"}}).size(), 73u + 29u);
    EXPECT_EQ(bucket("hall-a", "2023-09-25 17:00:00")["inside_at_end"], "1");
    EXPECT_EQ(bucket("hall-a", "2023-09-25 17:00:00")["bucket_end"], "2023-09-25 17:05:00");
    EXPECT_EQ(bucket("hall-a", "2023-09-25 17:25:00")["inside_at_end"], "2");
    EXPECT_EQ(bucket("hall-a", "2023-09-25 17:25:00")["peak_in_bucket"], "3");
    EXPECT_EQ(bucket("hall-a", "2023-09-25 17:35:00")["peak_in_bucket"], "2");
    // p5's exit read offline at 18:40 and replayed at 19:05 counts when it was read.
    EXPECT_EQ(bucket("hall-a", "2023-09-25 18:35:00")["inside_at_end"], "3");
    EXPECT_EQ(bucket("hall-a", "2023-09-25 18:40:00")["inside_at_end"], "2");
    EXPECT_EQ(bucket("hall-a", "2023-09-25 19:05:00")["inside_at_end"], "2");
    EXPECT_EQ(bucket("hall-a", "2023-09-25 23:00:00")["inside_at_end"], "0");
    EXPECT_EQ(bucket("hall-a", "2023-09-25 23:00:00")["peak_in_bucket"], "1");
    EXPECT_EQ(bucket("hall-b", "2023-09-25 18:30:00")["inside_at_end"], "2");
    EXPECT_EQ(bucket("hall-b", "2023-09-25 19:00:00")["inside_at_end"], "1");
    EXPECT_EQ(bucket("hall-a", "2023-09-26 12:10:00")["inside_at_end"], "0");
}

TEST_F(export_reports_test, refusals_audit_scans_and_conflicts) {
    auto refusals = csv("refusals");
    EXPECT_EQ(
        refusals.one({{"reason", "category_not_allowed"}, {"station_id", "b-in"}})["count"], "2"
    );
    EXPECT_EQ(
        refusals.one({{"reason", "category_not_allowed"}, {"station_id", "a-in"}})["count"], "1"
    );
    EXPECT_EQ(refusals.one({{"reason", "already_inside"}})["count"], "1");
    EXPECT_EQ(refusals.one({{"reason", "malformed_badge"}})["hall_id"], "hall-a");
    EXPECT_EQ(refusals.rows.size(), 4u);

    auto audit = csv("audit");
    ASSERT_EQ(audit.rows.size(), 2u);
    EXPECT_EQ(audit.rows[0]["action"], "manual entry");
    EXPECT_EQ(audit.rows[0]["actor"], "desk-kim");
    EXPECT_EQ(audit.rows[0]["attendee_id"], "p3");
    EXPECT_EQ(audit.rows[0]["time"], "2023-09-25 18:10:00");
    EXPECT_EQ(audit.rows[1]["action"], "annul");
    EXPECT_EQ(audit.rows[1]["actor"], "supervisor-park");
    EXPECT_EQ(audit.rows[1]["subject"], "s12");
    EXPECT_EQ(audit.rows[1]["attendee_id"], "p1");
    EXPECT_EQ(audit.rows[1]["name"], "김민지");
    EXPECT_EQ(audit.rows[1]["hall_id"], "hall-b");

    auto scans = csv("scans");
    ASSERT_EQ(scans.rows.size(), 25u);
    EXPECT_EQ(scans.rows[0]["seq"], "1");
    auto replay = scans.one({{"scan_id", "s14"}});
    EXPECT_EQ(replay["device_time"], "2023-09-25 18:45:00");
    EXPECT_EQ(replay["server_time"], "2023-09-25 19:05:00");
    EXPECT_EQ(replay["offline"], "yes");
    EXPECT_EQ(replay["verdict"], "refused");
    EXPECT_EQ(replay["reason"], "category_not_allowed");
    EXPECT_EQ(replay["shown_verdict"], "admitted");
    EXPECT_EQ(scans.one({{"scan_id", "s12"}})["annulled"], "yes");
    EXPECT_EQ(scans.one({{"scan_id", "s09"}})["kind"], "manual");
    EXPECT_EQ(scans.one({{"scan_id", "s01"}})["offline"], "no");

    auto conflicts = csv("conflicts");
    ASSERT_EQ(conflicts.rows.size(), 1u);
    EXPECT_EQ(conflicts.rows[0]["scan_id"], "s14");
    EXPECT_EQ(conflicts.rows[0]["attendee_id"], "p4");
    EXPECT_EQ(conflicts.rows[0]["shown_verdict"], "admitted");
    EXPECT_EQ(conflicts.rows[0]["verdict"], "refused");
}

TEST_F(export_reports_test, figures_per_day) {
    auto days = csv("days");
    ASSERT_EQ(days.rows.size(), 2u);
    auto d1 = days.one({{"day", "2023-09-25"}});
    EXPECT_EQ(d1["registered"], "6");
    EXPECT_EQ(d1["attended"], "5");
    EXPECT_EQ(d1["attendance_rate"], "0.8333");
    EXPECT_EQ(d1["entries"], "7");
    EXPECT_EQ(d1["exits"], "7");
    EXPECT_EQ(d1["refused"], "4");
    EXPECT_EQ(d1["manual"], "1");
    EXPECT_EQ(d1["annulled"], "1");
    EXPECT_EQ(d1["conflicts"], "1");
    EXPECT_EQ(d1["sessions"], "2");
    EXPECT_EQ(d1["session_attendances"], "6");
    auto d2 = days.one({{"day", "2023-09-26"}});
    EXPECT_EQ(d2["attended"], "2");
    EXPECT_EQ(d2["entries"], "3");
    EXPECT_EQ(d2["exits"], "3");
    EXPECT_EQ(d2["refused"], "1");
    EXPECT_EQ(d2["sessions"], "1");
    EXPECT_EQ(d2["session_attendances"], "2");

    auto cats = csv("day_categories");
    auto delegates = cats.one({{"day", "2023-09-26"}, {"category", "delegate"}});
    EXPECT_EQ(delegates["registered"], "3");
    EXPECT_EQ(delegates["attended"], "2");
    EXPECT_EQ(cats.one({{"day", "2023-09-26"}, {"category", "vip"}})["attended"], "0");
}

TEST_F(export_reports_test, workbook_read_independently_matches_the_csv) {
    const std::string script = ADMIT_SOURCE_DIR "/tests/reports/xlsx_matches_csv.py";
    EXPECT_EQ(
        run("python3 '" + script + "' '" + (out() / "admit-report.xlsx").string() + "' '" +
            (out() / "csv").string() + "'"),
        0
    );
}

TEST_F(export_reports_test, one_pdf_page_per_day) {
    const std::regex page(R"(/Type\s*/Page[^s])");
    for (const char* day : {"2023-09-25", "2023-09-26"}) {
        const auto pdf = read_all(out() / (std::string("summary-") + day + ".pdf"));
        ASSERT_EQ(pdf.rfind("%PDF-", 0), 0u) << day;
        const auto pages = std::distance(
            std::sregex_iterator(pdf.begin(), pdf.end(), page), std::sregex_iterator()
        );
        EXPECT_EQ(pages, 1) << day;
    }
}

TEST_F(export_reports_test, admit_export_command_writes_the_chosen_formats) {
    const auto dir = *root_ / "cli-out";
    const std::string cmd = std::string(ADMIT_CLI) + " export --config '" + ADMIT_SOURCE_DIR +
                            "/deploy/seoul-2023.toml' --data '" + (*root_ / "data").string() +
                            "' --out '" + dir.string() + "' --format csv,pdf > /dev/null";
    ASSERT_EQ(run(cmd), 0);
    EXPECT_TRUE(fs::exists(dir / "csv" / "scans.csv"));
    EXPECT_FALSE(fs::exists(dir / "admit-report.xlsx"));
    EXPECT_EQ(load_table(dir / "csv" / "scans.csv").rows.size(), 25u);
    EXPECT_EQ(
        run(std::string(ADMIT_CLI) + " export --config x --data y --out z --format doc 2>/dev/null"
        ),
        2
    );
}

// The workbook `admit export` writes, opened by a reader we did not write
// (openpyxl, as a spreadsheet user's tools do): sheets, headers, date-times,
// Hangul text, and figures that agree between sheets.
TEST_F(export_reports_test, admit_export_workbook_opens_in_openpyxl) {
    const auto dir = *root_ / "openpyxl-out";
    ASSERT_EQ(
        run(std::string(ADMIT_CLI) + " export --config '" + ADMIT_SOURCE_DIR + "/deploy/seoul-2023.toml' --data '" +
            (*root_ / "data").string() + "' --out '" + dir.string() + "' --format xlsx > /dev/null"),
        0
    );
    const std::string script = ADMIT_SOURCE_DIR "/tests/reports/xlsx_openpyxl_check.py";
    // Debian's python3, where Debian's python3-openpyxl is (a python3 earlier on PATH may not have it).
    const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    const int status = run(python + " '" + script + "' '" + (dir / "admit-report.xlsx").string() + "'");
    EXPECT_NE(status, 3) << "python3-openpyxl is missing: run deploy/scripts/install-deps.sh";
    EXPECT_EQ(status, 0);
}

// A rehearsal the day before on the same data directory, then the real day:
// every scan and audit row says which clock its times are from.
TEST(export_reports_clock, rows_say_whether_their_times_are_from_a_rehearsal_clock) {
    const test::temp_dir dir;
    const auto data = dir.path() / "data";
    fs::create_directories(data);
    {
        auto writer = store::open_sqlite_store(data);
        writer->upsert_attendees(test_roster());
        writer->add_audit(store::server_start_entry(kst(25, 17, 0), true, "2023-09-25T17:00:00+09:00 at 60x", 1));
        scan_script rehearsal;
        rehearsal.moved("r1", kst(25, 17, 1), "a-in", "p1", direction::entry, "", "hall-a");
        rehearsal.scan("r2", kst(25, 17, 2), "a-in", "p5", direction::entry, core::reason::hall_full);
        writer->begin_batch();
        for (const auto& r : rehearsal.log) writer->append(r);
        writer->commit_batch();
        writer->add_audit({0, kst(25, 17, 3), "Kim (shared token)", "reissue", "p1", "version 2: lost"});
        writer->add_audit({0, kst(25, 9, 0), "admit-cli:root", "staff_add", "Lee", "credential issued"});
        writer->add_audit(store::server_start_entry(kst(25, 17, 30), false, "", 3));
        scan_script real;
        real.moved("e1", kst(25, 17, 31), "a-in", "p2", direction::entry, "", "hall-a");
        writer->begin_batch();
        for (const auto& r : real.log) writer->append(r);
        writer->commit_batch();
    }
    auto reader = store::open_sqlite_store(data, store::open_mode::read_only);
    export_options opt;
    opt.out_dir = dir.path() / "out";
    opt.xlsx = opt.pdf = false;
    export_reports(*reader, test_event(), opt);
    auto scans = load_table(opt.out_dir / "csv" / "scans.csv");
    EXPECT_EQ(scans.one({{"scan_id", "r1"}})["clock"], "rehearsal");
    EXPECT_EQ(scans.one({{"scan_id", "r2"}})["clock"], "rehearsal");
    EXPECT_EQ(scans.one({{"scan_id", "e1"}})["clock"], "real");
    auto audit = load_table(opt.out_dir / "csv" / "audit.csv");
    EXPECT_EQ(audit.one({{"action", "reissue"}})["clock"], "rehearsal");
    EXPECT_EQ(audit.one({{"action", "staff_add"}})["clock"], "real") << "the admin tool reads the real clock";
}

// The text of a PDF with every run of white space made one space (pdftotext
// breaks wrapped lines), or nullopt without pdftotext.
std::optional<std::string> pdf_text(const fs::path& pdf) {
    if (run("command -v pdftotext > /dev/null") != 0) return std::nullopt;
    const auto txt = pdf.string() + ".txt";
    if (run("pdftotext -layout '" + pdf.string() + "' '" + txt + "'") != 0) return std::nullopt;
    std::string text;
    bool space = false;
    for (const char c : read_all(txt)) {
        if (c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r') {
            space = true;
            continue;
        }
        if (space && !text.empty()) text += ' ';
        space = false;
        text += c;
    }
    return text;
}

int pdf_page_count(const fs::path& pdf) {
    const auto bytes = read_all(pdf);
    const std::regex page(R"(/Type\s*/Page[^s])");
    return static_cast<int>(std::distance(std::sregex_iterator(bytes.begin(), bytes.end(), page), std::sregex_iterator()));
}

// What organisers read on the printed summary: each hall's chart up to its
// capacity with the capacity marked, refusals by reason, names in full.
TEST(summary_pdf, each_hall_has_its_capacity_refusals_are_by_reason_and_names_are_whole) {
    const test::temp_dir dir;
    auto event = test_event();
    day_summary day;
    day.day = day_of(kst(25, 12, 0), core::local_clock{hours{9}});
    day.entries = 700;
    day.refused = 14;
    day.refused_by_reason = {{"hall_full", 9}, {"not_inside", 4}, {"revoked_badge", 1}};
    const std::string long_session =
        "1st Seoul Smart City Prize award ceremony and the reception of the finalists afterwards";
    const std::string long_hall = "Dongdaemun Design Plaza Art Hall 2 (ground floor, east wing)";
    day.sessions.push_back({long_session, long_hall, kst(25, 17, 30), kst(25, 20, 0), 600, 580, 570});
    day_summary::hall_curve big{long_hall, 600, 300, kst(25, 18, 0), {}};
    for (int m = 0; m < 120; m += 5) big.points.emplace_back(kst(25, 17, 0) + minutes{m}, 300 * m / 115);
    day_summary::hall_curve small{"회의실 B", 50, 20, kst(25, 18, 30), {{kst(25, 18, 30), 20}}};
    day.halls = {big, small};
    const auto file = dir.path() / "summary.pdf";
    write_day_summary_pdf(file, event, day);
    EXPECT_EQ(pdf_page_count(file), 1);
    const auto text = pdf_text(file);
    if (!text) GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
    EXPECT_NE(text->find("capacity 600"), std::string::npos) << *text;
    EXPECT_NE(text->find("capacity 50"), std::string::npos) << *text;
    // The axis of the hall of 600 goes to 600, though its peak was 300.
    EXPECT_NE(text->find("600"), std::string::npos);
    EXPECT_NE(text->find("hall full: 9"), std::string::npos) << *text;
    EXPECT_NE(text->find("not inside: 4"), std::string::npos) << *text;
    EXPECT_EQ(text->find("..."), std::string::npos) << *text;
    EXPECT_EQ(text->find("\u2026"), std::string::npos) << "a name cut short: " << *text;
    for (const char* word : {"finalists", "afterwards", "wing)"}) EXPECT_NE(text->find(word), std::string::npos) << word;
}

TEST(summary_pdf, a_day_with_no_scans_says_so_on_its_one_page) {
    const test::temp_dir dir;
    day_summary day;
    day.day = day_of(kst(26, 12, 0), core::local_clock{hours{9}});
    day.registered = 6;
    day.sessions.push_back({"General Assembly", "Art Hall 2", kst(26, 10, 0), kst(26, 12, 0), 3, 0, 0});
    day.halls.push_back({"Art Hall 2", 100, 0, {}, {}});
    const auto file = dir.path() / "empty.pdf";
    write_day_summary_pdf(file, test_event(), day);
    EXPECT_EQ(pdf_page_count(file), 1);
    const auto text = pdf_text(file);
    if (!text) GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
    EXPECT_NE(text->find("No scans were recorded on this day."), std::string::npos) << *text;
    EXPECT_NE(text->find("Nobody entered or left a hall on this day."), std::string::npos) << *text;
    EXPECT_NE(text->find("No scan was refused on this day."), std::string::npos) << *text;
}

TEST_F(export_reports_test, exports_on_two_threads_at_once_agree) {
    // The HTTP route may run two downloads at once: no shared state between calls.
    auto one = [&](const fs::path& dir) {
        auto reader = store::open_sqlite_store(*root_ / "data", store::open_mode::read_only);
        export_options opt;
        opt.out_dir = dir;
        opt.pdf = false;
        export_reports(*reader, test_event(), opt);
    };
    std::thread a(one, *root_ / "t1");
    std::thread b(one, *root_ / "t2");
    a.join();
    b.join();
    EXPECT_EQ(
        read_all(*root_ / "t1" / "csv" / "sessions.csv"), read_all(out() / "csv" / "sessions.csv")
    );
    EXPECT_EQ(
        read_all(*root_ / "t2" / "csv" / "timeline.csv"), read_all(out() / "csv" / "timeline.csv")
    );
}


// --- Hostile text and clocks, through the real `admit export` -------------------

// Runs `admit export` on a data directory with the Seoul config (whose sessions
// are on 25 and 26 Sep 2023, like the script) and returns its exit code.
int admit_export(const fs::path& data, const fs::path& out, const std::string& formats) {
    return run(
        std::string(ADMIT_CLI) + " export --config '" + ADMIT_SOURCE_DIR +
        "/deploy/seoul-2023.toml' --data '" + data.string() + "' --out '" + out.string() +
        "' --format " + formats + " > /dev/null"
    );
}

// A data directory holding the roster and the log, with the annulment of s12.
void write_data(
    const fs::path& data,
    const std::vector<core::attendee>& roster,
    const std::vector<core::scan_record>& log,
    const store::audit_entry& annulment
) {
    fs::create_directories(data);
    auto writer = store::open_sqlite_store(data);
    writer->upsert_attendees(roster);
    writer->begin_batch();
    for (const auto& r : log) writer->append(r);
    writer->commit_batch();
    ASSERT_TRUE(writer->annul("s12", annulment));
}

store::audit_entry annulment(std::string actor, std::string note) {
    store::audit_entry why;
    why.at = kst(25, 18, 35);
    why.actor = std::move(actor);
    why.action = "annul";
    why.note = std::move(note);
    return why;
}

bool runs_as_formula(const std::string& cell) {
    return !cell.empty() && std::string_view("=+-@\t\r").find(cell.front()) != std::string::npos;
}

// Names, organisations, cities, a desk actor and notes that Excel would run.
class csv_injection_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        root_ = new test::temp_dir;
        auto roster = test_roster();
        roster[0].name = R"(=HYPERLINK("http://x","click"))";
        roster[0].organisation = "+1+1";
        roster[0].city = "-2+3";
        roster[1].name = "@SUM(A1)";
        roster[1].organisation = "\t=1";
        roster[1].city = "\r=1";
        auto log = scripted_log();
        for (auto& r : log) {
            if (r.scan_id == "s09") {
                r.actor = "-desk-kim";
                r.note = "=cmd|' /C calc'!A0";
            }
        }
        write_data(data(), roster, log, annulment("@supervisor", "+scanned by mistake"));
        ASSERT_EQ(admit_export(data(), out(), "csv,xlsx"), 0);
    }
    static void TearDownTestSuite() { delete root_; }
    static fs::path data() { return root_->path() / "data"; }
    static fs::path out() { return root_->path() / "out"; }
    static table csv(const std::string& name) {
        return load_table(out() / "csv" / (name + ".csv"));
    }
    static test::temp_dir* root_;
};
test::temp_dir* csv_injection_test::root_ = nullptr;

TEST_F(csv_injection_test, no_cell_of_any_report_runs_as_a_formula) {
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(out() / "csv")) {
        ++files;
        for (const auto& row : parse_csv(read_all(entry.path()))) {
            for (const auto& cell : row) {
                EXPECT_FALSE(runs_as_formula(cell)) << entry.path().filename() << ": " << cell;
            }
        }
    }
    EXPECT_EQ(files, 18u);
}

TEST_F(csv_injection_test, such_text_cells_start_with_a_quote_and_keep_their_text) {
    auto people = csv("attendees");
    auto p1 = people.one({{"attendee_id", "p1"}});
    EXPECT_EQ(p1["name"], R"('=HYPERLINK("http://x","click"))");
    EXPECT_EQ(p1["organisation"], "'+1+1");
    EXPECT_EQ(p1["city"], "'-2+3");
    auto p2 = people.one({{"attendee_id", "p2"}});
    EXPECT_EQ(p2["name"], "'@SUM(A1)");
    EXPECT_EQ(p2["organisation"], "'\t=1");
    EXPECT_EQ(p2["city"], "'\r=1");
    // The Seoul config's 5 sessions and the event as a whole.
    EXPECT_EQ(csv("by_city").where({{"city", "'-2+3"}}).size(), 6u);
    auto audit = csv("audit");
    auto manual = audit.one({{"action", "manual entry"}});
    EXPECT_EQ(manual["actor"], "'-desk-kim");
    EXPECT_EQ(manual["note"], "'=cmd|' /C calc'!A0");
    auto annul = audit.one({{"action", "annul"}});
    EXPECT_EQ(annul["actor"], "'@supervisor");
    EXPECT_EQ(annul["note"], "'+scanned by mistake");
    EXPECT_EQ(annul["name"], R"('=HYPERLINK("http://x","click"))");
    auto scan = csv("scans").one({{"scan_id", "s09"}});
    EXPECT_EQ(scan["actor"], "'-desk-kim");
    EXPECT_EQ(scan["seq"], "9");  // numbers stay numbers
    EXPECT_EQ(csv("timeline").where({{"name", "'@SUM(A1)"}}).size(), 6u);
}

TEST_F(csv_injection_test, the_workbook_keeps_the_text_as_is) {
    // Inline strings are never formulas: the sheet holds the name itself,
    // which the independent reader matches against the CSV minus its quote.
    const std::string script = ADMIT_SOURCE_DIR "/tests/reports/xlsx_matches_csv.py";
    EXPECT_EQ(
        run("python3 '" + script + "' '" + (out() / "admit-report.xlsx").string() + "' '" +
            (out() / "csv").string() + "'"),
        0
    );
}

// One kiosk with a wrong clock: p6 (who never came in the script) is let in
// offline at a device time of 1970 and out at one of 2099; the server got
// both during the assembly.
std::vector<core::scan_record> log_with_wrong_clocks() {
    auto log = scripted_log();
    scan_script s;
    auto& in = s.moved("s26", kst(26, 10, 15), "a-in", "p6", direction::entry, "", "hall-a");
    in.device_time = core::time_point{sys_days{year{1970} / January / 1} + hours{3}};
    auto& out = s.moved("s27", kst(26, 10, 20), "a-out", "p6", direction::exit, "hall-a", "");
    out.device_time = core::time_point{sys_days{year{2099} / March / 3} + hours{3}};
    for (auto& r : s.log) {
        r.offline = true;
        r.shown = r.result;
    }
    // In seq order, as the server logged them: between s21 (10:05) and s22 (10:30).
    const auto s22 = std::find_if(log.begin(), log.end(), [](const auto& r) {
        return r.scan_id == "s22";
    });
    log.insert(s22, s.log.begin(), s.log.end());
    return log;
}

std::uintmax_t folder_size(const fs::path& dir) {
    std::uintmax_t size = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file()) size += entry.file_size();
    }
    return size;
}

class event_days_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        root_ = new test::temp_dir;
        const auto why = annulment("supervisor-park", "scanned by mistake");
        write_data(root_->path() / "normal", test_roster(), scripted_log(), why);
        write_data(root_->path() / "wrong-clock", test_roster(), log_with_wrong_clocks(), why);
        ASSERT_EQ(admit_export(root_->path() / "normal", normal(), "csv,xlsx,pdf"), 0);
        ASSERT_EQ(admit_export(root_->path() / "wrong-clock", skewed(), "csv,xlsx,pdf"), 0);
    }
    static void TearDownTestSuite() { delete root_; }
    static fs::path normal() { return root_->path() / "out-normal"; }
    static fs::path skewed() { return root_->path() / "out-wrong-clock"; }
    static table csv(const fs::path& out, const std::string& name) {
        return load_table(out / "csv" / (name + ".csv"));
    }
    static test::temp_dir* root_;
};
test::temp_dir* event_days_test::root_ = nullptr;

TEST_F(event_days_test, a_wrong_clock_adds_no_day_bucket_or_page) {
    EXPECT_EQ(csv(skewed(), "days").rows.size(), 2u);
    for (const char* name : {"days", "hall_peaks", "day_categories"}) {
        EXPECT_EQ(csv(skewed(), name).rows.size(), csv(normal(), name).rows.size()) << name;
    }
    // p6's minutes inside fall in buckets the assembly already has.
    EXPECT_EQ(csv(skewed(), "occupancy").rows.size(), csv(normal(), "occupancy").rows.size());
    EXPECT_FALSE(fs::exists(skewed() / "summary-1970-01-01.pdf"));
    EXPECT_FALSE(fs::exists(skewed() / "summary-2099-03-03.pdf"));
    for (const auto& entry : fs::directory_iterator(skewed())) {
        if (entry.path().extension() == ".pdf") {
            EXPECT_TRUE(fs::exists(normal() / entry.path().filename())) << entry.path();
        }
    }
    // Two more scan rows, not 76 years of days.
    EXPECT_LT(folder_size(skewed()), folder_size(normal()) * 11 / 10);
}

TEST_F(event_days_test, the_scans_are_listed_and_flagged) {
    auto scans = csv(skewed(), "scans");
    ASSERT_EQ(scans.rows.size(), 27u);
    auto early = scans.one({{"scan_id", "s26"}});
    EXPECT_EQ(early["device_time"], "1970-01-01 12:00:00");
    EXPECT_EQ(early["server_time"], "2023-09-26 10:15:00");
    EXPECT_EQ(early["outside_event_days"], "yes");
    EXPECT_EQ(scans.one({{"scan_id", "s27"}})["device_time"], "2099-03-03 12:00:00");
    EXPECT_EQ(scans.one({{"scan_id", "s27"}})["outside_event_days"], "yes");
    EXPECT_EQ(scans.where({{"outside_event_days", ""}}).size(), 25u);
    EXPECT_EQ(csv(normal(), "scans").where({{"outside_event_days", ""}}).size(), 25u);
}

TEST_F(event_days_test, such_a_scan_counts_at_the_time_the_server_got_it) {
    // The door time cannot be right; the server's receipt is the best time known.
    auto day = csv(skewed(), "attendee_days").one({{"attendee_id", "p6"}});
    EXPECT_EQ(day["day"], "2023-09-26");
    EXPECT_EQ(day["first_in"], "2023-09-26 10:15:00");
    EXPECT_EQ(day["last_out"], "2023-09-26 10:20:00");
    EXPECT_EQ(day["total_minutes"], "5.0");
    auto occ = csv(skewed(), "occupancy");
    EXPECT_EQ(
        occ.one({{"hall_id", "hall-a"}, {"bucket_start", "2023-09-26 10:15:00"}})["peak_in_bucket"],
        "3"
    );
}
// --- A Berlin event over the autumn change, through the real `admit export` -----
//
// Saturday 24 and Sunday 25 October 2026; at 03:00 CEST on Sunday the clocks
// go back to 02:00 CET, so 02:00-02:59 happens twice.
//   Sat  session 09:15-17:00 in A (check-in from 08:45). p1 checks in at 09:05
//        and leaves at 09:14 (checked in, did not attend); p2 comes at 09:20
//        and leaves at 23:30 CEST.
//   Sun  night session 01:00-04:00 in B: p3 in at 02:30 CEST, out at 02:45 CET
//        (75 minutes later). Session 09:00-17:00 CET in A: p1 in at 08:50 CET,
//        out at 23:30 CET.

core::time_point utc(int y, unsigned mo, unsigned d, int h, int mi) {
    return core::time_point{sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi}};
}

// The Berlin autumn weekend (support/test_events.hpp) with the sessions above.
std::string berlin_config() {
    return test::berlin_autumn_event_toml(R"(
[[sessions]]
id = "saturday"
name = "Saturday"
hall = "hall-a"
start = 2026-10-24T09:15:00
end = 2026-10-24T17:00:00

[[sessions]]
id = "night"
name = "Night of the extra hour"
hall = "hall-b"
start = 2026-10-25T01:00:00
end = 2026-10-25T04:00:00

[[sessions]]
id = "sunday"
name = "Sunday"
hall = "hall-a"
start = 2026-10-25T09:00:00
end = 2026-10-25T17:00:00
)");
}

std::vector<core::scan_record> berlin_log() {
    scan_script s;
    const auto in = direction::entry;
    const auto out = direction::exit;
    s.moved("b01", utc(2026, 10, 24, 7, 5), "a-in", "p1", in, "", "hall-a");    // 09:05 CEST
    s.moved("b02", utc(2026, 10, 24, 7, 14), "a-in", "p1", out, "hall-a", "");  // 09:14
    s.moved("b03", utc(2026, 10, 24, 7, 20), "a-in", "p2", in, "", "hall-a");   // 09:20
    s.moved("b04", utc(2026, 10, 24, 21, 30), "a-in", "p2", out, "hall-a", ""); // 23:30 CEST
    s.moved("b05", utc(2026, 10, 25, 0, 30), "b-in", "p3", in, "", "hall-b");   // 02:30 CEST
    s.moved("b06", utc(2026, 10, 25, 1, 45), "b-in", "p3", out, "hall-b", "");  // 02:45 CET
    s.moved("b07", utc(2026, 10, 25, 7, 50), "a-in", "p1", in, "", "hall-a");   // 08:50 CET
    s.moved("b08", utc(2026, 10, 25, 22, 30), "a-in", "p1", out, "hall-a", ""); // 23:30 CET
    return s.log;
}

class berlin_export_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        root_ = new test::temp_dir;
        const auto config = root_->path() / "berlin.toml";
        std::ofstream(config) << berlin_config();
        const auto data = root_->path() / "data";
        fs::create_directories(data);
        {
            auto writer = store::open_sqlite_store(data);
            auto roster = test_roster();
            roster.resize(3);
            writer->upsert_attendees(roster);
            writer->begin_batch();
            for (const auto& r : berlin_log()) writer->append(r);
            writer->commit_batch();
        }
        ASSERT_EQ(
            run(std::string(ADMIT_CLI) + " export --config '" + config.string() + "' --data '" +
                data.string() + "' --out '" + out().string() + "' > /dev/null"),
            0
        );
    }
    static void TearDownTestSuite() { delete root_; }
    static fs::path out() { return root_->path() / "out"; }
    static table csv(const std::string& name) {
        return load_table(out() / "csv" / (name + ".csv"));
    }
    static test::temp_dir* root_;
};
test::temp_dir* berlin_export_test::root_ = nullptr;

TEST_F(berlin_export_test, report_days_are_local_days_of_the_zone) {
    auto days = csv("days");
    ASSERT_EQ(days.rows.size(), 2u);
    EXPECT_EQ(days.rows[0]["day"], "2026-10-24");
    EXPECT_EQ(days.rows[1]["day"], "2026-10-25");
    // 23:30 is still the same day in summer time (21:30 UTC) and in winter time (22:30 UTC).
    auto person_days = csv("attendee_days");
    EXPECT_EQ(person_days.one({{"attendee_id", "p2"}, {"day", "2026-10-24"}})["last_out"],
              "2026-10-24 23:30:00");
    EXPECT_EQ(person_days.one({{"attendee_id", "p1"}, {"day", "2026-10-25"}})["last_out"],
              "2026-10-25 23:30:00");
    EXPECT_TRUE(fs::exists(out() / "summary-2026-10-24.pdf"));
    EXPECT_TRUE(fs::exists(out() / "summary-2026-10-25.pdf"));
    EXPECT_FALSE(fs::exists(out() / "summary-2026-10-26.pdf"));
}

TEST_F(berlin_export_test, session_times_and_the_repeated_hour_read_as_the_clocks_showed) {
    auto sessions = csv("sessions");
    EXPECT_EQ(sessions.one({{"session_id", "sunday"}})["start"], "2026-10-25 09:00:00");
    EXPECT_EQ(sessions.one({{"session_id", "sunday"}})["end"], "2026-10-25 17:00:00");
    EXPECT_EQ(sessions.one({{"session_id", "night"}})["start"], "2026-10-25 01:00:00");
    EXPECT_EQ(sessions.one({{"session_id", "night"}})["end"], "2026-10-25 04:00:00");
    auto timeline = csv("timeline");
    EXPECT_EQ(timeline.one({{"attendee_id", "p3"}, {"direction", "entry"}})["time"],
              "2026-10-25 02:30:00");
    EXPECT_EQ(timeline.one({{"attendee_id", "p3"}, {"direction", "exit"}})["time"],
              "2026-10-25 02:45:00");
    // 02:30 CEST to 02:45 CET is 75 minutes, not 15.
    auto who = csv("session_attendance");
    EXPECT_EQ(who.one({{"session_id", "night"}, {"attendee_id", "p3"}})["minutes_inside"], "75.0");
    EXPECT_EQ(csv("attendee_days").one({{"attendee_id", "p3"}})["total_minutes"], "75.0");
    // Five-minute buckets stay in time order through the repeated hour: 02:30
    // to 02:55 CEST, then 02:00 to 02:45 CET.
    auto buckets = csv("occupancy").where({{"hall_id", "hall-b"}});
    ASSERT_EQ(buckets.size(), 16u);
    EXPECT_EQ(buckets.front()["bucket_start"], "2026-10-25 02:30:00");
    EXPECT_EQ(buckets[5]["bucket_start"], "2026-10-25 02:55:00");
    EXPECT_EQ(buckets[6]["bucket_start"], "2026-10-25 02:00:00");
    EXPECT_EQ(buckets.back()["bucket_start"], "2026-10-25 02:45:00");
    EXPECT_EQ(buckets[10]["inside_at_end"], "1");
}

TEST_F(berlin_export_test, attended_and_checked_in_are_two_columns) {
    // The issue's example: checked in at 09:05, left at 09:14, session at 09:15.
    auto sessions = csv("sessions");
    auto saturday = sessions.one({{"session_id", "saturday"}});
    EXPECT_EQ(saturday["attended"], "1");
    EXPECT_EQ(saturday["checked_in"], "2");
    auto who = csv("session_attendance");
    auto p1 = who.one({{"session_id", "saturday"}, {"attendee_id", "p1"}});
    EXPECT_EQ(p1["attended"], "no");
    EXPECT_EQ(p1["checked_in_at"], "2026-10-24 09:05:00");
    EXPECT_EQ(p1["first_entry"], "");
    auto p2 = who.one({{"session_id", "saturday"}, {"attendee_id", "p2"}});
    EXPECT_EQ(p2["attended"], "yes");
    EXPECT_EQ(p2["checked_in_at"], "2026-10-24 09:20:00");
    // On Sunday p1 came at 08:50 CET: inside the check-in window (from 08:30 CET).
    auto sunday = who.one({{"session_id", "sunday"}, {"attendee_id", "p1"}});
    EXPECT_EQ(sunday["checked_in_at"], "2026-10-25 08:50:00");
    EXPECT_EQ(sunday["attended"], "yes");
}

TEST_F(berlin_export_test, the_definitions_come_with_the_figures) {
    auto readme = csv("README");
    EXPECT_NE(readme.one({{"topic", "attended"}})["meaning"].find("between the session's start and end"),
              std::string::npos);
    EXPECT_NE(readme.one({{"topic", "checked_in"}})["meaning"].find("check-in window"),
              std::string::npos);
    EXPECT_NE(readme.one({{"topic", "times"}})["meaning"].find("Europe/Berlin"), std::string::npos);
    // The workbook's first sheet is the README, and every sheet matches its CSV.
    const std::string script = ADMIT_SOURCE_DIR "/tests/reports/xlsx_matches_csv.py";
    const auto workbook = (out() / "admit-report.xlsx").string();
    EXPECT_EQ(run("python3 '" + script + "' '" + workbook + "' '" + (out() / "csv").string() + "'"), 0);
    EXPECT_EQ(
        run("python3 '" + script + "' --json '" + workbook +
            "' | python3 -c 'import json,sys; s=json.load(sys.stdin)[\"sheets\"]; "
            "sys.exit(0 if s[0][\"name\"] == \"README\" else 1)'"),
        0
    );
    // The PDF summary states them too (read back with pdftotext where installed).
    if (run("command -v pdftotext > /dev/null") == 0) {
        const auto text_file = root_->path() / "summary.txt";
        ASSERT_EQ(run("pdftotext '" + (out() / "summary-2026-10-24.pdf").string() + "' '" +
                      text_file.string() + "'"),
                  0);
        auto text = read_all(text_file);
        std::replace(text.begin(), text.end(), '\n', ' ');  // the footer wraps
        EXPECT_NE(text.find("checked in = admitted"), std::string::npos) << text;
        EXPECT_NE(text.find("attended = inside"), std::string::npos) << text;
    }
}

// --- New York over the spring change: 02:00 EST becomes 03:00 EDT on 8 March --
//
// The Berlin config moved to 7 and 8 March 2026 in America/New_York: the
// night session 01:00-04:00 is two hours long; p3 is in from 01:30 EST to
// 03:30 EDT (one hour); p1 leaves at 23:30 EDT on Sunday (03:30 UTC Monday).

std::string new_york_config() {
    std::string text = berlin_config();
    const auto swap = [&](std::string_view from, std::string_view to) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from)) {
            text.replace(at, from.size(), to);
        }
    };
    swap("Europe/Berlin", "America/New_York");
    swap("2026-10-24", "2026-03-07");
    swap("2026-10-25", "2026-03-08");
    return text;
}

class new_york_export_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        root_ = new test::temp_dir;
        const auto config = root_->path() / "new-york.toml";
        std::ofstream(config) << new_york_config();
        const auto data = root_->path() / "data";
        fs::create_directories(data);
        {
            scan_script s;
            s.moved("n01", utc(2026, 3, 8, 6, 30), "b-in", "p3", direction::entry, "", "hall-b");
            s.moved("n02", utc(2026, 3, 8, 7, 30), "b-in", "p3", direction::exit, "hall-b", "");
            s.moved("n03", utc(2026, 3, 8, 12, 50), "a-in", "p1", direction::entry, "", "hall-a");
            s.moved("n04", utc(2026, 3, 9, 3, 30), "a-in", "p1", direction::exit, "hall-a", "");
            auto writer = store::open_sqlite_store(data);
            auto roster = test_roster();
            roster.resize(3);
            writer->upsert_attendees(roster);
            writer->begin_batch();
            for (const auto& r : s.log) writer->append(r);
            writer->commit_batch();
        }
        ASSERT_EQ(
            run(std::string(ADMIT_CLI) + " export --config '" + config.string() + "' --data '" +
                data.string() + "' --out '" + out().string() + "' --format csv > /dev/null"),
            0
        );
    }
    static void TearDownTestSuite() { delete root_; }
    static fs::path out() { return root_->path() / "out"; }
    static table csv(const std::string& name) {
        return load_table(out() / "csv" / (name + ".csv"));
    }
    static test::temp_dir* root_;
};
test::temp_dir* new_york_export_test::root_ = nullptr;

TEST_F(new_york_export_test, the_skipped_hour_is_skipped_in_every_report) {
    auto days = csv("days");
    ASSERT_EQ(days.rows.size(), 2u);
    EXPECT_EQ(days.rows[1]["day"], "2026-03-08");
    auto sessions = csv("sessions");
    EXPECT_EQ(sessions.one({{"session_id", "night"}})["start"], "2026-03-08 01:00:00");
    EXPECT_EQ(sessions.one({{"session_id", "night"}})["end"], "2026-03-08 04:00:00");
    EXPECT_EQ(sessions.one({{"session_id", "sunday"}})["start"], "2026-03-08 09:00:00");
    auto timeline = csv("timeline");
    EXPECT_EQ(timeline.one({{"attendee_id", "p3"}, {"direction", "entry"}})["time"],
              "2026-03-08 01:30:00");
    EXPECT_EQ(timeline.one({{"attendee_id", "p3"}, {"direction", "exit"}})["time"],
              "2026-03-08 03:30:00");
    EXPECT_EQ(csv("session_attendance").one({{"session_id", "night"}})["minutes_inside"], "60.0");
    // 08:50 EDT is inside Sunday's check-in window (from 08:30 EDT).
    auto p1 = csv("session_attendance").one({{"session_id", "sunday"}, {"attendee_id", "p1"}});
    EXPECT_EQ(p1["checked_in_at"], "2026-03-08 08:50:00");
    // 23:30 EDT on Sunday is 03:30 UTC on Monday: still Sunday's report day.
    EXPECT_EQ(csv("attendee_days").one({{"attendee_id", "p1"}})["last_out"], "2026-03-08 23:30:00");
}

}  // namespace
}  // namespace admit::reports
