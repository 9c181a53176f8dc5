// The server's duplicate window, with the real server and two stations at
// one door (two cameras, or a kiosk restarted between reads): a badge read
// twice within 2 s is one entry, shown green twice, never a red "already
// inside"; a read after the window is judged as usual.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "client/station_client.hpp"
#include "store/scan_store.hpp"
#include "support/http_get.hpp"
#include "support/server_process.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr const char* second_camera = R"(
[[stations]]
id = "main-in-2"
hall = "main"
role = "entrance"
token = "main-in-2-token"
)";

wire::StationMessage scan_message(const std::string& id, const std::string& payload, wire::Direction dir) {
    wire::StationMessage m;
    auto* s = m.mutable_scan();
    s->set_scan_id(id);
    s->set_payload(payload);
    s->set_direction(dir);
    return m;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class DuplicateWindowTest : public ::testing::Test {
protected:
    DuplicateWindowTest() : server_(small_event_toml(second_camera), small_roster()) {}
    void SetUp() override { server_.start(); }
    void TearDown() override {
        if (HasFailure()) std::cerr << "--- server log ---\n" << server_.log();
    }

    std::unique_ptr<client::station_client> station(const std::string& id) {
        auto c = std::make_unique<client::station_client>();
        c->connect("127.0.0.1", server_.port());
        c->hello(id, id + "-token");
        return c;
    }

    static wire::Verdict send(client::station_client& c, const wire::StationMessage& m) {
        c.send(m);
        const auto reply = c.receive(5s);
        EXPECT_TRUE(reply && reply->has_verdict()) << c.close_reason();
        return reply && reply->has_verdict() ? reply->verdict() : wire::Verdict{};
    }

    json::object hall(const std::string& id) {
        const auto r = http_get(server_.port(), "/api/occupancy", "viewer-token");
        EXPECT_EQ(r.status, 200);
        const auto body = json::parse(r.body);  // kept: the loop must not range over a temporary
        for (const auto& h : body.at("halls").as_array())
            if (h.at("id") == id.c_str()) return h.as_object();
        return {};
    }

    server_process server_;
};

TEST_F(DuplicateWindowTest, TwoCamerasAtOneDoorReadingABadgeTwiceAdmitOnce) {
    auto first_camera = station("main-in");
    auto other_camera = station("main-in-2");
    const auto first = send(*first_camera, scan_message("cam1-1", server_.badge("d-001"), wire::ENTRY));
    ASSERT_TRUE(first.admitted()) << first.explanation();
    EXPECT_FALSE(first.duplicate());
    EXPECT_EQ(first.inside(), 1);

    const auto second = send(*other_camera, scan_message("cam2-1", server_.badge("d-001"), wire::ENTRY));
    EXPECT_TRUE(second.admitted()) << "a red screen for someone just admitted: " << second.explanation();
    EXPECT_EQ(second.reason(), wire::OK);
    EXPECT_TRUE(second.duplicate());
    EXPECT_EQ(second.explanation(), first.explanation()) << "the first read's verdict, word for word";
    EXPECT_EQ(second.inside(), 1) << "counted once";

    const auto main = hall("main");
    EXPECT_EQ(main.at("inside"), 1);
    EXPECT_EQ(main.at("admitted"), 1);
    EXPECT_EQ(main.at("refused"), 0) << "a duplicate is not a refusal";

    const auto metrics = http_get(server_.port(), "/metrics");
    EXPECT_NE(metrics.body.find("admit_scan_duplicates_total 1"), std::string::npos) << metrics.body;
    EXPECT_EQ(metrics.body.find("already_inside"), std::string::npos) << metrics.body;

    // Every scan is logged, the second flagged.
    auto log = store::open_sqlite_store(server_.data_dir(), store::open_mode::read_only);
    const auto kept = log->find_scan("cam2-1");
    ASSERT_TRUE(kept.has_value());
    EXPECT_TRUE(kept->duplicate);
    EXPECT_FALSE(kept->moved);
    EXPECT_FALSE(log->find_scan("cam1-1")->duplicate);

    // An exit read twice is not an "exit without entry" either.
    auto exit_door = station("main-out");
    EXPECT_TRUE(send(*exit_door, scan_message("out-1", server_.badge("d-001"), wire::EXIT)).admitted());
    const auto again = send(*exit_door, scan_message("out-2", server_.badge("d-001"), wire::EXIT));
    EXPECT_TRUE(again.admitted()) << again.explanation();
    EXPECT_TRUE(again.duplicate());
    EXPECT_EQ(hall("main").at("inside"), 0);
}

TEST_F(DuplicateWindowTest, AReadAfterTheWindowIsJudgedAsUsual) {
    auto camera = station("main-in");
    auto other_camera = station("main-in-2");
    // The first entry was read by a kiosk offline 10 s ago, well before the window.
    auto earlier = scan_message("cam1-old", server_.badge("d-002"), wire::ENTRY);
    earlier.mutable_scan()->set_device_time_ms(now_ms() - 10'000);
    earlier.mutable_scan()->set_offline(true);
    ASSERT_TRUE(send(*camera, earlier).admitted());
    const auto now = send(*other_camera, scan_message("cam2-now", server_.badge("d-002"), wire::ENTRY));
    EXPECT_FALSE(now.admitted());
    EXPECT_EQ(now.reason(), wire::ALREADY_INSIDE);
    EXPECT_FALSE(now.duplicate());
    EXPECT_EQ(hall("main").at("refused"), 1);
    EXPECT_EQ(hall("main").at("inside"), 1);
}

}  // namespace
}  // namespace admit::test
