#pragma once
// Writing CSV fields, the one way every CSV admit writes does it (reports,
// roster, badge list): RFC 4180 quoting, and the formula guard of
// spreadsheet_text.hpp so that a spreadsheet shows text as text.
// Thread safety: pure functions.

#include <algorithm>
#include <string>
#include <string_view>

#include "core/spreadsheet_text.hpp"

namespace admit::core {

// Whether a field that starts or ends with a space is quoted too (files that
// people edit and read back, where a spreadsheet might trim it) or left as is
// (reports, where only the RFC 4180 characters need quotes).
enum class csv_edge_spaces { as_is, quoted };

// Appends `text` as one field: behind a ' when a spreadsheet would run it as a
// formula, and in double quotes (a quote inside doubled) when it holds a comma,
// a quote, a CR or LF, or, with csv_edge_spaces::quoted, an edge space.
inline void append_csv_field(
    std::string& out, std::string_view text, csv_edge_spaces edge = csv_edge_spaces::as_is
) {
    // A plain loop: find_first_of calls memchr once per character (reports
    // write millions of cells).
    bool quote = std::any_of(text.begin(), text.end(), [](char c) {
        return c == ',' || c == '"' || c == '\r' || c == '\n';
    });
    if (edge == csv_edge_spaces::quoted && !text.empty())
        quote = quote || text.front() == ' ' || text.back() == ' ';
    const bool guard = needs_formula_guard(text);
    if (!quote) {
        if (guard) out.push_back('\'');
        out.append(text);
        return;
    }
    out.push_back('"');
    if (guard) out.push_back('\'');
    for (const char c : text) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

// One field as a string, edge spaces quoted: the roster and the badge list.
inline std::string csv_field(std::string_view text) {
    std::string out;
    append_csv_field(out, text, csv_edge_spaces::quoted);
    return out;
}

}  // namespace admit::core
