#pragma once
// Reads the badge list written by `admit issue-badges` (id,name,category,token;
// RFC 4180 as core/csv.hpp reads it: quoted fields, "" inside quotes, CRLF or
// LF, an optional UTF-8 BOM).
// Columns are found by their header name, so extra or reordered columns are fine.
// Thread safety: free functions, no shared state.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace admit::sim {

// One person with a printed badge.
struct badge_holder {
    std::string id;
    std::string name;
    std::string category;
    std::string token;
};

// Throws std::runtime_error naming the file and line of the first problem.
std::vector<badge_holder> parse_tokens_csv(std::string_view text, const std::string& source_name);
std::vector<badge_holder> read_tokens_csv(const std::filesystem::path& file);

}  // namespace admit::sim
