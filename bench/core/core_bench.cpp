// The server's per-scan work, piece by piece, and its start-up:
//   decide()            one badge scan judged on a realistic state (20 000 people,
//                       8 000 inside, 4 halls, 20 stations), signature check included
//   verify_badge        the Ed25519 signature check alone (libsodium)
//   wire_*              Protobuf parse + serialize of a Scan, a Verdict, a ScanBatch of 100
//   engine_rebuild      engine start on a 1 000 000-scan log: roster load + replay
//                       (target: under 2 s); the log is made once with store appends in
//                       batches of 10 000 under $ADMIT_BENCH_DIR (default: the build tree)

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "admit/station.pb.h"
#include "app/allocator.hpp"
#include "core/decide.hpp"
#include "engine/engine.hpp"
#include "store/scan_store.hpp"

namespace {

using namespace admit;
using namespace std::chrono_literals;

constexpr int people_count = 20'000;
constexpr int hall_count = 4;

const core::time_point bench_now{std::chrono::milliseconds{1'695'630'000'000}};

core::event_config make_event() {
    core::event_config e;
    e.id = "bench-event";
    e.name = "Bench event";
    e.time_zone = "UTC";
    e.sites.push_back({"site", "Site"});
    for (int h = 0; h < hall_count; ++h) {
        const auto id = "hall-" + std::to_string(h);
        e.halls.push_back({id, "Hall " + std::to_string(h), "site", 100'000, std::nullopt});
        e.sessions.push_back({"session-" + std::to_string(h), "Session", id, bench_now - 24h, bench_now + 48h, {}, 30min});
    }
    for (int s = 0; s < 20; ++s)
        e.stations.push_back({"st-" + std::to_string(s), "hall-" + std::to_string(s % hall_count), core::station_role::both, ""});
    for (const char* c : {"vip", "speaker", "delegate", "press", "staff", "guest"})
        e.categories.push_back({c, c, "#336699", false});
    return e;
}

struct world {
    core::event_config event = make_event();
    core::badge_keys keys = core::badge_keys::generate();
    core::roster people;
    core::presence where;
    std::vector<std::string> tokens;

    world() {
        std::vector<core::attendee> list;
        const char* categories[] = {"vip", "speaker", "delegate", "press", "staff", "guest"};
        for (int i = 0; i < people_count; ++i) {
            core::attendee a;
            a.id = "p-" + std::to_string(i);
            a.name = "Person " + std::to_string(i);
            a.category = categories[i % 6];
            list.push_back(a);
            tokens.push_back(core::sign_badge({event.id, a.id, a.category, 1}, keys.secret));
            if (i % 5 < 2) where.apply({a.id, "", "hall-" + std::to_string(i % hall_count)});
        }
        people = core::roster(std::move(list));
    }

    static const world& get() {
        static const world w;
        return w;
    }
};

void decide_scan(benchmark::State& state) {
    const auto& w = world::get();
    const core::decide_input in{w.event, w.people, w.where, w.keys.pub};
    core::scan s;
    s.station_id = "st-1";
    s.server_time = s.device_time = bench_now;
    std::size_t i = 0;
    for (auto _ : state) {
        // Alternately someone outside entering and someone inside leaving (state is not changed).
        const auto k = (i * 7919) % people_count;
        s.scan_id = "scan-" + std::to_string(i++);
        s.payload = w.tokens[k];
        s.dir = k % 5 < 2 ? core::direction::exit : core::direction::entry;
        benchmark::DoNotOptimize(core::decide(in, s));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(decide_scan);

// decide() of something that is not a badge: the rules without the signature check.
void decide_not_a_badge(benchmark::State& state) {
    const auto& w = world::get();
    const core::decide_input in{w.event, w.people, w.where, w.keys.pub};
    core::scan s;
    s.station_id = "st-1";
    s.server_time = s.device_time = bench_now;
    s.scan_id = "scan-x";
    s.payload = "https://example.com/menu?table=12";
    for (auto _ : state) benchmark::DoNotOptimize(core::decide(in, s));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(decide_not_a_badge);

void verify_badge(benchmark::State& state) {
    const auto& w = world::get();
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(core::verify_badge(w.tokens[i++ % w.tokens.size()], w.keys.pub));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(verify_badge);

wire::Scan sample_scan(int n) {
    wire::Scan s;
    s.set_scan_id("st-00017-3fa2c1-" + std::to_string(n));
    s.set_station_id("st-00017");
    s.set_payload(world::get().tokens[static_cast<std::size_t>(n) % people_count]);
    s.set_direction(wire::ENTRY);
    s.set_device_time_ms(1'695'630'000'000 + n);
    s.set_seq(static_cast<std::uint64_t>(n));
    return s;
}

void wire_scan(benchmark::State& state) {
    wire::StationMessage m;
    *m.mutable_scan() = sample_scan(1);
    const auto bytes = m.SerializeAsString();
    std::string out;
    for (auto _ : state) {
        wire::StationMessage parsed;
        parsed.ParseFromString(bytes);
        parsed.SerializeToString(&out);
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(wire_scan);

void wire_verdict(benchmark::State& state) {
    wire::ServerMessage m;
    auto* v = m.mutable_verdict();
    v->set_scan_id("st-00017-3fa2c1-12345");
    v->set_admitted(true);
    v->set_reason(wire::OK);
    v->set_explanation("Welcome to Hall 2.");
    v->set_attendee_id("delegate-0042");
    v->set_attendee_name("Santiago Ramirez");
    v->set_category("delegate");
    v->set_hall_id("hall-2");
    v->set_inside(412);
    v->set_capacity(600);
    v->set_server_time_ms(1'695'630'000'123);
    const auto bytes = m.SerializeAsString();
    std::string out;
    for (auto _ : state) {
        wire::ServerMessage parsed;
        parsed.ParseFromString(bytes);
        parsed.SerializeToString(&out);
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(wire_verdict);

void wire_scan_batch(benchmark::State& state) {
    wire::StationMessage m;
    for (int i = 0; i < 100; ++i) *m.mutable_batch()->add_scans() = sample_scan(i);
    const auto bytes = m.SerializeAsString();
    std::string out;
    for (auto _ : state) {
        wire::StationMessage parsed;
        parsed.ParseFromString(bytes);
        parsed.SerializeToString(&out);
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations() * 100);
    state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(wire_scan_batch);

// A data directory on the disk under test, removed afterwards.
class bench_dir {
public:
    explicit bench_dir(const std::string& name) {
        const char* root = std::getenv("ADMIT_BENCH_DIR");
        path_ = std::filesystem::path(root ? root : ADMIT_BINARY_DIR "/bench-data") / (name + "-" + std::to_string(getpid()));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    bench_dir(const bench_dir&) = delete;
    bench_dir& operator=(const bench_dir&) = delete;
    ~bench_dir() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A million scans as the engine writes them: entries and exits of 20 000 people
// over 4 halls, moves between halls, a few refusals.
void fill_log(store::scan_store& store, std::int64_t rows) {
    std::mt19937_64 random(7);
    std::vector<int> hall_of(people_count, -1);
    std::vector<core::attendee> people;
    for (int i = 0; i < people_count; ++i) people.push_back({"p-" + std::to_string(i), "Person " + std::to_string(i), "delegate", "Org", "Seoul", "KR", "", 1});
    store.upsert_attendees(people);
    for (std::int64_t n = 0; n < rows;) {
        store.begin_batch();
        for (int i = 0; i < 10'000 && n < rows; ++i, ++n) {
            const auto p = static_cast<std::size_t>(random() % people_count);
            const int hall = static_cast<int>(random() % hall_count);
            core::scan_record r;
            r.scan_id = "st-" + std::to_string(n % 20) + "-" + std::to_string(n);
            r.station_id = "st-" + std::to_string(n % 20);
            r.hall_id = "hall-" + std::to_string(hall);
            r.attendee_id = people[p].id;
            r.category = "delegate";
            r.payload = world::get().tokens[p];
            r.device_time = bench_now + std::chrono::milliseconds{n};
            r.server_time = r.device_time + 20ms;
            const bool refused = random() % 20 == 0;
            r.dir = hall_of[p] == hall ? core::direction::exit : core::direction::entry;
            if (refused) {
                r.result = {false, core::reason::already_inside, false, "Already inside."};
            } else {
                r.result = {true, core::reason::ok, false, "Welcome."};
                const auto from = hall_of[p] < 0 ? std::string() : "hall-" + std::to_string(hall_of[p]);
                const auto to = r.dir == core::direction::entry ? r.hall_id : std::string();
                r.moved = core::movement{r.attendee_id, from, to};
                hall_of[p] = r.dir == core::direction::entry ? hall : -1;
            }
            store.append(r);
        }
        store.commit_batch();
    }
}

void engine_rebuild(benchmark::State& state) {
    constexpr std::int64_t rows = 1'000'000;
    bench_dir dir("engine-rebuild");
    {
        auto store = store::open_sqlite_store(dir.path());
        fill_log(*store, rows);
    }
    const auto& w = world::get();
    double worst_ms = 0;
    for (auto _ : state) {
        engine::engine e(w.event, store::open_sqlite_store(dir.path()), w.keys.pub, [] { return bench_now; });
        e.start();
        const auto stats = e.last_rebuild();
        e.stop();
        if (stats.scans != rows) state.SkipWithError("the rebuild did not see every scan");
        worst_ms = std::max(worst_ms, static_cast<double>(stats.took.count()));
    }
    state.SetItemsProcessed(state.iterations() * rows);
    state.counters["replay_ms_worst"] = worst_ms;
}
// Real time: start-up is what a restarted server's stations wait for.
BENCHMARK(engine_rebuild)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
    // Said in the output (and the JSON's context), as admit-server says it at start.
    benchmark::AddCustomContext("allocator", admit::app::memory_allocator());
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
