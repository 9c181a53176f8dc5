// admit-sim (the demo's stations) against the real admit-server: it scans
// where a session is open, writes its line per scan to --log and a one-line
// summary every --progress seconds to stdout.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <boost/json.hpp>

#include "support/http_get.hpp"
#include "support/server_process.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

std::string run(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return "popen failed";
    char buffer[1024];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    ::pclose(pipe);
    return out;
}

int lines_with(const std::string& text, const std::string& word) {
    std::istringstream in(text);
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.find(word) != std::string::npos ? 1 : 0;
    return n;
}

TEST(Simulator, ScansWhereASessionIsOpenAndLogsScansToAFile) {
    // The main hall's only session ended an hour ago; the side room's is open.
    const auto now = std::chrono::system_clock::now();
    const auto session = main_hall_session_toml(now - std::chrono::hours(3), now - std::chrono::hours(1));
    const auto people = small_roster_with_delegates("p", "Person", 1, 60);
    server_process server(small_event_toml(session), people);
    server.start();
    const auto tokens = server.config_file().parent_path() / "tokens.csv";
    {
        std::ofstream out(tokens);
        out << "id,name,category,token\n";
        for (const auto& a : people) out << a.id << ',' << a.name << ',' << a.category << ',' << server.badge(a.id) << '\n';
    }
    const auto log = server.config_file().parent_path() / "scans.log";
    const auto out = run(fmt::format(
        "{} --config {} --tokens {} --port {} --stations main-in,side-both --rate 20 --max-scans 40 "
        "--bad-scans 0 --seed 4 --progress 0.5 --log {}",
        program("admit-sim").string(), server.config_file().string(), tokens.string(), server.port(), log.string()));

    const auto lines = read_file(log);
    EXPECT_EQ(lines_with(lines, "main-in") + lines_with(lines, "side-both"), 40) << lines;
    // The closed hall's entrance scans only the odd early bird.
    EXPECT_LE(lines_with(lines, "main-in"), 6) << lines;
    EXPECT_EQ(lines_with(out, "ADMITTED"), 0) << "no line per scan on stdout:\n" << out;
    EXPECT_GE(lines_with(out, " scans, "), 1) << "a progress line:\n" << out;
    EXPECT_NE(out.find("Side Room"), std::string::npos) << "the progress line has the halls' occupancy:\n" << out;
    EXPECT_NE(out.find("admit-sim: 40 scans"), std::string::npos) << out;
}

TEST(Simulator, StationsSendHeartbeatsWhileWaitingForPeople) {
    // One scan every 100 s: between scans, only heartbeats show the station is alive.
    const auto people = small_roster();
    server_process server(small_event_toml(), people);
    server.start();
    const auto tokens = server.config_file().parent_path() / "tokens.csv";
    {
        std::ofstream out(tokens);
        out << "id,name,category,token\n";
        for (const auto& a : people) out << a.id << ',' << a.name << ',' << a.category << ',' << server.badge(a.id) << '\n';
    }
    const auto started = std::chrono::system_clock::now();
    const auto command = fmt::format(
        "{} --config {} --tokens {} --port {} --stations side-both --rate 0.01 --seed 2 --heartbeat 0.2 "
        "--duration 4 --quiet >/dev/null 2>&1 &",
        program("admit-sim").string(), server.config_file().string(), tokens.string(), server.port());
    ASSERT_EQ(std::system(command.c_str()), 0);
    // Seen well after it connected, while still connected.
    const auto wanted = fmt::format(
        "{:%Y-%m-%dT%H:%M:%S}", std::chrono::floor<std::chrono::seconds>(started + std::chrono::milliseconds(1500)));
    std::string seen;
    const bool alive = eventually([&] {
        const auto r = http_get(server.port(), "/api/stations", "viewer-token");
        const auto stations = boost::json::parse(r.body);
        for (const auto& s : stations.as_array()) {
            if (s.at("id").as_string() != "side-both" || !s.at("online").as_bool() || !s.at("last_seen").is_string())
                continue;
            seen = s.at("last_seen").as_string().c_str();
        }
        return seen >= wanted;
    }, std::chrono::seconds(3));
    EXPECT_TRUE(alive) << "last seen " << seen << ", wanted " << wanted << " or later while online";
}

}  // namespace
}  // namespace admit::test
