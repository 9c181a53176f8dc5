// The parts of the HTTP API that need no running server: target parsing.
#include <gtest/gtest.h>

#include "net/api.hpp"

namespace admit::net {
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

TEST(ApiTarget, ErrorReplyIsJsonWithTheStatus) {
    const auto r = error_reply(404, "no hall with id \"x\"");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, R"({"error":"no hall with id \"x\""})");
}

}  // namespace
}  // namespace admit::net

#include "net/json_util.hpp"

namespace admit::net {
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
}  // namespace admit::net
