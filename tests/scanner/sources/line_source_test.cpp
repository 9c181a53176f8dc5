#include "sources/line_source.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace admit::scanner {
namespace {

std::vector<std::string> all_payloads(const std::string& typed) {
    std::istringstream in(typed);
    line_source source(in);
    std::vector<std::string> payloads;
    while (auto payload = source.next()) {
        payloads.push_back(*payload);
    }
    return payloads;
}

using payloads = std::vector<std::string>;

TEST(line_source, one_payload_per_line) {
    EXPECT_EQ(all_payloads("A1.a\nA1.b\n"), (payloads{"A1.a", "A1.b"}));
}

TEST(line_source, trims_crlf_and_lone_cr) {
    EXPECT_EQ(all_payloads("A1.a\r\nA1.b\rA1.c\n"), (payloads{"A1.a", "A1.b", "A1.c"}));
}

TEST(line_source, skips_blank_lines) {
    EXPECT_EQ(all_payloads("\n\r\nA1.a\n\n  \t\n\nA1.b\n\n"), (payloads{"A1.a", "A1.b"}));
}

TEST(line_source, trims_spaces_and_tabs_some_scanners_add) {
    EXPECT_EQ(all_payloads("  A1.a\t\n"), (payloads{"A1.a"}));
}

TEST(line_source, last_line_without_newline_still_counts) {
    EXPECT_EQ(all_payloads("A1.a\nA1.b"), (payloads{"A1.a", "A1.b"}));
}

TEST(line_source, keeps_utf8_and_inner_spaces) {
    EXPECT_EQ(all_payloads("김서울 badge\r\n"), (payloads{"김서울 badge"}));
}

TEST(line_source, empty_input_ends_at_once_and_stays_ended) {
    std::istringstream in("");
    line_source source(in);
    EXPECT_FALSE(source.next());
    EXPECT_FALSE(source.next());
}

}  // namespace
}  // namespace admit::scanner
