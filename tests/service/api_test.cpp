// The parts of the HTTP API that need no running server: target parsing.
#include <gtest/gtest.h>

#include "service/api.hpp"

namespace admit::service {
namespace {

TEST(ApiTarget, PathStopsAtTheQuery) {
    EXPECT_EQ(path_of("/api/occupancy?token=abc"), "/api/occupancy");
    EXPECT_EQ(path_of("/api/occupancy"), "/api/occupancy");
    EXPECT_EQ(path_of(""), "");
}

TEST(ApiTarget, QueryParameterIsFoundByName) {
    EXPECT_EQ(query_param("/x?token=abc", "token"), "abc");
    EXPECT_EQ(query_param("/x?a=1&token=abc&b=2", "token"), "abc");
    EXPECT_EQ(query_param("/x?tokenx=abc", "token"), "");
    EXPECT_EQ(query_param("/x?token", "token"), "");
    EXPECT_EQ(query_param("/x", "token"), "");
}

TEST(ApiTarget, PathPartIsTheIdBetweenPrefixAndSuffix) {
    EXPECT_EQ(path_part("/api/halls/main/inside", "/api/halls/", "/inside"), "main");
    EXPECT_EQ(path_part("/api/attendees/d-1/badge.pdf", "/api/attendees/", "/badge.pdf"), "d-1");
    EXPECT_EQ(path_part("/api/halls//inside", "/api/halls/", "/inside"), std::nullopt);
    EXPECT_EQ(path_part("/api/halls/inside", "/api/halls/", "/inside"), std::nullopt);
    EXPECT_EQ(path_part("/api/hall/main/inside", "/api/halls/", "/inside"), std::nullopt);
}

TEST(ApiTarget, SlowRequestsNeverRunOnTheStationThreads) {
    const auto work = [](std::string_view method, std::string_view target) {
        return api::work_of(http_request_view{method, target, {}, {}});
    };
    EXPECT_EQ(work("GET", "/api/export.xlsx"), api::work::report);
    EXPECT_EQ(work("GET", "/api/export/scans.csv?token=x"), api::work::report);
    EXPECT_EQ(work("GET", "/api/attendees/d-1/badge.pdf"), api::work::report);
    EXPECT_EQ(work("POST", "/api/checkin"), api::work::blocking);
    EXPECT_EQ(work("POST", "/api/roster"), api::work::blocking);
    EXPECT_EQ(work("GET", "/api/attendees/d-1"), api::work::blocking);  // reads the log
    EXPECT_EQ(work("GET", "/api/occupancy"), api::work::now);
    EXPECT_EQ(work("GET", "/healthz"), api::work::now);
    EXPECT_EQ(work("GET", "/index.html"), api::work::now);
    EXPECT_EQ(work("GET", "/api/attendees?q=kim"), api::work::now);
}

TEST(ApiTarget, ErrorReplyIsJsonWithTheStatus) {
    const auto r = error_reply(404, "no hall with id \"x\"");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, R"({"error":"no hall with id \"x\""})");
}

}  // namespace
}  // namespace admit::service

#include "service/json_util.hpp"

namespace admit::service {
namespace {

TEST(ApiErrors, RequestBytesThatAreNotUtf8StayValidJson) {
    EXPECT_EQ(utf8_or_replaced("plain"), "plain");
    EXPECT_EQ(utf8_or_replaced("김민준"), "김민준");
    EXPECT_EQ(utf8_or_replaced("a\xff" "b"), "a\xEF\xBF\xBD" "b");
    EXPECT_EQ(utf8_or_replaced("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");      // overlong '/'
    EXPECT_EQ(utf8_or_replaced("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    EXPECT_EQ(utf8_or_replaced("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");      // cut short
    const auto r = error_reply(404, "not found: /index\xff.html");
    boost::system::error_code ec;
    boost::json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
}

}  // namespace
}  // namespace admit::service

#include <fstream>

#include "service/web_files.hpp"
#include "support/temp_dir.hpp"

namespace admit::service {
namespace {

// The table of web files: what a request path finds, as a table of cases.
TEST(WebFiles, OnlyListedFilesAreFoundWhateverThePathLooksLike) {
    test::temp_dir dir;
    const auto web = dir.path() / "web";
    std::filesystem::create_directories(web / "js");
    std::ofstream(web / "index.html") << "i";
    std::ofstream(web / "js" / "app.js") << "a";
    std::ofstream(dir.path() / "secret.txt") << "s";
    std::filesystem::create_symlink(dir.path() / "secret.txt", web / "secret.txt");
    const web_files files(web);
    EXPECT_EQ(files.size(), 2u) << "the link out of the folder is not listed";

    const std::vector<std::pair<std::string, std::string>> found{
        {"/", "index.html"}, {"/index.html", "index.html"}, {"/index.html?token=x", "index.html"},
        {"/js/app.js", "app.js"}, {"/js/app%2Ejs", "app.js"},
        {"/./index.html", "index.html"},  // Boost.URL: a leading "/." only guards the path
    };
    for (const auto& [target, name] : found) {
        const auto* f = files.find(target);
        ASSERT_NE(f, nullptr) << target;
        EXPECT_EQ(f->path.filename(), name) << target;
    }
    for (const char* target : {"", "index.html", "//index.html", "/js//app.js", "/../web/index.html",
                               "/js/../index.html", "/.//index.html", "/%2e%2e/secret.txt", "/js%2fapp.js",
                               "/js%5capp.js", "/index.html%00", "/secret.txt", "/js/", "/nope",
                               "http://x/index.html", "/%c0%ae%c0%ae/secret.txt", "/%zz"}) {
        EXPECT_EQ(files.find(target), nullptr) << target;
    }
}

TEST(WebFiles, AFolderNameFindsItsIndexPage) {
    test::temp_dir dir;
    const auto web = dir.path() / "web";
    std::filesystem::create_directories(web / "station");
    std::ofstream(web / "station" / "index.html") << "s";
    const web_files files(web);
    for (const char* target : {"/station", "/station/", "/station?x=1", "/station/index.html"}) {
        const auto* f = files.find(target);
        ASSERT_NE(f, nullptr) << target;
        EXPECT_EQ(f->path.parent_path().filename(), "station") << target;
    }
    EXPECT_EQ(files.find("/stations"), nullptr);
    EXPECT_EQ(files.find("/station/x"), nullptr);
}

TEST(WebFiles, AMissingFolderServesNothing) {
    const web_files files("/nonexistent/admit/web");
    EXPECT_EQ(files.size(), 0u);
    EXPECT_EQ(files.find("/"), nullptr);
}

TEST(WebFiles, AWebFolderOverlappingTheDataFolderIsRefused) {
    test::temp_dir dir;
    EXPECT_THROW(check_web_dir_apart(dir.path(), dir.path() / "data"), std::runtime_error);
    EXPECT_THROW(check_web_dir_apart(dir.path() / "data" / "web", dir.path() / "data"), std::runtime_error);
    EXPECT_THROW(check_web_dir_apart(dir.path(), dir.path()), std::runtime_error);
    EXPECT_NO_THROW(check_web_dir_apart(dir.path() / "web", dir.path() / "data"));
    EXPECT_NO_THROW(check_web_dir_apart(dir.path() / "web", dir.path() / "webdata"));
}

}  // namespace
}  // namespace admit::service
