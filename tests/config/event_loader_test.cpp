// Tests config/event_loader: the Seoul file loads as the event it describes,
// and every kind of mistake is refused with its line and what to do.
#include "config/event_loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "support/temp_dir.hpp"
#include "support/test_events.hpp"

namespace admit::config {
namespace {

using namespace std::chrono;

core::time_point utc(int y, unsigned mo, unsigned d, int h, int mi) {
    return time_point_cast<milliseconds>(sys_days{year{y} / month{mo} / day{d}}) + hours{h} +
           minutes{mi};
}

const core::session* find_session(const core::event_config& event, std::string_view id) {
    const auto it = std::find_if(event.sessions.begin(), event.sessions.end(), [&](const auto& s) {
        return s.id == id;
    });
    return it == event.sessions.end() ? nullptr : &*it;
}

TEST(event_loader, seoul_file_loads_as_the_announced_event) {
    const auto config = load_config(ADMIT_SOURCE_DIR "/deploy/seoul-2023.toml");
    const core::event_config& event = config.event;

    EXPECT_EQ(event.id, "seoul-smart-city-2023");
    EXPECT_EQ(event.time_zone, "Asia/Seoul");
    EXPECT_EQ(event.zone.offset_at(event.sessions.at(0).start), minutes{9 * 60});
    EXPECT_EQ(event.sites.size(), 2U);
    ASSERT_EQ(event.halls.size(), 3U);
    ASSERT_NE(event.find_hall("ddp-art-hall-2"), nullptr);
    EXPECT_EQ(event.find_hall("ddp-art-hall-2")->site_id, "ddp");
    EXPECT_EQ(event.find_hall("city-hall-multipurpose")->clear_at, minutes{23 * 60});
    EXPECT_EQ(event.categories.size(), 7U);
    EXPECT_TRUE(event.find_category("staff")->may_enter_full);
    EXPECT_FALSE(event.find_category("guest")->may_enter_full);
    // Korean forms of names (name_ko), for the dashboard in Korean; absent ones are empty.
    EXPECT_EQ(event.korean_name("hall", "ddp-art-hall-2"), "아트홀 2관");
    EXPECT_EQ(event.korean_name("site", "city-hall"), "서울시청");
    EXPECT_EQ(event.korean_name("category", "staff"), "스태프");
    EXPECT_EQ(event.korean_name("session", "prize-ceremony"), "제1회 서울 스마트시티 상 시상식");
    EXPECT_EQ(event.korean_name("hall", "no-such-hall"), "");

    // Every hall has somewhere to come in and to go out.
    for (const auto& hall : event.halls) {
        const auto has = [&](core::station_role role) {
            return std::any_of(event.stations.begin(), event.stations.end(), [&](const auto& s) {
                return s.hall_id == hall.id && s.role == role;
            });
        };
        EXPECT_TRUE(has(core::station_role::entrance)) << hall.id;
        EXPECT_TRUE(has(core::station_role::exit)) << hall.id;
    }
    // Plain tokens are kept only as their hash.
    EXPECT_EQ(
        event.find_station("ddp-ah2-in-1")->token_hash,
        hash_token("demo-station-ddp-in-1-R8fz")
    );

    // 17:30 KST is 08:30 UTC.
    const core::session* ceremony = find_session(event, "prize-ceremony");
    ASSERT_NE(ceremony, nullptr);
    EXPECT_EQ(ceremony->start, utc(2023, 9, 25, 8, 30));
    EXPECT_EQ(ceremony->end, utc(2023, 9, 25, 11, 0));
    EXPECT_EQ(ceremony->checkin_before, minutes{60});
    EXPECT_TRUE(ceremony->categories.empty());

    const core::session* assembly = find_session(event, "wego-general-assembly");
    ASSERT_NE(assembly, nullptr);
    EXPECT_EQ(assembly->start, utc(2023, 9, 26, 5, 0));
    EXPECT_EQ(assembly->hall_id, "city-hall-multipurpose");
    EXPECT_EQ(
        std::count(assembly->categories.begin(), assembly->categories.end(), "guest"), 0
    );
    EXPECT_EQ(
        std::count(assembly->categories.begin(), assembly->categories.end(), "delegate"), 1
    );
    // Back-to-back forum sessions do not count as overlapping.
    EXPECT_NE(find_session(event, "forum-3"), nullptr);

    EXPECT_EQ(config.server.port, 8080);
    EXPECT_EQ(config.server.data_dir, "var/seoul-2023");
    ASSERT_EQ(config.server.viewer_token_hashes.size(), 1U);
    EXPECT_EQ(config.server.viewer_token_hashes[0], hash_token("demo-viewer-7Qm4tX2p"));
    EXPECT_EQ(config.server.staff_token_hashes.size(), 1U);
}

// A small valid event; the cases below append to it or change one line.
constexpr std::string_view base = R"([event]
id = "test-event"
name = "Test"
utc_offset = "+09:00"

[[sites]]
id = "ddp"
name = "DDP"

[[halls]]
id = "hall-a"
name = "Hall A"
site = "ddp"
capacity = 100

[[categories]]
id = "guest"
name = "Guest"

[[stations]]
id = "a-in"
hall = "hall-a"
role = "entrance"
token = "tok-a-in"

[[sessions]]
id = "s1"
name = "S1"
hall = "hall-a"
start = 2023-09-25T17:30:00+09:00
end = 2023-09-25T20:00:00+09:00
)";
constexpr std::uint32_t base_lines = 31;

TEST(event_loader, base_config_is_valid_and_fills_defaults) {
    const auto config = parse_config(base, "test.toml");
    EXPECT_EQ(config.event.halls.size(), 1U);
    EXPECT_EQ(config.event.time_zone, "") << "an old config with only utc_offset names no zone";
    EXPECT_TRUE(config.event.zone.fixed());
    EXPECT_EQ(config.event.rules.passback, core::passback_policy::refuse);
    EXPECT_EQ(config.event.rules.on_entry_elsewhere, core::move_policy::move);
    EXPECT_EQ(config.event.sessions.at(0).checkin_before, minutes{30});
    EXPECT_EQ(config.event.sessions.at(0).late_entry, minutes{0});
    EXPECT_EQ(config.event.rules.duplicate_window, std::chrono::seconds{2});
    EXPECT_EQ(config.server.port, 8080);
    EXPECT_EQ(config.server.threads, 2U);
    EXPECT_EQ(config.server.listen_address, "127.0.0.1");
}

TEST(event_loader, port_zero_and_policies_are_accepted) {
    const std::string text = std::string{base} +
        "[server]\nport = 0\nthreads = 64\n[policies]\npassback = \"warn\"\n"
        "on_entry_elsewhere = \"refuse\"\n";
    const auto config = parse_config(text, "test.toml");
    EXPECT_EQ(config.server.port, 0);
    EXPECT_EQ(config.server.threads, 64U);
    EXPECT_EQ(config.event.rules.passback, core::passback_policy::warn);
    EXPECT_EQ(config.event.rules.on_entry_elsewhere, core::move_policy::refuse);
}

TEST(event_loader, the_duplicate_window_is_given_in_seconds_or_milliseconds) {
    const auto window = [](const std::string& value) {
        return parse_config(std::string{base} + "[policies]\nduplicate_window = " + value + "\n", "test.toml")
            .event.rules.duplicate_window;
    };
    EXPECT_EQ(window("\"2s\""), std::chrono::seconds{2});
    EXPECT_EQ(window("\"1500ms\""), std::chrono::milliseconds{1500});
    EXPECT_EQ(window("3"), std::chrono::seconds{3});
    EXPECT_EQ(window("0"), std::chrono::milliseconds{0}) << "0 turns it off";
}

TEST(event_loader, store_is_sqlite_by_default_and_postgresql_when_asked) {
    EXPECT_TRUE(parse_config(base, "test.toml").server.postgres_url.empty());
    const std::string text = std::string{base} +
        "[store]\nbackend = \"postgresql\"\nurl = \"postgresql://admit@db.example.org/seoul2023\"\n";
    EXPECT_EQ(parse_config(text, "test.toml").server.postgres_url, "postgresql://admit@db.example.org/seoul2023");
}

struct broken_case {
    const char* name;
    std::string_view replace_from;  // a change to the base (same number of lines)
    std::string_view replace_to;
    std::string_view extra;         // appended to the base
    std::uint32_t line;             // in extra (1-based) when extra is set, else in the base
    std::string_view message;       // expected in the problem, after "test.toml:<line>: "
};

const broken_case broken_cases[] = {
    {"negative_capacity", "", "",
     "[[halls]]\nid = \"ddp-art2\"\nname = \"Art 2\"\nsite = \"ddp\"\ncapacity = -5\n", 5,
     "hall \"ddp-art2\" has capacity -5; capacity must be at least 1"},
    {"zero_capacity", "capacity = 100", "capacity = 0", "", 14,
     "hall \"hall-a\" has capacity 0; capacity must be at least 1"},
    {"toml_syntax_error", "", "", "\n[[halls]\nid = \"x\"\n", 2, ""},
    {"missing_capacity", "", "", "[[halls]]\nid = \"hall-b\"\nname = \"B\"\nsite = \"ddp\"\n", 1,
     "hall \"hall-b\" has no capacity; add capacity = 700"},
    {"missing_hall_name", "name = \"Hall A\"", "", "", 10, "hall \"hall-a\" has no name"},
    {"capacity_as_string", "capacity = 100", "capacity = \"100\"", "", 14,
     "hall \"hall-a\": capacity must be a whole number, not a string"},
    {"unknown_site", "site = \"ddp\"", "site = \"dpp\"", "", 13,
     "hall \"hall-a\" is at site \"dpp\", which is not defined; define it under [[sites]] or use "
     "one of: ddp"},
    {"unknown_hall_of_station", "hall = \"hall-a\"\nrole", "hall = \"hall-x\"\nrole", "", 22,
     "station \"a-in\" names hall \"hall-x\", which is not defined"},
    {"unknown_hall_of_session", "", "",
     "[[sessions]]\nid = \"s2\"\nname = \"S2\"\nhall = \"nowhere\"\n"
     "start = 2023-09-26T10:00:00+09:00\nend = 2023-09-26T11:00:00+09:00\n", 4,
     "session \"s2\" names hall \"nowhere\""},
    {"unknown_category_of_session", "", "",
     "[[sessions]]\nid = \"s2\"\nname = \"S2\"\nhall = \"hall-a\"\n"
     "start = 2023-09-26T10:00:00+09:00\nend = 2023-09-26T11:00:00+09:00\n"
     "categories = [\"guest\", \"vvip\"]\n", 7,
     "session \"s2\" lets in category \"vvip\", which is not defined; use one of: guest"},
    {"duplicate_hall", "", "",
     "[[halls]]\nid = \"hall-a\"\nname = \"Again\"\nsite = \"ddp\"\ncapacity = 5\n", 2,
     "hall id \"hall-a\" is already used on line 11; give each hall its own id"},
    {"duplicate_site", "", "", "[[sites]]\nid = \"ddp\"\nname = \"Again\"\n", 2,
     "site id \"ddp\" is already used on line 7"},
    {"duplicate_category", "", "", "[[categories]]\nid = \"guest\"\nname = \"G\"\n", 2,
     "category id \"guest\" is already used on line 17"},
    {"duplicate_station", "", "",
     "[[stations]]\nid = \"a-in\"\nhall = \"hall-a\"\nrole = \"exit\"\ntoken = \"other\"\n", 2,
     "station id \"a-in\" is already used on line 21"},
    {"duplicate_session", "", "",
     "[[sessions]]\nid = \"s1\"\nname = \"S1 again\"\nhall = \"hall-a\"\n"
     "start = 2023-09-26T10:00:00+09:00\nend = 2023-09-26T11:00:00+09:00\n", 2,
     "session id \"s1\" is already used on line 27"},
    {"station_token_reused", "", "",
     "[[stations]]\nid = \"a-out\"\nhall = \"hall-a\"\nrole = \"exit\"\ntoken = \"tok-a-in\"\n", 5,
     "station \"a-out\" uses the same token as station \"a-in\" on line 24"},
    {"invalid_hall_id", "id = \"hall-a\"", "id = \"hall a\"", "", 11,
     "hall id \"hall a\" is not valid; ids use letters"},
    {"invalid_event_id", "id = \"test-event\"", "id = \"test.event\"", "", 2,
     "event id \"test.event\" is not valid"},
    {"bad_role", "role = \"entrance\"", "role = \"entry\"", "", 23,
     "station \"a-in\": role \"entry\" is not a station role; use \"entrance\", \"exit\" or "
     "\"both\""},
    {"bad_passback_policy", "", "", "[policies]\npassback = \"maybe\"\n", 2,
     "passback \"maybe\" is not a policy; use \"refuse\" or \"warn\""},
    {"bad_move_policy", "", "", "[policies]\non_entry_elsewhere = \"teleport\"\n", 2,
     "on_entry_elsewhere \"teleport\" is not a policy; use \"move\" or \"refuse\""},
    {"bad_duplicate_window", "", "", "[policies]\nduplicate_window = \"2 seconds\"\n", 2,
     "[policies]: duplicate_window \"2 seconds\" is not a duration; write it as \"2s\", \"1500ms\" or a "
     "whole number of seconds, from 0 (off) to 60 s"},
    {"negative_duplicate_window", "", "", "[policies]\nduplicate_window = -1\n", 2,
     "duplicate_window -1 is not a duration"},
    {"late_entry_too_long", "end = 2023-09-25T20:00:00+09:00",
     "end = 2023-09-25T20:00:00+09:00\nlate_entry_minutes = 2000", "", 32,
     "session \"s1\": late_entry_minutes = 2000; use 0 to 1440 minutes"},
    {"end_before_start", "end = 2023-09-25T20:00:00+09:00", "end = 2023-09-25T17:00:00+09:00",
     "", 31, "session \"s1\" ends at or before it starts; end must be later than start"},
    {"overlapping_sessions", "", "",
     "[[sessions]]\nid = \"s2\"\nname = \"S2\"\nhall = \"hall-a\"\n"
     "start = 2023-09-25T19:00:00+09:00\nend = 2023-09-25T21:00:00+09:00\n", 1,
     "session \"s2\" overlaps session \"s1\" (line 26) in hall \"hall-a\""},
    {"date_time_without_offset", "start = 2023-09-25T17:30:00+09:00",
     "start = 2023-09-25T17:30:00", "", 30,
     "session \"s1\": start has no UTC offset, so the time is ambiguous"},
    {"date_time_as_string", "start = 2023-09-25T17:30:00+09:00",
     "start = \"2023-09-25T17:30:00+09:00\"", "", 30,
     "start must be a TOML date-time without quotes, not a string"},
    {"bad_clear_at", "capacity = 100", "clear_at = \"25:00\"\ncapacity = 100", "", 14,
     "hall \"hall-a\": clear_at \"25:00\" is not a time of day; write local time as \"HH:MM\""},
    {"bad_utc_offset", "utc_offset = \"+09:00\"", "utc_offset = \"+9\"", "", 4,
     "utc_offset \"+9\" is not an offset"},
    {"port_out_of_range", "", "", "[server]\nport = 70000\n", 2,
     "port 70000 is out of range; use 1 to 65535 (0 picks a free port)"},
    {"no_threads", "", "", "[server]\nthreads = 0\n", 2, "threads = 0; use 1 to 64 threads"},
    {"too_many_threads", "", "", "[server]\nthreads = 65\n", 2, "threads = 65; use 1 to 64"},
    {"store_backend_unknown", "", "", "[store]\nbackend = \"mysql\"\n", 2,
     "[store]: backend \"mysql\" is not a store; use \"sqlite\" or \"postgresql\""},
    {"store_postgresql_without_url", "", "", "[store]\nbackend = \"postgresql\"\n", 2,
     "[store]: backend = \"postgresql\" needs url, a libpq connection string"},
    {"store_url_for_sqlite", "", "", "[store]\nbackend = \"sqlite\"\nurl = \"postgresql://x/y\"\n", 3,
     "[store]: url is for backend = \"postgresql\""},
    {"store_unknown_key", "", "", "[store]\nbackend = \"postgresql\"\nurl = \"postgresql://x/y\"\npassword = \"p\"\n", 4,
     "unknown key \"password\""},
    {"station_without_token", "token = \"tok-a-in\"", "", "", 20,
     "station \"a-in\" has no token; add token = \"...\""},
    {"unknown_table", "", "", "[hals]\nx = 1\n", 1, "unknown top-level table \"hals\" (a typo?)"},
    {"unknown_key_in_hall", "capacity = 100", "capcity = 100", "", 14,
     "hall \"hall-a\" has an unknown key \"capcity\" (a typo?)"},
    {"halls_as_plain_table", "[[halls]]", "[halls]", "", 10,
     "\"halls\" must be a list of tables; write each entry as [[halls]]"},
    {"bad_colour", "name = \"Guest\"", "name = \"Guest\"\ncolour = \"red\"", "", 19,
     "category \"guest\": colour \"red\" is not a colour; write it as \"#rrggbb\""},
    {"bad_token_hash", "", "", "[access]\nviewer_token_hashes = [\"abc\"]\n", 2,
     "viewer_token_hashes has \"abc\", which is not a token hash"},
    {"unknown_time_zone", "utc_offset = \"+09:00\"", "time_zone = \"Europe/Berlim\"", "", 4,
     "[event]: time_zone \"Europe/Berlim\" is not a zone in the tz database"},
    {"neither_time_zone_nor_utc_offset", "utc_offset = \"+09:00\"", "# no zone", "", 1,
     "[event] has neither time_zone nor utc_offset; add time_zone = \"Europe/Berlin\""},
    {"utc_offset_disagrees_with_time_zone", "name = \"Test\"",
     "name = \"Test\"\ntime_zone = \"America/New_York\"", "", 5,
     "[event]: utc_offset \"+09:00\" disagrees with time_zone \"America/New_York\""},
    {"session_offset_is_not_the_zones", "utc_offset = \"+09:00\"", "time_zone = \"Europe/Berlin\"",
     "", 30,
     "session \"s1\": start is written with offset +09:00, but Europe/Berlin is at UTC+02:00 then"},
    {"missing_event", "[event]\nid = \"test-event\"\nname = \"Test\"\nutc_offset = \"+09:00\"\n",
     "\n\n\n\n", "", 1, "there is no [event] table"},
};

class broken_config : public testing::TestWithParam<broken_case> {};

TEST_P(broken_config, is_refused_with_line_and_advice) {
    const broken_case& c = GetParam();
    std::string text{base};
    if (!c.replace_from.empty()) {
        const auto at = text.find(c.replace_from);
        ASSERT_NE(at, std::string::npos) << c.replace_from;
        text.replace(at, c.replace_from.size(), c.replace_to);
    }
    text += c.extra;
    const std::uint32_t line = c.extra.empty() ? c.line : base_lines + c.line;
    try {
        parse_config(text, "test.toml");
        FAIL() << "accepted:\n" << text;
    } catch (const config_error& e) {
        const std::string prefix = "test.toml:" + std::to_string(line) + ":";
        const auto matches = [&](const std::string& p) {
            return p.starts_with(prefix) && p.find(c.message) != std::string::npos;
        };
        EXPECT_TRUE(std::any_of(e.problems().begin(), e.problems().end(), matches))
            << "expected " << prefix << " ... " << c.message << "\ngot:\n" << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    cases,
    broken_config,
    testing::ValuesIn(broken_cases),
    [](const testing::TestParamInfo<broken_case>& p) { return std::string{p.param.name}; }
);

// The Berlin autumn weekend (support/test_events.hpp) with sessions on a
// repeated local time, on the second 02:30 (written with its offset) and
// ending at an offset.
std::string berlin() {
    return test::berlin_autumn_event_toml(R"(
[[sessions]]
id = "saturday"
name = "Saturday"
hall = "hall-a"
start = 2026-10-24T09:00:00
end = 2026-10-24T17:00:00

[[sessions]]
id = "night"
name = "In the repeated hour"
hall = "hall-a"
start = 2026-10-25T02:30:00
end = 2026-10-25T09:00:00

[[sessions]]
id = "second-0230"
name = "At the second 02:30, written with its offset"
hall = "hall-b"
start = 2026-10-25T02:30:00+01:00
end = 2026-10-25T10:00:00

[[sessions]]
id = "sunday"
name = "Sunday"
hall = "hall-a"
start = 2026-10-25T10:00:00
end = 2026-10-25T16:00:00+01:00
)");
}

TEST(event_loader, time_zone_reads_local_times_across_the_autumn_change) {
    const auto config = parse_config(berlin(), "berlin.toml");
    const auto& event = config.event;
    EXPECT_EQ(event.time_zone, "Europe/Berlin");
    EXPECT_EQ(find_session(event, "saturday")->start, utc(2026, 10, 24, 7, 0)) << "09:00 CEST";
    EXPECT_EQ(find_session(event, "night")->start, utc(2026, 10, 25, 0, 30))
        << "a repeated local time is the first of the two (CEST)";
    EXPECT_EQ(find_session(event, "second-0230")->start, utc(2026, 10, 25, 1, 30))
        << "an offset picks the second one";
    EXPECT_EQ(find_session(event, "sunday")->start, utc(2026, 10, 25, 9, 0)) << "10:00 CET";
    EXPECT_EQ(find_session(event, "sunday")->end, utc(2026, 10, 25, 15, 0));
    // The zone is cut to a year either side of the event: a few changes, not a century's.
    const auto& changes = event.zone.changes();
    EXPECT_LE(changes.size(), 6U);
    EXPECT_EQ(event.zone.offset_at(utc(2026, 10, 25, 0, 59)), minutes{120});
    EXPECT_EQ(event.zone.offset_at(utc(2026, 10, 25, 1, 0)), minutes{60});
    EXPECT_EQ(event.zone.offset_at(utc(2027, 7, 1, 0, 0)), minutes{120}) << "next summer is covered";
}

TEST(event_loader, time_zone_moves_a_skipped_local_time_forward) {
    std::string text = berlin();
    text.replace(text.find("Europe/Berlin"), 13, "America/New_York");
    text.replace(text.find("2026-10-24T09:00:00"), 19, "2026-03-08T02:30:00");
    text.replace(text.find("2026-10-24T17:00:00"), 19, "2026-03-08T09:00:00");
    for (auto at = text.find("+01:00"); at != std::string::npos; at = text.find("+01:00")) {
        text.replace(at, 6, "-04:00");  // EDT in late October
    }
    const auto config = parse_config(text, "new-york.toml");
    EXPECT_EQ(find_session(config.event, "saturday")->start, utc(2026, 3, 8, 7, 30))
        << "02:30 does not exist on 8 March: it is 03:30 EDT";
    EXPECT_EQ(find_session(config.event, "saturday")->end, utc(2026, 3, 8, 13, 0)) << "09:00 EDT";
}

TEST(event_loader, an_old_config_with_a_zone_and_its_own_offset_still_loads) {
    std::string text{base};
    text.replace(text.find("name = \"Test\""), 13, "name = \"Test\"\ntime_zone = \"Asia/Seoul\"");
    const auto config = parse_config(text, "test.toml");
    EXPECT_EQ(config.event.time_zone, "Asia/Seoul");
    EXPECT_EQ(config.event.sessions.at(0).start, utc(2023, 9, 25, 8, 30));
}

TEST(event_loader, reports_every_problem_not_just_the_first) {
    std::string text{base};
    text += "[server]\nport = -1\nthreads = 100\n";
    try {
        parse_config(text, "test.toml");
        FAIL() << "accepted";
    } catch (const config_error& e) {
        ASSERT_EQ(e.problems().size(), 2U) << e.what();
        EXPECT_EQ(std::string{e.what()}, e.problems()[0] + "\n" + e.problems()[1]);
    }
}

TEST(event_loader, syntax_error_names_line_and_column) {
    try {
        parse_config("[event]\nid = \"x\nname = 1\n", "bad.toml");
        FAIL() << "accepted";
    } catch (const config_error& e) {
        ASSERT_EQ(e.problems().size(), 1U);
        EXPECT_TRUE(e.problems()[0].starts_with("bad.toml:2:")) << e.problems()[0];
        EXPECT_NE(e.problems()[0].find("fix the TOML syntax"), std::string::npos);
    }
}

TEST(event_loader, missing_file_is_a_config_error_naming_it) {
    try {
        load_config("/nonexistent/event.toml");
        FAIL() << "accepted";
    } catch (const config_error& e) {
        EXPECT_NE(std::string{e.what()}.find("/nonexistent/event.toml"), std::string::npos);
    }
}

TEST(event_loader, load_config_names_the_file_in_messages) {
    test::temp_dir dir;
    std::string text{base};
    text.replace(text.find("capacity = 100"), 14, "capacity = -5");
    const auto file = dir.write("seoul.toml", text);
    try {
        load_config(file);
        FAIL() << "accepted";
    } catch (const config_error& e) {
        EXPECT_EQ(
            e.problems().at(0),
            file.string() + ":14: hall \"hall-a\" has capacity -5; capacity must be at least 1"
        );
    }
}

TEST(event_loader, hash_token_is_stable_hex_and_distinguishes_tokens) {
    const std::string h = hash_token("demo-viewer-7Qm4tX2p");
    EXPECT_EQ(h.size(), 64U);
    EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(h, hash_token("demo-viewer-7Qm4tX2p"));
    EXPECT_NE(h, hash_token("demo-viewer-7Qm4tX2q"));
    // BLAKE2b-256 of the empty string, a published test vector.
    EXPECT_EQ(
        hash_token(""),
        "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
    );
}

}  // namespace
}  // namespace admit::config
