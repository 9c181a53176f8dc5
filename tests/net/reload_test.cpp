// Changing the event while it runs: the real admit-server reloads its config
// file (POST /api/reload with a staff token, `admit reload`, or SIGHUP) with
// stations connected and scanning. A good file is in force at once (no station
// disconnected, no scan lost, nobody removed), audited and shown on the
// dashboard; a broken one changes nothing and says why.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include <sys/wait.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "net/server_fixture.hpp"
#include "store/scan_store.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

std::string replace_once(std::string text, std::string_view from, std::string_view to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << "no \"" << from << "\" in the config";
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

// The text without the part from `first` up to and including `last` (after first).
std::string cut(std::string text, std::string_view first, std::string_view last) {
    const auto from = text.find(first);
    const auto to = from == std::string::npos ? from : text.find(last, from);
    EXPECT_NE(to, std::string::npos) << "no \"" << first << "\" ... \"" << last << "\" in the config";
    if (to != std::string::npos) text.erase(from, to + last.size() - from);
    return text;
}

std::string iso(std::chrono::system_clock::time_point t) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(t));
}

// A session in hall "main" that began two hours ago and ends at `end` (main has no other session).
std::string main_session(std::chrono::system_clock::time_point end) {
    return main_hall_session_toml(std::chrono::system_clock::now() - std::chrono::hours(2), end);
}

class ReloadTest : public ServerTest {
protected:
    ReloadTest() = default;

    void write_config(const std::string& text) {
        std::ofstream(server_.config_file(), std::ios::trunc) << text;
    }
    std::string config_text() const {
        std::ifstream in(server_.config_file());
        return {std::istreambuf_iterator<char>(in), {}};
    }
    http_result reload(const std::string& token = "staff-token") {
        return http_post(server_.port(), "/api/reload", "{}", token);
    }
    int capacity(const std::string& hall) {
        const auto occupancy = get_json("/api/occupancy");
        for (const auto& h : occupancy.at("halls").as_array())
            if (h.at("id").as_string() == hall) return static_cast<int>(h.at("capacity").as_int64());
        return -1;
    }
    std::vector<store::audit_entry> audit() {
        auto log = store::open_store({server_.data_dir(), {}}, store::open_mode::read_only);
        return log->audit_log();
    }
    json::array alerts() { return get_json("/api/alerts").as_array(); }
};

TEST_F(ReloadTest, CapacityLoweredBelowOccupancyUnderLoadRefusesEntriesAndRemovesNobody) {
    // The test event's side room takes 50; a station admits 4 delegates and staff,
    // then keeps scanning while the capacity drops to 2.
    auto door = station("side-both");
    int admitted = 0;
    for (const auto* id : {"d-001", "d-002", "d-003", "d-004"}) {
        const auto v = scan(*door, fmt::format("warm-{}", id), server_.badge(id));
        ASSERT_TRUE(v.admitted()) << v.DebugString();
        ++admitted;
    }
    ASSERT_EQ(inside("side"), 4);

    // Under load: the main hall's doors scan a guest in and out without pause
    // while the reload happens.
    std::atomic<bool> stop{false};
    std::atomic<int> sent{0}, answered{0};
    std::string load_problem;
    std::thread load([&] {
        try {
            client::station_client in_door, out_door;
            in_door.connect("127.0.0.1", server_.port());
            in_door.hello("main-in", "main-in-token");
            out_door.connect("127.0.0.1", server_.port());
            out_door.hello("main-out", "main-out-token");
            const auto badge = server_.badge("g-001");
            for (int i = 0; !stop.load() || i < 20; ++i) {
                auto& c = i % 2 == 0 ? in_door : out_door;
                c.send(scan_message(fmt::format("load-{}", i), badge, i % 2 == 0 ? wire::ENTRY : wire::EXIT));
                ++sent;
                const auto reply = c.receive(5s);
                if (!reply || !reply->has_verdict()) {
                    load_problem = fmt::format("scan load-{} got no verdict ({})", i, c.close_reason());
                    return;
                }
                ++answered;
            }
            if (!in_door.is_open() || !out_door.is_open()) load_problem = "a station was disconnected";
        } catch (const std::exception& e) {
            load_problem = e.what();
        }
    });
    ASSERT_TRUE(eventually([&] { return sent.load() >= 10; }));

    write_config(replace_once(config_text(), "capacity = 50", "capacity = 2"));
    const auto r = reload();
    stop = true;
    load.join();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(load_problem.empty()) << load_problem;
    EXPECT_EQ(sent.load(), answered.load()) << "every scan sent during the reload got its verdict";
    const auto body = json::parse(r.body).as_object();
    ASSERT_EQ(body.at("changes").as_array().size(), 1u) << r.body;
    EXPECT_EQ(body.at("changes").as_array()[0].at("code").as_string(), "hall_capacity");

    // Nobody was removed; entries are refused from now on, exits still work.
    EXPECT_EQ(inside("side"), admitted);
    EXPECT_EQ(capacity("side"), 2);
    const auto staff = scan(*door, "after-1", server_.badge("s-001"));
    EXPECT_TRUE(staff.admitted()) << "staff may enter full halls: " << staff.DebugString();
    const auto exit = scan(*door, "after-2", server_.badge("d-001"), wire::EXIT);
    EXPECT_TRUE(exit.admitted()) << exit.DebugString();
    const auto again = scan(*door, "after-3", server_.badge("d-001"));
    EXPECT_FALSE(again.admitted());
    EXPECT_EQ(again.reason(), wire::HALL_FULL) << again.DebugString();
    EXPECT_EQ(again.capacity(), 2);
    EXPECT_TRUE(door->is_open()) << "the station connected before the reload is still connected";

    // Recorded in the audit log and shown on the dashboard.
    const auto entries = audit();
    ASSERT_FALSE(entries.empty());
    EXPECT_EQ(entries.back().action, "config_reload");
    EXPECT_EQ(entries.back().actor, "staff over HTTP (shared token)");
    EXPECT_NE(entries.back().note.find("capacity of side 50 -> 2"), std::string::npos) << entries.back().note;
    bool shown = false;
    for (const auto& a : alerts()) {
        if (a.at("kind").as_string() != "config_reloaded") continue;
        const auto& change = a.at("params").at("changes").as_array().at(0);
        shown = change.at("code").as_string() == "hall_capacity" && change.at("params").at("to").as_string() == "2";
    }
    EXPECT_TRUE(shown) << json::serialize(alerts());
}

TEST_F(ReloadTest, SessionRunningLateTakesEntriesOnceItsEndIsMoved) {
    const auto before = std::chrono::system_clock::now() - std::chrono::minutes(5);
    write_config(small_event_toml(main_session(before)));
    server_.stop_graceful();
    server_.start();
    auto door = station("main-in");
    const auto closed = scan(*door, "late-1", server_.badge("d-001"));
    ASSERT_FALSE(closed.admitted());
    EXPECT_EQ(closed.reason(), wire::HALL_CLOSED) << closed.DebugString();

    const auto later = std::chrono::system_clock::now() + std::chrono::hours(1);
    write_config(replace_once(config_text(), "end = " + iso(before), "end = " + iso(later)));
    const auto r = reload();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("session_times"), std::string::npos) << r.body;
    const auto open = scan(*door, "late-2", server_.badge("d-001"));
    EXPECT_TRUE(open.admitted()) << open.DebugString();
}

TEST_F(ReloadTest, StationAddedAtASideDoorConnectsAndScans) {
    auto main_door = station("main-in");
    client::station_client side_door;
    side_door.connect("127.0.0.1", server_.port());
    EXPECT_ANY_THROW(side_door.hello("side-door", "side-door-token")) << "unknown before the reload";

    write_config(config_text() + R"(
[[stations]]
id = "side-door"
hall = "side"
role = "entrance"
token = "side-door-token"
)");
    const auto r = reload();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("station_added"), std::string::npos) << r.body;

    client::station_client added;
    added.connect("127.0.0.1", server_.port());
    const auto ack = added.hello("side-door", "side-door-token");
    EXPECT_EQ(ack.hall_id(), "side");
    EXPECT_EQ(ack.role(), "entrance");
    const auto v = scan(added, "side-door-1", server_.badge("d-002"));
    EXPECT_TRUE(v.admitted()) << v.DebugString();
    EXPECT_EQ(v.hall_id(), "side");
    // The station that was connected throughout still scans on the same connection.
    const auto w = scan(*main_door, "main-1", server_.badge("d-003"));
    EXPECT_TRUE(w.admitted()) << w.DebugString();
    // The dashboard's station list has it.
    bool listed = false;
    const auto stations = get_json("/api/stations");
    for (const auto& s : stations.as_array())
        listed = listed || (s.at("id").as_string() == "side-door" && s.at("online").as_bool());
    EXPECT_TRUE(listed) << json::serialize(stations);
}

TEST_F(ReloadTest, BrokenFileIsRejectedAndChangesNothing) {
    auto door = station("main-in");
    ASSERT_TRUE(scan(*door, "b-1", server_.badge("d-001")).admitted());
    const auto good = config_text();

    write_config(replace_once(good, "capacity = 3", "capacity = -5"));
    auto r = reload();
    EXPECT_EQ(r.status, 422) << r.body;
    const auto body = json::parse(r.body).as_object();
    EXPECT_FALSE(body.at("ok").as_bool());
    const std::string problem(body.at("problems").as_array().at(0).as_string());
    EXPECT_NE(problem.find(server_.config_file().filename().string() + ":"), std::string::npos) << problem;
    EXPECT_NE(problem.find("capacity"), std::string::npos) << problem;
    EXPECT_NE(std::string(body.at("error").as_string()).find("nothing changed"), std::string::npos) << r.body;
    EXPECT_EQ(capacity("main"), 3);
    EXPECT_TRUE(eventually([&] { return server_.log().find("config reload by staff over HTTP (shared token) refused") != std::string::npos; }))
        << server_.log();

    // A file that parses but cannot replace the running event: another event id.
    write_config(replace_once(good, "id = \"test-event\"", "id = \"other-event\""));
    r = reload();
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_NE(r.body.find("event id changed"), std::string::npos) << r.body;
    // A hall removed.
    // A hall removed (with its station and session, so that the file itself is good).
    auto without_side = cut(good, "[[halls]]\nid = \"side\"", "capacity = 50\n");
    without_side = cut(without_side, "[[stations]]\nid = \"side-both\"", "token = \"side-both-token\"\n");
    without_side = cut(without_side, "[[sessions]]\nid = \"side-session\"", "categories = [\"delegate\", \"staff\"]\n");
    write_config(without_side);
    r = reload();
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_NE(r.body.find("hall \\\"side\\\" is gone"), std::string::npos) << r.body;

    // Nothing changed: the same hall, the same station, still connected; no audit entry.
    EXPECT_EQ(capacity("main"), 3);
    EXPECT_EQ(capacity("side"), 50);
    EXPECT_TRUE(scan(*door, "b-2", server_.badge("d-002")).admitted());
    for (const auto& e : audit()) EXPECT_NE(e.action, "config_reload");
}

TEST_F(ReloadTest, OnlyStaffMayReload) {
    EXPECT_EQ(reload("viewer-token").status, 403);
    EXPECT_EQ(reload("").status, 401);
}

TEST_F(ReloadTest, AdmitReloadCommandPrintsWhatChanged) {
    write_config(replace_once(config_text(), "capacity = 50", "capacity = 40"));
    const auto command = fmt::format("{} reload --config {} --server 127.0.0.1:{} --token staff-token 2>&1",
                                     program("admit").string(), server_.config_file().string(), server_.port());
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    const int status = ::pclose(pipe);
    EXPECT_EQ(WEXITSTATUS(status), 0) << out;
    EXPECT_NE(out.find("capacity of side 50 -> 40"), std::string::npos) << out;
    EXPECT_EQ(capacity("side"), 40);
}

TEST_F(ReloadTest, SighupReloadsTheFile) {
    write_config(replace_once(config_text(), "capacity = 50", "capacity = 45"));
    ASSERT_EQ(::kill(server_.pid(), SIGHUP), 0);
    EXPECT_TRUE(eventually([&] { return capacity("side") == 45; })) << server_.log();
    EXPECT_TRUE(server_.running());
    EXPECT_NE(server_.log().find("reloaded by SIGHUP"), std::string::npos) << server_.log();
}

}  // namespace
}  // namespace admit::test
