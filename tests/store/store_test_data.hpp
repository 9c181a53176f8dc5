#pragma once
// Scans, people and audit entries for the store tests (both backends).

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/scan_store.hpp"

namespace admit::store::test_data {

using namespace std::chrono_literals;

inline core::time_point at_ms(std::int64_t ms) { return core::time_point{std::chrono::milliseconds{ms}}; }

inline core::scan_record plain_scan(const std::string& scan_id, const std::string& attendee = "A-001") {
    core::scan_record r;
    r.scan_id = scan_id;
    r.station_id = "gate-1";
    r.hall_id = "hall-a";
    r.attendee_id = attendee;
    r.category = "visitor";
    r.payload = "ADMIT1." + attendee;
    r.device_time = at_ms(1'700'000'000'000);
    r.server_time = at_ms(1'700'000'000'250);
    r.result = core::verdict{.admitted = true, .why = core::reason::ok, .explanation = "Welcome."};
    return r;
}

// Every field set to something other than its default.
inline core::scan_record full_scan() {
    core::scan_record r;
    r.scan_id = "st7-000042";
    r.kind = core::scan_kind::manual;
    r.station_id = "gate-7";
    r.hall_id = "hall-b";
    r.attendee_id = "K-9001";
    r.category = "speaker";
    r.payload = "ADMIT1.seoul.K-9001.2.sig";
    r.dir = core::direction::exit;
    r.device_time = at_ms(1'695'000'000'123);
    r.server_time = at_ms(1'695'000'004'567);
    r.offline = true;
    r.shown = core::verdict{
        .admitted = true, .why = core::reason::already_inside, .warning = true,
        .explanation = "이미 입장했습니다 (warn)."};
    r.actor = "김민지";
    r.note = "배지를 잃어버림 — lost badge";
    r.result = core::verdict{
        .admitted = false, .why = core::reason::hall_full, .warning = false,
        .explanation = "홀이 가득 찼습니다 (450/450)."};
    r.moved = core::movement{.attendee_id = "K-9001", .from_hall = "hall-a", .to_hall = "hall-b"};
    r.annulled = true;
    return r;
}

inline void expect_same(const core::scan_record& got, const core::scan_record& want) {
    EXPECT_EQ(got.scan_id, want.scan_id);
    EXPECT_EQ(got.kind, want.kind);
    EXPECT_EQ(got.station_id, want.station_id);
    EXPECT_EQ(got.hall_id, want.hall_id);
    EXPECT_EQ(got.attendee_id, want.attendee_id);
    EXPECT_EQ(got.category, want.category);
    EXPECT_EQ(got.payload, want.payload);
    EXPECT_EQ(got.dir, want.dir);
    EXPECT_EQ(got.device_time, want.device_time);
    EXPECT_EQ(got.server_time, want.server_time);
    EXPECT_EQ(got.offline, want.offline);
    EXPECT_EQ(got.shown, want.shown);
    EXPECT_EQ(got.actor, want.actor);
    EXPECT_EQ(got.note, want.note);
    EXPECT_EQ(got.result, want.result);
    EXPECT_EQ(got.moved, want.moved);
    EXPECT_EQ(got.annulled, want.annulled);
}

inline core::attendee person(const std::string& id, std::uint32_t badge_version = 1) {
    return core::attendee{
        .id = id, .name = "홍길동 " + id, .category = "visitor", .organisation = "Seoul Metro",
        .city = "Seoul", .country = "KR", .email = id + "@example.org",
        .badge_version = badge_version};
}

inline audit_entry audit(
    const std::string& actor,
    const std::string& action,
    const std::string& subject = "",
    const std::string& note = "",
    core::time_point at = {}
) {
    audit_entry e;
    e.at = at;
    e.actor = actor;
    e.action = action;
    e.subject = subject;
    e.note = note;
    return e;
}

inline std::vector<std::string> ids_of(scan_store& store, std::int64_t after_seq = 0) {
    std::vector<std::string> ids;
    store.for_each_scan([&](const core::scan_record& r) { ids.push_back(r.scan_id); }, after_seq);
    return ids;
}

}  // namespace admit::store::test_data
