// Help-desk staff as people (issue 25): `admit staff add|revoke|list` on the
// real admin tool, against the real server on the same data directory; the
// audit log records the name the server authenticated. Also what the desk
// shows of the server's decisions: a rule a check-in by hand breaks, an exit
// from the wrong hall, the size of a search.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "config/event_loader.hpp"
#include "net/server_fixture.hpp"
#include "store/scan_store.hpp"

namespace admit::test {
namespace {

struct cli_result {
    int code = -1;
    std::string output;  // stdout and stderr together
};

std::string quoted(const std::string& s) {
    std::string q = "'";
    for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

class StaffTest : public ServerTest {
protected:
    // `admit staff <args> --config <event> --data <dir>`.
    cli_result staff(const std::string& args) {
        const auto out = server_.data_dir().parent_path() / "cli-output.txt";
        const auto cmd = program("admit").string() + " staff " + args + " --config " +
                         quoted(server_.config_file().string()) + " --data " +
                         quoted(server_.data_dir().string()) + " > " + quoted(out.string()) + " 2>&1";
        cli_result r;
        const int status = std::system(cmd.c_str());
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        std::ifstream in(out);
        std::ostringstream text;
        text << in.rdbuf();
        r.output = text.str();
        return r;
    }

    // Adds NAME and returns the credential it prints once, after the running
    // server has picked it up (it re-reads the credentials every second).
    std::string add_staff(const std::string& name) {
        const auto r = staff("add " + quoted(name));
        EXPECT_EQ(r.code, 0) << r.output;
        std::istringstream lines(r.output);
        for (std::string line; std::getline(lines, line);) {
            if (line.rfind("admit-staff-", 0) != 0) continue;
            EXPECT_TRUE(eventually([&] { return http_get(server_.port(), "/api/whoami", line).status == 200; }))
                << "the running server never accepted the new credential";
            return line;
        }
        ADD_FAILURE() << "no credential in: " << r.output;
        return {};
    }

    std::vector<store::audit_entry> audit() {
        auto log = store::open_store({server_.data_dir(), {}}, store::open_mode::read_only);
        return log->audit_log();
    }
};

std::string body_of(const std::string& who, const std::string& hall, const std::string& dir, const std::string& extra = {}) {
    return R"({"attendee_id":")" + who + R"(","hall_id":")" + hall + R"(","direction":")" + dir +
           R"(","reason":"lost badge")" + extra + "}";
}

TEST_F(StaffTest, APersonalCredentialNamesWhoActsWhateverIsTyped) {
    const auto credential = add_staff("Kim Minji");
    ASSERT_FALSE(credential.empty());
    const auto me = get_json("/api/whoami", credential);
    EXPECT_EQ(me.at("role").as_string(), "staff");
    EXPECT_EQ(me.at("name").as_string(), "Kim Minji");

    // The body claims to be someone else: the server records the credential's name.
    auto r = http_post(server_.port(), "/api/checkin", body_of("d-001", "main", "entry", R"(,"actor":"Mallory")"), credential);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body).at("actor").as_string(), "Kim Minji");
    const auto scan_id = std::string(json::parse(r.body).at("scan_id").as_string());
    r = http_post(server_.port(), "/api/scans/" + scan_id + "/annul", R"({"actor":"Mallory","reason":"wrong person"})",
                  credential);
    ASSERT_EQ(r.status, 200) << r.body;
    r = http_post(server_.port(), "/api/attendees/d-001/reissue", R"({"reason":"lost"})", credential);
    ASSERT_EQ(r.status, 200) << r.body;

    std::vector<std::string> actions;
    for (const auto& e : audit()) {
        if (e.action == "annul" || e.action == "reissue") {
            EXPECT_EQ(e.actor, "Kim Minji") << e.action;
            actions.push_back(e.action);
        }
    }
    EXPECT_EQ(actions, (std::vector<std::string>{"annul", "reissue"}));

    // Both appear in the person's history, next to the scan.
    const auto person = get_json("/api/attendees/d-001", credential);
    const auto& history = person.at("actions").as_array();
    ASSERT_EQ(history.size(), 2u) << json::serialize(person);
    EXPECT_EQ(history[0].at("action").as_string(), "annul");
    EXPECT_EQ(history[0].at("scan_id").as_string(), scan_id);
    EXPECT_EQ(history[0].at("actor").as_string(), "Kim Minji");
    EXPECT_EQ(history[1].at("action").as_string(), "reissue");
    EXPECT_NE(std::string(history[1].at("note").as_string()).find("version 2"), std::string::npos);
}

TEST_F(StaffTest, TheSharedTokenStillWorksAndSaysTheNameWasTyped) {
    auto r = http_post(server_.port(), "/api/checkin", body_of("d-002", "main", "entry", R"(,"actor":"Desk Lee")"),
                       "staff-token");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body).at("actor").as_string(), "Desk Lee (shared token)");
    EXPECT_TRUE(get_json("/api/whoami", "staff-token").at("name").is_null());
    r = http_post(server_.port(), "/api/checkin", body_of("d-003", "main", "entry"), "staff-token");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("actor"), std::string::npos) << r.body;
}

TEST_F(StaffTest, CredentialsAreStoredHashedRevocableAndListed) {
    const auto credential = add_staff("Park Jiho");
    ASSERT_EQ(get_json("/api/whoami", credential).at("role").as_string(), "staff");
    {
        auto log = store::open_store({server_.data_dir(), {}}, store::open_mode::read_only);
        const auto list = log->staff_list();
        ASSERT_EQ(list.size(), 1u);
        EXPECT_EQ(list[0].token_hash, config::hash_token(credential));
    }
    // Only the hash: the credential appears nowhere in the data directory.
    for (const auto& f : std::filesystem::directory_iterator(server_.data_dir())) {
        if (!f.is_regular_file()) continue;
        std::ifstream in(f.path(), std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(bytes.find(credential.substr(12)), std::string::npos) << f.path();
    }

    // A second credential for a name that has one is refused.
    const auto twice = staff("add 'Park Jiho'");
    EXPECT_EQ(twice.code, 1) << twice.output;
    EXPECT_NE(twice.output.find("revoke it first"), std::string::npos) << twice.output;

    const auto revoked = staff("revoke 'Park Jiho'");
    ASSERT_EQ(revoked.code, 0) << revoked.output;
    EXPECT_TRUE(eventually([&] { return http_get(server_.port(), "/api/whoami", credential).status == 401; }))
        << "the running server still accepts a revoked credential";
    EXPECT_EQ(http_post(server_.port(), "/api/checkin", body_of("d-001", "main", "entry"), credential).status, 401);

    const auto list = staff("list");
    EXPECT_EQ(list.code, 0) << list.output;
    EXPECT_NE(list.output.find("Park Jiho"), std::string::npos) << list.output;
    EXPECT_NE(list.output.find("revoked"), std::string::npos) << list.output;
    EXPECT_EQ(staff("revoke 'Nobody'").code, 1);

    // A new credential for the same person works; the old one stays refused.
    const auto again = add_staff("Park Jiho");
    EXPECT_EQ(get_json("/api/whoami", again).at("name").as_string(), "Park Jiho");
    EXPECT_EQ(http_get(server_.port(), "/api/whoami", credential).status, 401);
    std::vector<std::string> audited;
    for (const auto& e : audit())
        if (e.action.rfind("staff_", 0) == 0) audited.push_back(e.action + " " + e.subject);
    EXPECT_EQ(audited, (std::vector<std::string>{"staff_add Park Jiho", "staff_revoke Park Jiho", "staff_add Park Jiho"}));
}

// The side session admits delegates and staff only: a guest checked in by
// hand breaks that rule, which the desk must show and the staff override.
TEST_F(StaffTest, ACheckInByHandThatBreaksARuleNeedsAnOverrideWithAReason) {
    const auto credential = add_staff("Kim Minji");
    auto r = http_post(server_.port(), "/api/checkin", body_of("g-001", "side", "entry"), credential);
    ASSERT_EQ(r.status, 409) << r.body;
    const auto refusal = json::parse(r.body);
    EXPECT_TRUE(refusal.at("needs_override").as_bool());
    EXPECT_EQ(refusal.at("rule").as_string(), "category_not_allowed");
    EXPECT_EQ(refusal.at("rule_explanation").as_string(), "Guest may not enter Side session.");
    EXPECT_EQ(inside("side"), 0) << "nothing is stored without the override";

    r = http_post(server_.port(), "/api/checkin", body_of("g-001", "side", "entry", R"(,"override":true)"), credential);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto admitted = json::parse(r.body);
    EXPECT_TRUE(admitted.at("admitted").as_bool());
    EXPECT_EQ(admitted.at("overridden_rule").as_string(), "category_not_allowed");
    EXPECT_EQ(inside("side"), 1);
    bool audited = false;
    for (const auto& e : audit()) {
        if (e.action != "override") continue;
        audited = true;
        EXPECT_EQ(e.actor, "Kim Minji");
        EXPECT_EQ(e.subject, "g-001");
        EXPECT_NE(e.note.find("category_not_allowed"), std::string::npos) << e.note;
        EXPECT_NE(e.note.find("lost badge"), std::string::npos) << e.note;
    }
    EXPECT_TRUE(audited) << "the override is in the audit log";

    // A delegate breaks no rule there: no override asked.
    r = http_post(server_.port(), "/api/checkin", body_of("d-004", "side", "entry"), credential);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(json::parse(r.body).as_object().contains("overridden_rule"));
}

TEST_F(StaffTest, AnExitFromTheWrongHallSaysWhichHallTheyLeft) {
    ASSERT_EQ(http_post(server_.port(), "/api/checkin", body_of("d-001", "side", "entry", R"(,"actor":"a")"), "staff-token").status,
              200);
    const auto r = http_post(server_.port(), "/api/checkin", body_of("d-001", "main", "exit", R"(,"actor":"a")"), "staff-token");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto reply = json::parse(r.body);
    EXPECT_EQ(reply.at("moved_from").as_string(), "side");
    EXPECT_EQ(reply.at("moved_to").as_string(), "");
    EXPECT_TRUE(reply.at("warning").as_bool());
    EXPECT_EQ(reply.at("explanation").as_string(), "Exit recorded; they were still recorded inside Side Room.");
    EXPECT_EQ(inside("side"), 0);
}

TEST_F(StaffTest, ASearchSaysHowManyMatchWhenItShowsOnlySome) {
    const auto found = get_json("/api/attendees?q=seoul");
    EXPECT_EQ(found.at("results").as_array().size(), 6u);
    EXPECT_EQ(found.at("total").as_int64(), 6);
}

}  // namespace
}  // namespace admit::test
