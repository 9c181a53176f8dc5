// `admit badges` as an organiser runs it before the event: the real binary on
// a real data directory; the PNG is read back with zbarimg, as a kiosk camera
// would, and must give the signed token of the person.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/key_files.hpp"
#include "core/badge.hpp"

namespace admit {
namespace {

namespace fs = std::filesystem;

const std::string seoul_config = ADMIT_SOURCE_DIR "/deploy/seoul-2023.toml";

std::string quote(const std::string& s) {
    std::string q = "'";
    for (const char c : s) q += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
    return q + "'";
}

struct run_result {
    int code = -1;
    std::string out;  // stdout (and stderr unless left out)
};

run_result run(const std::string& command, bool with_stderr = true) {
    run_result r;
    FILE* pipe = ::popen((command + (with_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
    if (pipe == nullptr) return r;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(pipe);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

class admit_badges_command : public testing::Test {
protected:
    admit_badges_command() {
        std::string pattern = (fs::temp_directory_path() / "admit-badges-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
    }
    ~admit_badges_command() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    run_result admit(const std::vector<std::string>& args) {
        std::string command = quote(ADMIT_CLI);
        for (const auto& a : args) command += " " + quote(a);
        return run(command);
    }

    void SetUp() override {
        ASSERT_EQ(admit({"keygen", "--data", data().string()}).code, 0);
        std::ofstream(dir_ / "roster.csv")
            << "id,name,category,organisation,city,country,email\n"
               "del-0001,김민준,delegate,Seoul Metropolitan Government,Seoul,Republic of Korea,\n"
               "press-001,\"Lee, Seo-yeon\",press,Yonhap News Agency,Seoul,Republic of Korea,\n"
               "del-0002,Batbayar Ganbold,delegate,City of Ulaanbaatar,Ulaanbaatar,Mongolia,\n";
        const auto r = admit(
            {"import-roster", "--config", seoul_config, "--data", data().string(),
             (dir_ / "roster.csv").string()}
        );
        ASSERT_EQ(r.code, 0) << r.out;
    }

    fs::path data() const { return dir_ / "data"; }
    fs::path out() const { return dir_ / "badges"; }

    fs::path dir_;
};

TEST_F(admit_badges_command, writes_png_svg_and_pdf_and_the_png_reads_back_to_the_signed_token) {
    const auto r = admit(
        {"badges", "--config", seoul_config, "--data", data().string(), "--out", out().string(),
         "--layout", "a4"}
    );
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("wrote 3 badge(s)"), std::string::npos) << r.out;
    for (const auto* id : {"del-0001", "del-0002", "press-001"}) {
        EXPECT_GT(fs::file_size(out() / (std::string(id) + ".png")), 100u) << id;
        EXPECT_GT(fs::file_size(out() / (std::string(id) + ".svg")), 100u) << id;
    }
    std::ifstream pdf(out() / "badges.pdf", std::ios::binary);
    std::string head(5, '\0');
    pdf.read(head.data(), 5);
    EXPECT_EQ(head, "%PDF-");
    struct stat st {};
    ASSERT_EQ(::stat((out() / "del-0001.png").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777U, 0600U) << "badge tokens admit people: owner only";

    // What a camera reads off the PNG is a genuine token for that person.
    const auto scanned =
        run("zbarimg --quiet --raw " + quote((out() / "press-001.png").string()), false);
    ASSERT_EQ(scanned.code, 0) << scanned.out;
    std::string token = scanned.out;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    const auto check = core::verify_badge(token, config::read_public_key(data()));
    ASSERT_EQ(check.why, core::reason::ok) << token;
    EXPECT_EQ(check.claims->attendee_id, "press-001");
    EXPECT_EQ(check.claims->category, "press");
    EXPECT_EQ(check.claims->event_id, "seoul-smart-city-2023");
}

TEST_F(admit_badges_command, one_attendee_with_id_and_an_unknown_id_is_refused) {
    auto r = admit(
        {"badges", "--config", seoul_config, "--data", data().string(), "--out", out().string(),
         "--id", "del-0002"}
    );
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_TRUE(fs::exists(out() / "del-0002.png"));
    EXPECT_FALSE(fs::exists(out() / "del-0001.png"));
    EXPECT_TRUE(fs::exists(out() / "badges.pdf"));

    r = admit(
        {"badges", "--config", seoul_config, "--data", data().string(), "--out", out().string(),
         "--id", "nobody"}
    );
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("no attendee \"nobody\""), std::string::npos) << r.out;

    r = admit(
        {"badges", "--config", seoul_config, "--data", data().string(), "--out", out().string(),
         "--layout", "letter"}
    );
    EXPECT_EQ(r.code, 2) << r.out;
}

}  // namespace
}  // namespace admit
