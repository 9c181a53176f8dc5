// Pairing codes and phone credentials (service/pairing.cpp), with the clock
// passed in: a code pairs once, expires, and unpairing ends the credential;
// pairings outlive a restart.
#include "service/pairing.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "service/api.hpp"
#include "support/temp_dir.hpp"

namespace admit::service {
namespace {

namespace json = boost::json;

core::event_config one_station() {
    core::event_config e;
    e.stations.push_back({"door-1", "hall-a", core::station_role::entrance, "hash-of-config-token"});
    return e;
}

struct fixture {
    test::temp_dir dir;
    core::event_config event = one_station();
    pairing::clock::time_point now{};
    pairing desk{event, dir.path(), [this] { return now; }};

    json::object post(std::string_view path, std::string_view body, bool staff = true, unsigned want = 200) {
        const auto r = desk.route("POST", path, body, staff);
        EXPECT_EQ(r.status, want) << path << ": " << r.body;
        return json::parse(r.body).as_object();
    }
    std::string code() {
        return std::string(post("/api/pairing", R"({"station":"door-1","label":"door 2 iPad"})").at("code").as_string());
    }
};

TEST(Pairing, ACodePairsOnceAndTheCredentialOpensOnlyItsStation) {
    fixture f;
    const auto code = f.code();
    EXPECT_EQ(code.size(), 9u) << code;  // ABCD-EFGH
    auto lower = code;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto claimed = f.post("/api/pairing/claim", json::serialize(json::object{{"code", lower}}), false);
    const std::string token(claimed.at("token").as_string());
    EXPECT_EQ(claimed.at("station").as_string(), "door-1");
    EXPECT_TRUE(f.desk.accepts("door-1", token));
    EXPECT_FALSE(f.desk.accepts("door-2", token));
    EXPECT_FALSE(f.desk.accepts("door-1", token + "x"));
    EXPECT_FALSE(f.desk.accepts("door-1", ""));
    f.post("/api/pairing/claim", json::serialize(json::object{{"code", code}}), false, 403);
}

TEST(Pairing, ACodeExpires) {
    fixture f;
    const auto code = f.code();
    f.now += pairing::code_lifetime;
    f.post("/api/pairing/claim", json::serialize(json::object{{"code", code}}), false, 403);
}

TEST(Pairing, OnlyStaffMakeCodesAndUnknownStationsAreNamed) {
    fixture f;
    f.post("/api/pairing", R"({"station":"door-1"})", false, 403);
    const auto r = f.post("/api/pairing", R"({"station":"nope"})", true, 400);
    EXPECT_NE(std::string(r.at("error").as_string()).find("\"nope\""), std::string::npos);
    f.post("/api/pairing/claim", "not json", false, 400);
}

TEST(Pairing, UnpairingRevokesAndPairingsSurviveARestart) {
    fixture f;
    const auto a = f.post("/api/pairing/claim", json::serialize(json::object{{"code", f.code()}}), false);
    const auto b = f.post("/api/pairing/claim", json::serialize(json::object{{"code", f.code()}}), false);
    const std::string token_a(a.at("token").as_string()), token_b(b.at("token").as_string());
    f.post(fmt::format("/api/pairing/{}/revoke", std::string(a.at("device").as_string())), "", true);
    EXPECT_FALSE(f.desk.accepts("door-1", token_a));
    EXPECT_TRUE(f.desk.accepts("door-1", token_b));

    const pairing restarted(f.event, f.dir.path());
    EXPECT_FALSE(restarted.accepts("door-1", token_a));
    EXPECT_TRUE(restarted.accepts("door-1", token_b));
    const auto list = json::parse(f.desk.route("GET", "/api/pairing", "", true).body).as_object();
    ASSERT_EQ(list.at("devices").as_array().size(), 1u);
    EXPECT_EQ(list.at("devices").as_array()[0].at("label").as_string(), "door 2 iPad");
}

}  // namespace
}  // namespace admit::service
