#pragma once
// A hash map keyed by std::string that can be searched with a string_view
// without building a std::string first (C++20 heterogeneous lookup): the
// writer looks people up by id several times per scan.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace admit::core {

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <typename T>
using string_map = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;

}  // namespace admit::core
