#pragma once
// CSV as admit writes and reads it, in one place. Writing: every CSV admit
// writes (reports, roster, badge list) quotes fields as RFC 4180 says and
// puts the formula guard of spreadsheet_text.hpp before text a spreadsheet
// would run. Reading (roster import, the simulator's badge list): RFC 4180 as
// spreadsheets export it, quoted fields with commas, "" and line breaks, CRLF,
// LF or a lone CR between records; each problem is reported with its line.
// Readers take the formula guard off a text field with without_formula_guard.
// Thread safety: pure functions.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

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

struct csv_record {
    std::size_t line = 0;  // the line the record starts on (1-based)
    std::vector<std::string> fields;
};

struct csv_problem {
    std::size_t line = 0;  // 1-based
    std::string message;   // what is wrong and how to fix it
};

struct csv_table {
    std::vector<csv_record> records;    // blank lines left out
    std::vector<csv_problem> problems;  // a field never closed ends the reading
};

// The text without a leading UTF-8 byte order mark (Excel writes one).
std::string_view without_utf8_bom(std::string_view text);

// Splits text into records of fields. Text after a closing quote is reported
// and kept out of the field; a quoted field that is never closed is reported
// and ends the reading.
csv_table split_csv(std::string_view text);

}  // namespace admit::core
