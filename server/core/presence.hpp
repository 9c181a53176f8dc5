#pragma once
// Where every person is now, and how many are inside each hall: the one
// place that knows it. A person is inside at most one hall at a time.
// Thread safety: not synchronised; the engine owns it and guards it.

#include <string>
#include <string_view>
#include <vector>

#include "core/string_map.hpp"

namespace admit::core {

// A change of place: left `from_hall` (empty: was outside) and entered
// `to_hall` (empty: now outside).
struct movement {
    std::string attendee_id;
    std::string from_hall;
    std::string to_hall;

    friend bool operator==(const movement&, const movement&) = default;
};

class presence {
public:
    // Hall the person is in now, or empty when outside; valid until the next apply() or clear().
    std::string_view hall_of(std::string_view attendee_id) const;
    // People inside the hall now (never negative).
    int inside(std::string_view hall_id) const;
    // Attendee ids inside the hall, sorted.
    std::vector<std::string> people_in(std::string_view hall_id) const;
    std::size_t total_inside() const { return where_.size(); }

    // Carries out a movement: leaves from_hall if the person is there, enters to_hall.
    void apply(const movement& m);
    void clear();

private:
    flat_string_map<std::string> where_;  // attendee id -> hall id
    flat_string_map<int> count_;          // hall id -> inside
};

}  // namespace admit::core
