// Static files against the real admit-server: only files inside the web
// folder are served, whatever form the request path takes. Reproduces the
// hostile test that read /etc/passwd and the badge signing key with
// `curl --path-as-is http://HOST:PORT//etc/passwd`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/http_get.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

// A web folder of its own, with links that point out of it.
class StaticFilesTest : public ::testing::Test {
protected:
    StaticFilesTest() : server_(small_event_toml(), small_roster()) {
        web_ = web_dir_.path() / "web";
        write_file(web_ / "index.html", "<h1>admit index</h1>");
        write_file(web_ / "js" / "app.js", "console.log('app');");
        write_file(web_ / "desk" / "index.html", "<h1>desk</h1>");
        write_file(web_dir_.path() / "outside.txt", "OUTSIDE-SECRET");
        fs::create_symlink("/etc/passwd", web_ / "passwd.txt");
        fs::create_symlink(web_dir_.path() / "outside.txt", web_ / "outside.txt");
        fs::create_directory_symlink("/etc", web_ / "etc");
        fs::create_directory_symlink(server_.data_dir(), web_ / "data");
    }
    void SetUp() override { server_.start({"--web", web_.string()}); }
    void TearDown() override {
        if (HasFailure()) std::cerr << "--- server log ---\n" << server_.log();
    }

    // GET with the path sent byte for byte, as `curl --path-as-is` does.
    http_result raw_get(const std::string& target) {
        return http_raw(server_.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    temp_dir web_dir_;
    fs::path web_;
    server_process server_;
};

TEST_F(StaticFilesTest, FilesInsideTheWebFolderAreServed) {
    auto r = raw_get("/");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("admit index"), std::string::npos);
    r = raw_get("/js/app.js");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.headers.find("text/javascript"), std::string::npos) << r.headers;
    r = raw_get("/desk/");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("desk"), std::string::npos);
    r = raw_get("/index.html?token=viewer-token");
    EXPECT_EQ(r.status, 200);
}

TEST_F(StaticFilesTest, NoPathFormReachesAFileOutsideTheWebFolder) {
    const auto data = server_.data_dir().string();
    const std::vector<std::string> attacks{
        "//etc/passwd",
        "/" + data + "/keys/badge.key",
        "//" + data.substr(1) + "/keys/badge.key",
        "/../outside.txt",
        "/js/../../outside.txt",
        "/%2e%2e/outside.txt",
        "/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "/js%2f..%2f..%2foutside.txt",
        "/%2fetc%2fpasswd",
        "/..%5coutside.txt",
        "/%5c..%5coutside.txt",
        "/index.html%00.txt",
        "/%c0%ae%c0%ae/outside.txt",   // overlong UTF-8 for "."
        "/%c0%af..%c0%afoutside.txt",  // overlong UTF-8 for "/"
        "/passwd.txt",                 // a link to /etc/passwd inside web/
        "/outside.txt",                // a link to a file beside web/
        "/etc/passwd",                 // through a linked folder
        "/data/keys/badge.key",        // the data folder linked into web/
        "/./index.html/../../outside.txt",
    };
    for (const auto& target : attacks) {
        const auto r = raw_get(target);
        EXPECT_NE(r.status, 200) << target << " answered " << r.status;
        EXPECT_EQ(r.body.find("root:"), std::string::npos) << target;
        EXPECT_EQ(r.body.find("OUTSIDE-SECRET"), std::string::npos) << target;
        EXPECT_TRUE(r.status == 404 || r.status == 400) << target << " answered " << r.status;
    }
}

TEST_F(StaticFilesTest, TheBadgeKeyIsNeverServed) {
    const auto key = server_.data_dir() / "keys" / "badge.key";
    ASSERT_TRUE(fs::exists(key));
    std::ifstream in(key);
    std::string secret;
    std::getline(in, secret);
    ASSERT_FALSE(secret.empty());
    for (const std::string& target : {"/" + key.string(), "/" + key.string().substr(1), std::string("/data/keys/badge.key")}) {
        const auto r = raw_get(target);
        EXPECT_EQ(r.body.find(secret), std::string::npos) << target << " leaked the signing key";
    }
}

// Defence in depth: a web folder that holds the data folder (and so the keys) is refused at start.
TEST(StaticFilesStart, AWebFolderHoldingTheDataFolderIsRefused) {
    server_process server(small_event_toml(), small_roster());
    const auto web = server.data_dir().parent_path();
    EXPECT_THROW(server.start({"--web", web.string()}), std::exception);
    EXPECT_NE(server.log().find("web folder"), std::string::npos) << server.log();
}

}  // namespace
}  // namespace admit::test
