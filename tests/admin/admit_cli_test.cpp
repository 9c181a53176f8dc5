// Tests the `admit` binary as an organiser uses it: real files in a temp
// directory, exit codes and what it prints.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "config/event_loader.hpp"
#include "config/key_files.hpp"
#include "support/temp_dir.hpp"
#include "support/test_events.hpp"
#include "core/badge.hpp"
#include "store/scan_store.hpp"

namespace admit {
namespace {

namespace fs = std::filesystem;

const std::string seoul_config = ADMIT_SOURCE_DIR "/deploy/seoul-2023.toml";

struct run_result {
    int code = -1;
    std::string out;
    std::string err;
};

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (const char c : s) {
        q += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
    }
    return q + "'";
}

class admit_cli : public testing::Test {
protected:
    // Runs `admit args...` in the temp dir, capturing both streams.
    run_result admit(const std::vector<std::string>& args) {
        std::string command =
            "cd " + shell_quote(dir_.path().string()) + " && " + shell_quote(ADMIT_CLI);
        for (const auto& a : args) {
            command += " " + shell_quote(a);
        }
        command += " >stdout.txt 2>stderr.txt";
        const int status = std::system(command.c_str());
        run_result r;
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = test::read_file(dir_.path() / "stdout.txt");
        r.err = test::read_file(dir_.path() / "stderr.txt");
        return r;
    }

    fs::path data() const { return dir_.path() / "data"; }

    void keygen() {
        const auto r = admit({"keygen", "--data", data().string()});
        ASSERT_EQ(r.code, 0) << r.err;
    }

    std::vector<core::attendee> stored_roster() {
        return store::open_sqlite_store(data(), store::open_mode::read_only)->load_roster();
    }

    const core::attendee* find(const std::vector<core::attendee>& people, const std::string& id) {
        const auto it =
            std::find_if(people.begin(), people.end(), [&](const auto& p) { return p.id == id; });
        return it == people.end() ? nullptr : &*it;
    }

    test::temp_dir dir_;
};

const std::string good_roster =
    "id,name,category,organisation,city,country,email\n"
    "del-0001,김민준,delegate,Seoul Metropolitan Government,Seoul,Republic of Korea,"
    "kim@example.org\n"
    "del-0002,Batbayar Ganbold,delegate,City of Ulaanbaatar,Ulaanbaatar,Mongolia,\n"
    "press-001,\"Lee, Seo-yeon\",press,Yonhap News Agency,Seoul,Republic of Korea,\n";

TEST_F(admit_cli, keygen_writes_private_keys_and_refuses_to_overwrite) {
    auto r = admit({"keygen", "--data", data().string()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("badge.key"), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat((data() / "keys" / "badge.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777U, 0600U);
    const auto first = config::read_public_key(data());

    r = admit({"keygen", "--data", data().string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("already exist"), std::string::npos) << r.err;
    EXPECT_EQ(config::read_public_key(data()), first);

    r = admit({"keygen", "--data", data().string(), "--force"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(config::read_public_key(data()), first);
}

TEST_F(admit_cli, check_config_summarises_a_good_file) {
    const auto r = admit({"check-config", seoul_config});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("OK"), std::string::npos);
    EXPECT_NE(r.out.find("halls    3"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("stations 7"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2023-09-25 17:30 to 20:00 in ddp-art-hall-2"), std::string::npos)
        << r.out;
    EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(admit_cli, check_config_shows_the_zone_and_its_clock_change) {
    const auto file = dir_.write("berlin.toml", test::berlin_autumn_event_toml(R"(
[[sessions]]
id = "saturday"
name = "Saturday"
hall = "hall-a"
start = 2026-10-24T09:00:00
end = 2026-10-24T17:00:00
[[sessions]]
id = "sunday"
name = "Sunday"
hall = "hall-a"
start = 2026-10-25T09:00:00
end = 2026-10-25T17:00:00
)"));
    const auto r = admit({"check-config", file.string()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("(Europe/Berlin, UTC+02:00)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("clocks   change 2026-10-25 03:00 -> 02:00 (UTC+01:00 from then)"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("2026-10-25 09:00 to 17:00 in hall-a"), std::string::npos) << r.out;

    // An unknown zone is refused with the file, line and key.
    std::string text = test::read_file(file);
    text.replace(text.find("Europe/Berlin"), 13, "Europe/Berlim");
    const auto typo = admit({"check-config", dir_.write("typo.toml", text).string()});
    EXPECT_EQ(typo.code, 1);
    EXPECT_NE(typo.err.find("typo.toml:4: [event]: time_zone \"Europe/Berlim\" is not a zone"), std::string::npos)
        << typo.err;
}

TEST_F(admit_cli, check_config_lists_every_problem_with_its_line) {
    std::string text = test::read_file(seoul_config);
    text.replace(text.find("capacity = 600"), 14, "capacity = -5");
    text.replace(text.find("role = \"exit\""), 13, "role = \"out\"");
    const auto file = dir_.write("seoul.toml", text);

    // The line of the broken capacity, counted in the file as written.
    const auto capacity_line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(text.find("capacity = -5")), '\n');

    const auto r = admit({"check-config", file.string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(
        r.err.find(":" + std::to_string(capacity_line) +
                   ": hall \"ddp-art-hall-2\" has capacity -5; capacity must be at least 1"),
        std::string::npos
    ) << r.err;
    EXPECT_NE(r.err.find("role \"out\" is not a station role"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("2 problem(s)"), std::string::npos) << r.err;
}

TEST_F(admit_cli, usage_errors_exit_2_and_help_exits_0) {
    EXPECT_EQ(admit({}).code, 2);
    EXPECT_EQ(admit({"check-config"}).code, 2);
    EXPECT_EQ(admit({"keygen", "--data", "x", "--frobnicate"}).code, 2);
    const auto help = admit({"import-roster", "--help"});
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.out.find("All or"), std::string::npos) << help.out;
}

TEST_F(admit_cli, import_with_a_bad_row_imports_nothing) {
    dir_.write("roster.csv", good_roster);
    ASSERT_EQ(
        admit({"import-roster", "--config", seoul_config, "--data", data().string(), "roster.csv"})
            .code,
        0
    );
    // Good changes and new people next to bad rows: none of it may land.
    std::string bad = good_roster;
    bad.replace(bad.find("Batbayar Ganbold"), 16, "Batbayar G.");
    bad += "spk-001,Priya Sharma,speaker,,,,\n";
    bad += "g-1,Alex Kim,vvip,,,,\n";
    bad += "del-0001,Dup,delegate,,,,\n";
    dir_.write("roster.csv", bad);
    const auto r =
        admit({"import-roster", "--config", seoul_config, "--data", data().string(), "roster.csv"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(
        r.err.find("roster.csv:6: category \"vvip\" is not one of the event's categories"),
        std::string::npos
    ) << r.err;
    EXPECT_NE(
        r.err.find("roster.csv:7: id \"del-0001\" is already used on line 2"), std::string::npos
    ) << r.err;
    EXPECT_NE(r.err.find("nothing imported"), std::string::npos) << r.err;

    const auto people = stored_roster();
    EXPECT_EQ(people.size(), 3U);
    EXPECT_EQ(find(people, "spk-001"), nullptr);
    EXPECT_EQ(find(people, "del-0002")->name, "Batbayar Ganbold");
}

TEST_F(admit_cli, reimport_updates_people_and_keeps_badge_versions) {
    dir_.write("roster.csv", good_roster);
    auto r =
        admit({"import-roster", "--config", seoul_config, "--data", data().string(), "roster.csv"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("3 new"), std::string::npos) << r.out;
    auto people = stored_roster();
    ASSERT_EQ(people.size(), 3U);
    ASSERT_NE(find(people, "del-0001"), nullptr);
    EXPECT_EQ(find(people, "del-0001")->name, "김민준");
    EXPECT_EQ(find(people, "press-001")->name, "Lee, Seo-yeon");

    keygen();
    r = admit(
        {"issue-badge",
         "--config",
         seoul_config,
         "--data",
         data().string(),
         "del-0002",
         "--reissue"}
    );
    ASSERT_EQ(r.code, 0) << r.err;

    std::string changed = good_roster;
    changed.replace(changed.find("City of Ulaanbaatar"), 19, "Ulaanbaatar City Hall");
    changed += "spk-001,Priya Sharma,speaker,Seoul Institute,Seoul,Republic of Korea,\n";
    dir_.write("roster.csv", changed);
    r = admit({"import-roster", "--config", seoul_config, "--data", data().string(), "roster.csv"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("1 new, 1 updated, 2 unchanged"), std::string::npos) << r.out;

    people = stored_roster();
    ASSERT_EQ(people.size(), 4U);
    EXPECT_EQ(find(people, "del-0002")->organisation, "Ulaanbaatar City Hall");
    EXPECT_EQ(find(people, "del-0002")->badge_version, 2U);  // the reissue stands
    EXPECT_NE(find(people, "spk-001"), nullptr);
}

TEST_F(admit_cli, issued_badge_verifies_and_reissue_revokes_it) {
    keygen();
    dir_.write("roster.csv", good_roster);
    ASSERT_EQ(
        admit({"import-roster", "--config", seoul_config, "--data", data().string(), "roster.csv"})
            .code,
        0
    );
    const auto key = config::read_public_key(data());

    auto r =
        admit({"issue-badge", "--config", seoul_config, "--data", data().string(), "del-0001"});
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_FALSE(r.out.empty());
    const std::string old_token = r.out.substr(0, r.out.find('\n'));
    const auto old_check = core::verify_badge(old_token, key);
    ASSERT_EQ(old_check.why, core::reason::ok) << old_token;
    EXPECT_EQ(old_check.claims->event_id, "seoul-smart-city-2023");
    EXPECT_EQ(old_check.claims->attendee_id, "del-0001");
    EXPECT_EQ(old_check.claims->category, "delegate");

    r = admit(
        {"issue-badge",
         "--config",
         seoul_config,
         "--data",
         data().string(),
         "del-0001",
         "--reissue"}
    );
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string new_token = r.out.substr(0, r.out.find('\n'));
    const auto new_check = core::verify_badge(new_token, key);
    ASSERT_EQ(new_check.why, core::reason::ok);

    const auto people = stored_roster();
    const auto* person = find(people, "del-0001");
    ASSERT_NE(person, nullptr);
    EXPECT_LT(old_check.claims->version, person->badge_version);
    EXPECT_EQ(new_check.claims->version, person->badge_version);

    const auto audit = store::open_sqlite_store(data(), store::open_mode::read_only)->audit_log();
    EXPECT_TRUE(std::any_of(audit.begin(), audit.end(), [](const auto& e) {
        return e.action == "reissue" && e.subject == "del-0001";
    }));
}

TEST_F(admit_cli, issue_badge_for_unknown_id_or_without_keys_explains) {
    dir_.write("roster.csv", good_roster);
    ASSERT_EQ(
        admit({"import-roster", "--config", seoul_config, "--data", data().string(), "roster.csv"})
            .code,
        0
    );
    auto r =
        admit({"issue-badge", "--config", seoul_config, "--data", data().string(), "del-0001"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("admit keygen --data"), std::string::npos) << r.err;

    keygen();
    r = admit({"issue-badge", "--config", seoul_config, "--data", data().string(), "nobody"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no attendee \"nobody\""), std::string::npos) << r.err;
}

TEST_F(admit_cli, issue_badges_writes_a_token_for_everyone) {
    keygen();
    dir_.write("roster.csv", good_roster);
    ASSERT_EQ(
        admit({"import-roster", "--config", seoul_config, "--data", data().string(), "roster.csv"})
            .code,
        0
    );
    const auto r = admit(
        {"issue-badges", "--config", seoul_config, "--data", data().string(), "--out", "tokens.csv"}
    );
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string csv = test::read_file(dir_.path() / "tokens.csv");
    EXPECT_TRUE(csv.starts_with("id,name,category,token\r\n")) << csv;
    EXPECT_NE(
        csv.find("press-001,\"Lee, Seo-yeon\",press,A1.seoul-smart-city-2023.press-001."),
        std::string::npos
    ) << csv;
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
}

TEST_F(admit_cli, demo_roster_is_deterministic_and_importable) {
    const auto a =
        admit({"demo-roster", "--config", seoul_config, "--count", "250", "--seed", "9"});
    const auto b =
        admit({"demo-roster", "--config", seoul_config, "--count", "250", "--seed", "9"});
    ASSERT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
    EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 251);
    dir_.write("demo.csv", a.out);
    const auto r =
        admit({"import-roster", "--config", seoul_config, "--data", data().string(), "demo.csv"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(stored_roster().size(), 250U);
}

TEST_F(admit_cli, hash_token_matches_the_config_loader) {
    const auto r = admit({"hash-token", "demo-viewer-7Qm4tX2p"});
    ASSERT_EQ(r.code, 0);
    EXPECT_EQ(r.out, config::hash_token("demo-viewer-7Qm4tX2p") + "\n");
}

}  // namespace
}  // namespace admit
