// admit-judge-cases: writes (to stdout, JSON) tables of offline decisions
// made by the kiosk's offline judge over server/core's decide(): the rules
// as the server sends them (rules_to_json), and per case the scan, what the
// station remembers, and the verdict. The phone station's JavaScript judge
// (web/station/judge.js) must give the same verdicts for every case:
// tests/browser/judge.test.mjs checks it in the suite. One rule source: the
// C++ core; the JS follows it, and this table says when it does not.
#include <iostream>

#include <boost/json.hpp>

#include "core/badge.hpp"
#include "kiosk/offline_judge.hpp"
#include "protocol/rules_json.hpp"

namespace {

using namespace std::chrono;
using namespace admit;
namespace json = boost::json;

const core::time_point noon{sys_days{2023y / September / 26} + 3h};  // 12:00 KST

protocol::station_rules make_rules(const core::badge_keys& keys, core::passback_policy passback, core::move_policy move) {
    protocol::station_rules r;
    auto& e = r.event;
    e.id = "seoul";
    e.name = "Seoul";
    e.time_zone = "Asia/Seoul";
    e.zone = core::local_clock{minutes{540}};
    e.rules.passback = passback;
    e.rules.on_entry_elsewhere = move;
    e.halls = {
        {"forum", "Main Conference Room", "city-hall", 10, std::nullopt},
        {"wego", "Multipurpose Hall", "city-hall", 200, std::nullopt},
        {"lounge", "Lounge", "city-hall", 3, std::nullopt}};
    e.stations = {
        {"forum-in", "forum", core::station_role::entrance, {}},
        {"forum-out", "forum", core::station_role::exit, {}},
        {"wego-both", "wego", core::station_role::both, {}},
        {"lounge-both", "lounge", core::station_role::both, {}},
        {"nowhere-in", "no-such-hall", core::station_role::entrance, {}}};
    e.categories = {
        {"delegate", "WeGO delegate", "#2471a3", false},
        {"staff", "Staff", "#2c3e50", true},
        {"press", "Press", "#888", false}};
    e.sessions = {
        {"forum-1", "Forum", "forum", noon - 2h, noon + 4h, {"delegate", "staff"}, minutes{30}, minutes{0}},
        {"forum-2", "Closing", "forum", noon + 26h, noon + 28h, {}, minutes{30}, minutes{15}},
        {"wego-1", "Exhibition", "wego", noon - 3h, noon - 1h, {}, minutes{30}, minutes{0}}};
    r.badge_key = keys.pub;
    r.revoked = {{"d-lost", 2}};
    return r;
}

struct person {
    std::string event, id, category;
    std::uint32_t version;
};

json::object memory_json(const scanner::offline_memory& m) {
    json::object presence;
    for (const auto& [who, hall] : m.presence) presence[who] = hall;
    return {{"presence", presence}, {"last_inside", m.last_inside}, {"pending_delta", m.pending_delta}};
}

json::object table(const core::badge_keys& keys, core::passback_policy passback, core::move_policy move, int margin) {
    const auto rules = std::make_shared<const protocol::station_rules>(make_rules(keys, passback, move));
    const std::vector<person> people{
        {"seoul", "d-1", "delegate", 1}, {"seoul", "s-1", "staff", 1}, {"seoul", "p-1", "press", 1},
        {"seoul", "d-lost", "delegate", 1}, {"seoul", "d-lost", "delegate", 2}, {"seoul", "d-new", "delegate", 3},
        {"busan", "d-1", "delegate", 1}};
    std::vector<std::string> payloads;
    for (const auto& p : people) payloads.push_back(core::sign_badge({p.event, p.id, p.category, p.version}, keys.secret));
    auto forged = payloads[0];
    forged[forged.size() - 10] = forged[forged.size() - 10] == 'A' ? 'B' : 'A';
    payloads.push_back(forged);
    payloads.push_back("https://example.com/not-a-badge");
    payloads.push_back("A1.seoul.d-1.delegate.01." + payloads[0].substr(payloads[0].rfind('.') + 1));

    const std::vector<core::time_point> times{
        noon, noon - 2h - 31min, noon - 2h - 30min, noon + 4h, noon + 4h + 1s, noon + 20h, noon - 30h, noon + 27h};
    std::vector<scanner::offline_memory> memories(5);
    memories[1].presence = {{"d-1", "forum"}, {"s-1", "forum"}};
    memories[1].last_inside = 3;
    memories[2].presence = {{"d-1", "wego"}, {"p-1", "lounge"}};
    memories[3].last_inside = 4;
    memories[3].pending_delta = 1;  // forum: 5 of 10, margin keeps 5 -> full
    memories[4].last_inside = 2;
    memories[4].presence = {{"s-1", "lounge"}, {"d-1", "lounge"}};

    json::array cases;
    for (const auto& station : {"forum-in", "forum-out", "wego-both", "lounge-both", "nowhere-in", "ghost"}) {
        const scanner::offline_judge judge(rules, station, margin);
        for (const auto& payload : payloads)
            for (const auto dir : {core::direction::entry, core::direction::exit})
                for (const auto at : times)
                    for (const auto& memory : memories) {
                        const auto d = judge.decide("case", payload, dir, at, memory);
                        const auto& v = d.record.result;
                        cases.push_back(json::object{
                            {"station", station}, {"payload", payload},
                            {"direction", dir == core::direction::exit ? "exit" : "entry"},
                            {"at_ms", at.time_since_epoch().count()}, {"memory", memory_json(memory)},
                            {"expect", json::object{
                                {"admitted", v.admitted}, {"reason", std::string(core::reason_code(v.why))},
                                {"warning", v.warning}, {"explanation", v.explanation},
                                {"attendee_id", d.record.attendee_id}, {"hall_delta", d.hall_delta},
                                {"inside", d.inside}}}});
                    }
    }
    return {{"rules", json::parse(protocol::rules_to_json(*rules))}, {"margin", margin}, {"cases", std::move(cases)}};
}

}  // namespace

int main() {
    const auto keys = core::badge_keys::generate();
    json::array tables;
    tables.push_back(table(keys, core::passback_policy::refuse, core::move_policy::move, 5));
    tables.push_back(table(keys, core::passback_policy::warn, core::move_policy::refuse, 0));
    std::cout << json::serialize(json::object{{"tables", std::move(tables)}}) << '\n';
    return 0;
}
