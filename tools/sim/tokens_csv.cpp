#include "sim/tokens_csv.hpp"

#include <array>
#include <cstddef>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/csv.hpp"
#include "core/spreadsheet_text.hpp"

namespace admit::sim {

namespace {

// The badge list split into records (core/csv.hpp); its first problem, if
// any, as an error naming the file and line.
std::vector<core::csv_record> split_csv(std::string_view text, const std::string& source_name) {
    auto table = core::split_csv(core::without_utf8_bom(text));
    if (!table.problems.empty()) {
        const auto& p = table.problems.front();
        throw std::runtime_error(fmt::format("{}:{}: {}", source_name, p.line, p.message));
    }
    return std::move(table.records);
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::runtime_error(fmt::format(
            "cannot read {}; write it with `admit issue-badges --config FILE --data DIR --out {}`",
            file.string(), file.string()
        ));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return std::move(text).str();
}

}  // namespace

std::vector<badge_holder> parse_tokens_csv(std::string_view text, const std::string& source_name) {
    const auto rows = split_csv(text, source_name);
    if (rows.empty()) {
        throw std::runtime_error(fmt::format("{}: the file is empty", source_name));
    }
    constexpr std::array<std::string_view, 4> wanted{"id", "name", "category", "token"};
    std::array<std::optional<std::size_t>, 4> column{};
    for (std::size_t i = 0; i < rows[0].fields.size(); ++i) {
        for (std::size_t w = 0; w < wanted.size(); ++w) {
            if (rows[0].fields[i] == wanted[w]) column[w] = i;
        }
    }
    for (std::size_t w = 0; w < wanted.size(); ++w) {
        if (!column[w]) {
            throw std::runtime_error(fmt::format(
                "{}:1: no \"{}\" column; the header must name id,name,category,token (as "
                "written by `admit issue-badges`)",
                source_name, wanted[w]
            ));
        }
    }
    std::vector<badge_holder> people;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        const auto& fields = rows[r].fields;
        const auto get = [&](std::size_t w) -> const std::string& {
            const std::size_t c = *column[w];
            if (c >= fields.size()) {
                throw std::runtime_error(fmt::format(
                    "{}:{}: {} fields, but the \"{}\" column is field {}", source_name,
                    rows[r].line, fields.size(), wanted[w], c + 1
                ));
            }
            return fields[c];
        };
        // `admit issue-badges` guards text a spreadsheet would run with a '.
        const auto unguarded = [&](std::size_t w) {
            return std::string(core::without_formula_guard(get(w)));
        };
        badge_holder person{unguarded(0), unguarded(1), unguarded(2), get(3)};
        if (person.token.empty()) {
            throw std::runtime_error(fmt::format(
                "{}:{}: attendee \"{}\" has no token", source_name, rows[r].line, person.id
            ));
        }
        people.push_back(std::move(person));
    }
    if (people.empty()) {
        throw std::runtime_error(fmt::format("{}: a header but no attendees", source_name));
    }
    return people;
}

std::vector<badge_holder> read_tokens_csv(const std::filesystem::path& file) {
    return parse_tokens_csv(read_file(file), file.string());
}

}  // namespace admit::sim
