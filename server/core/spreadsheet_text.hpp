#pragma once
// Text that a spreadsheet would run as a formula when it opens a CSV file:
// Excel, LibreOffice and Google Sheets take a cell starting with = + - or @
// as a formula, and one starting with a tab or carriage return too once they
// trim it (OWASP, "CSV Injection"). Every CSV admit writes puts a single
// quote before such text, so a name like =HYPERLINK(...) stays a name; the
// CSV readers (roster import, the simulator's badge list) take it off again.
// Thread safety: pure functions.

#include <string_view>

namespace admit::core {

// Whether text needs the guarding quote. Text that already starts with quotes
// before such a character gets one more, so that taking one off on reading
// gives back exactly the text written.
constexpr bool needs_formula_guard(std::string_view text) {
    const auto first = text.find_first_not_of('\'');
    return first != std::string_view::npos &&
           std::string_view("=+-@\t\r").find(text[first]) != std::string_view::npos;
}

// The text a CSV reader should keep: without the guarding quote, if any.
constexpr std::string_view without_formula_guard(std::string_view field) {
    if (field.starts_with('\'') && needs_formula_guard(field)) field.remove_prefix(1);
    return field;
}

}  // namespace admit::core
