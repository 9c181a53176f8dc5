// The kiosk's server list: what an operator may write, what is refused with
// which words, and the failover order with its backoff rounds, by table.
#include "kiosk/server_list.hpp"

#include <gtest/gtest.h>

namespace admit::scanner {
namespace {

std::vector<std::string> texts(const std::vector<server_address>& servers) {
    std::vector<std::string> out;
    for (const auto& s : servers) out.push_back(s.text());
    return out;
}

TEST(server_list, takes_one_server_a_comma_list_repeats_and_bracketed_ipv6) {
    const struct {
        std::vector<std::string> given;
        std::vector<std::string> servers;
    } cases[] = {
        {{"127.0.0.1:8080"}, {"127.0.0.1:8080"}},
        {{"a:8080,b:8081"}, {"a:8080", "b:8081"}},
        {{" a:8080 , b:8081 "}, {"a:8080", "b:8081"}},
        {{"a:1", "b:2,c:3"}, {"a:1", "b:2", "c:3"}},
        {{"[::1]:8080"}, {"[::1]:8080"}},
        {{"[fe80::1%eth0]:80,admit.example.org:443"},
         {"[fe80::1%eth0]:80", "admit.example.org:443"}},
        {{"h:65535"}, {"h:65535"}},
    };
    for (const auto& c : cases) {
        std::string error;
        const auto servers = parse_servers(c.given, error);
        ASSERT_TRUE(servers) << c.given.front() << ": " << error;
        EXPECT_EQ(texts(*servers), c.servers) << c.given.front();
    }
    std::string error;
    const auto v6 = parse_servers({"[::1]:8080"}, error);
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->front().host, "::1");  // what the resolver takes
    EXPECT_EQ(v6->front().port, 8080);
}

TEST(server_list, a_bad_entry_is_refused_naming_it) {
    const struct {
        std::vector<std::string> given;
        std::string message;
    } cases[] = {
        {{"a:8080,nocolon"}, "entry \"nocolon\" has no :PORT"},
        {{"a:8080", "b:http"}, "entry \"b:http\" has a port that is not a number"},
        {{"b:0"}, "entry \"b:0\" has a port that is not a number from 1 to 65535"},
        {{"b:65536"}, "entry \"b:65536\" has a port"},
        {{"b:"}, "entry \"b:\" has a port"},
        {{":8080"}, "entry \":8080\" has no host"},
        {{"::1:8080"}, "entry \"::1:8080\" is an IPv6 address without brackets"},
        {{"[::1:8080"}, "entry \"[::1:8080\" has no closing ]"},
        {{"[::1]8080"}, "entry \"[::1]8080\" has no :PORT after the ]"},
        {{"a:1,,b:2"}, "list \"a:1,,b:2\" has an empty entry"},
        {{"a:1,"}, "list \"a:1,\" has an empty entry"},
        {{"a:1", "a:1"}, "entry \"a:1\" is listed twice"},
        {{"http://a:1"}, "entry \"http://a:1\" has a scheme"},
        {{}, "list is empty"},
    };
    for (const auto& c : cases) {
        std::string error;
        EXPECT_FALSE(parse_servers(c.given, error));
        EXPECT_NE(error.find(c.message), std::string::npos)
            << "got: " << error << "\nwanted: " << c.message;
    }
}

server_address at(unsigned short port) {
    return {"127.0.0.1", port};
}

// What the link does: a step is "u" (unreachable), "d" (dropped) or "c"
// (connected); after each, the server tried next and whether to back off first.
TEST(server_rotation, fails_over_at_once_and_backs_off_only_after_a_full_round) {
    const struct {
        int servers;
        std::string steps;
        std::vector<unsigned short> tried;  // current() after each step
        std::string backoff;                // '+' where unreachable() asked to wait
    } cases[] = {
        // One server: as before failover existed.
        {1, "uuu", {1, 1, 1}, "+++"},
        {1, "cdu", {1, 1, 1}, "  +"},
        // Dead first server, live second: the second is tried at once and kept.
        {2, "uc", {2, 2}, "  "},
        // Both dead: one wait per round of two.
        {2, "uuuu", {2, 1, 2, 1}, " + +"},
        // Sticky: connected to 2, it drops, 1 at once; 1 is dead, 2 at once.
        {2, "ucduc", {2, 2, 1, 2, 2}, "     "},
        // Three servers, the middle one dead after a drop of the first.
        {3, "cduc", {1, 2, 3, 3}, "    "},
        {3, "cduuu", {1, 2, 3, 1, 2}, "    +"},
    };
    for (const auto& c : cases) {
        std::vector<server_address> list;
        for (int i = 1; i <= c.servers; ++i) list.push_back(at(static_cast<unsigned short>(i)));
        server_rotation r(list);
        EXPECT_EQ(r.current(), at(1));
        std::vector<unsigned short> tried;
        std::string backoff;
        for (const char step : c.steps) {
            bool wait = false;
            if (step == 'u') wait = r.unreachable();
            if (step == 'd') r.dropped();
            if (step == 'c') r.connected();
            tried.push_back(r.current().port);
            backoff += wait ? '+' : ' ';
        }
        EXPECT_EQ(tried, c.tried) << c.servers << " servers, steps " << c.steps;
        EXPECT_EQ(backoff, c.backoff) << c.servers << " servers, steps " << c.steps;
    }
}

TEST(server_rotation, counts_failed_rounds_until_connected) {
    server_rotation r({at(1), at(2)});
    EXPECT_EQ(r.next(), at(2));
    r.unreachable();
    EXPECT_EQ(r.failed_rounds(), 0u);
    r.unreachable();
    r.unreachable();
    r.unreachable();
    EXPECT_EQ(r.failed_rounds(), 2u);
    r.connected();
    EXPECT_EQ(r.failed_rounds(), 0u);
}

}  // namespace
}  // namespace admit::scanner
