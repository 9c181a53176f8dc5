#pragma once
// The roster: everyone registered for the event, by attendee id.
// Thread safety: not synchronised; the engine owns one copy.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/string_map.hpp"

namespace admit::core {

struct attendee {
    std::string id;
    std::string name;  // UTF-8, Hangul or Latin
    std::string category;
    std::string organisation;
    std::string city;
    std::string country;
    std::string email;
    std::uint32_t badge_version = 1;  // tokens with a lower version are revoked
    // Optional: the name in Latin letters beside a Hangul one ("Kim Minjun"),
    // for badges and the help desk's search (roster column name_latin). Last,
    // with an initializer, so that brace-initialised attendees need not name it.
    std::string name_latin{};

    friend bool operator==(const attendee&, const attendee&) = default;
};

class roster {
public:
    roster() = default;
    explicit roster(std::vector<attendee> people);

    // Valid until the next upsert() (the engine builds a roster whole and never changes it).
    const attendee* find(std::string_view attendee_id) const;
    void upsert(attendee person);
    std::size_t size() const { return by_id_.size(); }
    const flat_string_map<attendee>& all() const { return by_id_; }

private:
    flat_string_map<attendee> by_id_;  // looked up on every scan
};

// What a roster import changes, for the importer's report.
struct roster_import_counts {
    std::size_t added = 0;
    std::size_t updated = 0;
    std::size_t unchanged = 0;
    std::size_t kept = 0;  // already registered, not in the file, left as they were
};

// Prepares an import over the people already registered: each incoming
// person keeps their current badge version (printed badges stay valid; a
// reissue is never undone), and the changes are counted.
roster_import_counts prepare_import(const std::vector<attendee>& existing, std::vector<attendee>& incoming);

}  // namespace admit::core
