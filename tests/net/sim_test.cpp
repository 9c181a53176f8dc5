// admit-sim (the demo's stations) against the real admit-server: it scans
// where a session is open, writes its line per scan to --log and a one-line
// summary every --progress seconds to stdout.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "support/server_process.hpp"

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
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto session = fmt::format(R"(
[[sessions]]
id = "main-talk"
name = "Main talk"
hall = "main"
start = {:%Y-%m-%dT%H:%M:%S}Z
end = {:%Y-%m-%dT%H:%M:%S}Z
)", now - std::chrono::hours(3), now - std::chrono::hours(1));
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

}  // namespace
}  // namespace admit::test
