#include "sources/line_source.hpp"

#include <string_view>

namespace admit::scanner {

namespace {

bool is_line_end(char c) {
    return c == '\n' || c == '\r';
}

std::string_view trimmed(std::string_view text) {
    constexpr std::string_view blank = " \t\r\n";
    const auto first = text.find_first_not_of(blank);
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(blank) - first + 1);
}

}  // namespace

std::optional<std::string> line_source::next() {
    std::string line;
    // Read char by char rather than getline: a lone CR ends a payload too.
    for (;;) {
        line.clear();
        int c = 0;
        while ((c = in_.get()) != std::char_traits<char>::eof() && !is_line_end(static_cast<char>(c))) {
            line.push_back(static_cast<char>(c));
        }
        const std::string_view payload = trimmed(line);
        if (!payload.empty()) {
            return std::string(payload);
        }
        if (c == std::char_traits<char>::eof()) {
            return std::nullopt;
        }
    }
}

}  // namespace admit::scanner
