#pragma once
// A hash map keyed by std::string that can be searched with a string_view
// without building a std::string first (heterogeneous lookup): the writer
// looks people up by id several times per scan, and the start-up replay once
// per record for a million records.
//
// Boost's open-addressing map, not std::unordered_map, whose lookups walk a
// node chain with a division per step (the replay was a third faster with
// this one). An insert may move every element: references, pointers and
// views into the map last only until the next change.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <boost/unordered/unordered_flat_map.hpp>

namespace admit::core {

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <typename T>
using flat_string_map = boost::unordered_flat_map<std::string, T, string_hash, std::equal_to<>>;

}  // namespace admit::core
