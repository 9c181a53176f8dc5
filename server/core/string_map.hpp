#pragma once
// Hash maps keyed by std::string that can be searched with a string_view
// without building a std::string first (C++20 heterogeneous lookup): the
// writer looks people up by id several times per scan.
//
// string_map: std::unordered_map, whose elements stay where they are until
// erased. flat_string_map: Boost's open-addressing map, for the maps hit once
// per record when a million scans are replayed at start-up (a third faster
// there than std::unordered_map, whose lookups walk a node chain with a
// division per step). An insert may move every element of a flat map:
// references, pointers and views into it last only until the next change.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/unordered/unordered_flat_map.hpp>

namespace admit::core {

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <typename T>
using string_map = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;

template <typename T>
using flat_string_map = boost::unordered_flat_map<std::string, T, string_hash, std::equal_to<>>;

}  // namespace admit::core
