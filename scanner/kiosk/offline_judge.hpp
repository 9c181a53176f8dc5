#pragma once
// Decides a scan on the kiosk while its link is down, with the same
// core::decide() the server uses, over what the kiosk knows offline: the
// cached rules (event, badge key, revocations), the badge's own claims as a
// one-person roster, the people this kiosk itself let in or out, and an
// occupancy estimate (last count from the server + own offline admits -
// own offline exits). Entries are refused `margin` places before capacity,
// since other doors keep admitting while this one cannot see them.
// Pure: no I/O, no clock; the caller passes the time and the memory in.
// Thread safety: const member functions over immutable rules.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/scan_record.hpp"
#include "protocol/rules_json.hpp"

namespace admit::scanner {

// What the kiosk remembers when the scan comes.
struct offline_memory {
    int last_inside = 0;    // the hall's count when the server last said
    int pending_delta = 0;  // own offline admits - exits not yet counted by the server
    std::vector<std::pair<std::string, std::string>> presence;  // attendee id -> hall ("" = out)
};

struct offline_decision {
    core::scan_record record;  // verdict, attendee, category, movement
    std::string name;          // offline the kiosk knows no names: the attendee id
    std::string category_name;
    int hall_delta = 0;  // +1 entry admitted here, -1 exit admitted from here
    int inside = 0;      // estimated count after this scan
    int capacity = 0;
};

class offline_judge {
public:
    offline_judge(
        std::shared_ptr<const protocol::station_rules> rules, std::string station_id, int margin
    );

    offline_decision decide(
        const std::string& scan_id,
        const std::string& payload,
        core::direction dir,
        core::time_point at,
        const offline_memory& memory
    ) const;

    const std::string& hall_id() const { return hall_id_; }
    int capacity() const;

private:
    std::shared_ptr<const protocol::station_rules> rules_;
    std::string station_id_;
    std::string hall_id_;
    int margin_ = 5;
};

}  // namespace admit::scanner
