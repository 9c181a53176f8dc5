#pragma once
// The roster: everyone registered for the event, by attendee id.
// Thread safety: not synchronised; the engine owns one copy.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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

    friend bool operator==(const attendee&, const attendee&) = default;
};

class roster {
public:
    roster() = default;
    explicit roster(std::vector<attendee> people);

    const attendee* find(std::string_view attendee_id) const;
    void upsert(attendee person);
    std::size_t size() const { return by_id_.size(); }
    const std::unordered_map<std::string, attendee>& all() const { return by_id_; }

private:
    std::unordered_map<std::string, attendee> by_id_;
};

}  // namespace admit::core
