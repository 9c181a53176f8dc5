// Seoul smart-city week test data. Times are in UTC, written as KST with kst().
#include "core/seoul_event.hpp"

#include <utility>

namespace admit::core::testing {

using namespace std::chrono;

time_point kst(int day, int hour, int minute) {
    const sys_days date = 2023y / September / day;
    return time_point{date} + hours{hour} + minutes{minute} - hours{9};
}

event_config seoul_event() {
    event_config e;
    e.id = "seoul-smart-city-2023";
    e.name = "Seoul Smart City Week 2023";
    e.time_zone = "Asia/Seoul";
    e.zone = core::local_clock{hours{9}};
    e.sites = {
        {"ddp", "Dongdaemun Design Plaza"},
        {"city-hall", "Seoul City Hall"},
    };
    e.halls = {
        {std::string(ddp_art2), "DDP Art Hall 2", "ddp", 700, std::nullopt},
        {std::string(forum_room), "City Hall 3F Main Conference Room", "city-hall", 250, hours{23}},
        {std::string(wego_hall), "City Hall Multipurpose Hall", "city-hall", 300, hours{23}},
    };
    e.stations = {
        {"ddp-art2-in", std::string(ddp_art2), station_role::entrance, ""},
        {"ddp-art2-out", std::string(ddp_art2), station_role::exit, ""},
        {"ch-3f-in", std::string(forum_room), station_role::entrance, ""},
        {"ch-3f-out", std::string(forum_room), station_role::exit, ""},
        {"ch-multi-in", std::string(wego_hall), station_role::entrance, ""},
        {"ch-multi-out", std::string(wego_hall), station_role::exit, ""},
        {"ch-multi-side", std::string(wego_hall), station_role::both, ""},
    };
    e.categories = {
        {"vip", "VIP", "#c0392b", false},
        {"speaker", "Speaker", "#8e44ad", false},
        {"finalist", "Prize finalist", "#d35400", false},
        {"winner", "Prize winner", "#f1c40f", false},
        {"delegate", "WeGO delegate", "#2980b9", false},
        {"press", "Press", "#7f8c8d", false},
        {"staff", "Staff", "#27ae60", true},
        {"guest", "Guest", "#95a5a6", false},
    };
    e.sessions = {
        {"prize-ceremony", "1st Seoul Smart City Prize award ceremony", std::string(ddp_art2),
         kst(25, 17, 30), kst(25, 20, 0), {}, minutes{30}},
        // The forum's three sessions run back to back; check-in for the next
        // opens ten minutes before it starts, while the previous one still runs.
        {"forum-1", "Forum session 1: Challenges and future of digital technology",
         std::string(forum_room), kst(26, 10, 0), kst(26, 11, 0), {}, minutes{30}},
        {"forum-2", "Forum session 2: Direction of inclusive smart cities",
         std::string(forum_room), kst(26, 11, 0), kst(26, 12, 0), {}, minutes{10}},
        {"forum-3", "Forum session 3: The Smart City Index", std::string(forum_room),
         kst(26, 12, 0), kst(26, 13, 0), {}, minutes{10}},
        {"wego-ga", "6th WeGO General Assembly", std::string(wego_hall), kst(26, 14, 0),
         kst(26, 17, 30), {"delegate", "vip", "speaker", "press", "staff"}, minutes{60}},
    };
    return e;
}

roster seoul_roster() {
    auto person = [](std::string id, std::string name, std::string category, std::string org,
                     std::string city, std::string country, std::uint32_t version = 1) {
        attendee a;
        a.id = std::move(id);
        a.name = std::move(name);
        a.category = std::move(category);
        a.organisation = std::move(org);
        a.city = std::move(city);
        a.country = std::move(country);
        a.email = a.id + "@example.org";
        a.badge_version = version;
        return a;
    };
    return roster({
        person("vip-mayor", "김서울", "vip", "Seoul Metropolitan Government", "Seoul", "KR"),
        person("spk-keynote", "Dr. Ana Ruiz", "speaker", "Smart City Institute", "Madrid", "ES"),
        person("fin-017", "이하늘", "finalist", "Songdo Mobility Lab", "Incheon", "KR"),
        person("win-003", "Priya Nair", "winner", "Kochi Open Data", "Kochi", "IN"),
        person("del-ulaanbaatar-1", "Bat-Erdene Enkh", "delegate", "City of Ulaanbaatar",
               "Ulaanbaatar", "MN"),
        person("del-makati-2", "Maria Santos", "delegate", "City of Makati", "Makati", "PH"),
        person("del-kazan-1", "Ilnur Safin", "delegate", "City of Kazan", "Kazan", "RU"),
        person("press-yonhap-1", "정민수", "press", "Yonhap News", "Seoul", "KR"),
        person("staff-012", "박지훈", "staff", "admit crew", "Seoul", "KR"),
        person("guest-101", "Tom Becker", "guest", "", "Hamburg", "DE"),
        person("guest-ahn", "안유진", "guest", "", "Seoul", "KR", 2),
    });
}

const badge_keys& event_keys() {
    static const badge_keys keys = badge_keys::generate();
    return keys;
}

std::string badge_of(std::string_view attendee_id, std::uint32_t version) {
    const roster people = seoul_roster();
    const attendee* a = people.find(attendee_id);
    const badge_claims claims{
        "seoul-smart-city-2023", std::string(attendee_id), a ? a->category : "guest", version};
    return sign_badge(claims, event_keys().secret);
}

}  // namespace admit::core::testing
