// Roster CSV as exported from spreadsheets: RFC 4180 quoting, CRLF or LF,
// an optional UTF-8 byte order mark (Excel writes one). Every bad row is
// reported with the line it starts on, so the organiser fixes them all at once.
#include "config/roster_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/badge.hpp"
#include "core/csv.hpp"
#include "core/spreadsheet_text.hpp"

namespace admit::config {
namespace {

bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t extra = 0;
        std::uint32_t code = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0U) == 0xC0U) {
            extra = 1;
            code = c & 0x1FU;
        } else if ((c & 0xF0U) == 0xE0U) {
            extra = 2;
            code = c & 0x0FU;
        } else if ((c & 0xF8U) == 0xF0U) {
            extra = 3;
            code = c & 0x07U;
        } else {
            return false;
        }
        if (i + extra >= s.size()) {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0U) != 0x80U) {
                return false;
            }
            code = (code << 6U) | (cc & 0x3FU);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        static constexpr std::array<std::uint32_t, 4> min_for_length = {0, 0x80, 0x800, 0x10000};
        if (code < min_for_length[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

std::string trim(std::string_view s) {
    const auto not_space = [](char c) { return c != ' ' && c != '\t'; };
    const auto b = std::find_if(s.begin(), s.end(), not_space);
    const auto e = std::find_if(s.rbegin(), s.rend(), not_space).base();
    return b < e ? std::string(b, e) : std::string{};
}

std::string lower(std::string s) {
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return s;
}

constexpr std::array<std::string_view, 8> known_columns = {
    "id", "name", "category", "organisation", "city", "country", "email", "name_latin"};

}  // namespace

roster_parse_result parse_roster_csv(std::string_view text, const core::event_config& event) {
    roster_parse_result result;
    core::csv_table csv = core::split_csv(core::without_utf8_bom(text));
    for (auto& p : csv.problems) {
        result.problems.push_back({p.line, std::move(p.message)});
    }
    if (csv.records.empty()) {
        if (result.problems.empty()) {
            result.problems.push_back(
                {1, "the file is empty; the first line must be a header such as id,name,category"}
            );
        }
        return result;
    }

    // The header: which column holds what.
    const core::csv_record& header = csv.records.front();
    std::map<std::string, std::size_t> column;
    for (std::size_t c = 0; c < header.fields.size(); ++c) {
        const std::string name = lower(trim(header.fields[c]));
        if (std::find(known_columns.begin(), known_columns.end(), name) == known_columns.end()) {
            continue;  // extra columns are ignored
        }
        if (!column.emplace(name, c).second) {
            result.problems.push_back(
                {header.line,
                 fmt::format("the header names column \"{}\" twice; keep one of them", name)}
            );
        }
    }
    for (const std::string_view required : {"id", "name", "category"}) {
        if (!column.contains(std::string{required})) {
            result.problems.push_back(
                {header.line,
                 fmt::format(
                     "the header has no \"{}\" column; the first line must name at least "
                     "id,name,category",
                     required
                 )}
            );
        }
    }
    if (!result.problems.empty() && !column.contains("id")) {
        return result;
    }
    if (column.size() < 3) {
        return result;
    }

    std::string valid_categories;
    for (const auto& category : event.categories) {
        valid_categories += valid_categories.empty() ? "" : ", ";
        valid_categories += category.id;
    }

    std::map<std::string, std::size_t> first_line_of;
    for (std::size_t r = 1; r < csv.records.size(); ++r) {
        const core::csv_record& row = csv.records[r];
        const auto problem = [&](std::string message) {
            result.problems.push_back({row.line, std::move(message)});
        };
        if (row.fields.size() != header.fields.size()) {
            problem(fmt::format(
                "the row has {} fields but the header has {}; quote fields that contain commas",
                row.fields.size(),
                header.fields.size()
            ));
            continue;
        }
        if (!std::all_of(row.fields.begin(), row.fields.end(), is_valid_utf8)) {
            problem("the row is not valid UTF-8; save the file as UTF-8 (\"CSV UTF-8\" in Excel)");
            continue;
        }
        const auto get = [&](const std::string& name) {
            const auto it = column.find(name);
            if (it == column.end()) return std::string{};
            // As written by core::csv_field: without the quote that guards formulas.
            return std::string(core::without_formula_guard(trim(row.fields[it->second])));
        };
        core::attendee person;
        person.id = get("id");
        person.name = get("name");
        person.category = get("category");
        person.organisation = get("organisation");
        person.city = get("city");
        person.country = get("country");
        person.email = get("email");
        person.name_latin = get("name_latin");

        const std::size_t before = result.problems.size();
        if (!core::is_valid_id(person.id)) {
            problem(fmt::format(
                "id \"{}\" is not valid; ids use letters, digits, '-' and '_' (1 to 64 "
                "characters)",
                person.id
            ));
        } else if (const auto [it, inserted] = first_line_of.emplace(person.id, row.line);
                   !inserted) {
            problem(fmt::format(
                "id \"{}\" is already used on line {}; give each person their own id",
                person.id,
                it->second
            ));
        }
        if (person.name.empty()) {
            problem(fmt::format("\"{}\" has an empty name; fill in the name", person.id));
        }
        if (event.find_category(person.category) == nullptr) {
            problem(fmt::format(
                "category \"{}\" is not one of the event's categories; use one of: {}",
                person.category,
                valid_categories
            ));
        }
        if (!person.email.empty() && person.email.find('@') == std::string::npos) {
            problem(
                fmt::format("email \"{}\" has no '@'; correct it or leave it empty", person.email)
            );
        }
        if (result.problems.size() == before) {
            result.people.push_back(std::move(person));
        }
    }
    return result;
}

std::string roster_to_csv(const std::vector<core::attendee>& people) {
    // RFC 4180: CRLF between records, a header row first.
    std::string out = "id,name,category,organisation,city,country,email\r\n";
    for (const auto& p : people) {
        out += fmt::format(
            "{},{},{},{},{},{},{}\r\n",
            core::csv_field(p.id),
            core::csv_field(p.name),
            core::csv_field(p.category),
            core::csv_field(p.organisation),
            core::csv_field(p.city),
            core::csv_field(p.country),
            core::csv_field(p.email)
        );
    }
    return out;
}

}  // namespace admit::config
