// How fast the scan log is on this machine: appends per second with one
// commit (fsync) per scan against group commit of 100, and how long the
// server's start-up replay of a million scans takes.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "store/scan_store.hpp"

namespace {

using admit::store::open_sqlite_store;
using admit::store::scan_store;

// A fresh data directory on the disk under test, removed afterwards.
class bench_dir {
public:
    explicit bench_dir(const std::string& name) {
        const char* root = std::getenv("ADMIT_BENCH_DIR");
        path_ = std::filesystem::path(root ? root : ADMIT_BINARY_DIR "/bench-data") /
                (name + "-" + std::to_string(getpid()));
        std::filesystem::remove_all(path_);
    }
    bench_dir(const bench_dir&) = delete;
    bench_dir& operator=(const bench_dir&) = delete;
    ~bench_dir() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A typical admitted entry, with a unique scan id.
admit::core::scan_record typical_scan(std::int64_t n) {
    admit::core::scan_record r;
    r.scan_id = "gate-03-" + std::to_string(n);
    r.station_id = "gate-03";
    r.hall_id = "hall-a";
    r.attendee_id = "A-" + std::to_string(n % 20'000);
    r.category = "visitor";
    r.payload = "ADMIT1.seoul-smart-city-2023." + r.attendee_id + ".1.Zm9vYmFyYmF6cXV4cXV1eA";
    r.device_time = admit::core::time_point{std::chrono::milliseconds{1'695'000'000'000 + n}};
    r.server_time = r.device_time + std::chrono::milliseconds{40};
    r.result = admit::core::verdict{
        .admitted = true, .why = admit::core::reason::ok, .explanation = "Welcome."};
    r.moved = admit::core::movement{
        .attendee_id = r.attendee_id, .from_hall = "", .to_hall = "hall-a"};
    return r;
}

void fill(scan_store& store, std::int64_t count) {
    for (std::int64_t n = 0; n < count;) {
        store.begin_batch();
        for (int i = 0; i < 10'000 && n < count; ++i, ++n) {
            store.append(typical_scan(n));
        }
        store.commit_batch();
    }
}

// Batch size 1 is one commit (one fsync) per scan.
void append_in_batches(benchmark::State& state) {
    const auto batch = state.range(0);
    bench_dir dir("append-" + std::to_string(batch));
    auto store = open_sqlite_store(dir.path());
    std::int64_t n = 0;
    for (auto _ : state) {
        store->begin_batch();
        for (std::int64_t i = 0; i < batch; ++i) {
            benchmark::DoNotOptimize(store->append(typical_scan(n++)));
        }
        store->commit_batch();
    }
    state.SetItemsProcessed(n);
    state.counters["scans/s"] = benchmark::Counter(
        static_cast<double>(n), benchmark::Counter::kIsRate
    );
}
// Real time: the cost of a commit is mostly waiting for fsync, not CPU.
BENCHMARK(append_in_batches)
    ->Arg(1)
    ->Arg(100)
    ->Arg(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The server's start-up: replay every scan to rebuild occupancy.
void replay_million(benchmark::State& state) {
    constexpr std::int64_t rows = 1'000'000;
    bench_dir dir("replay");
    fill(*open_sqlite_store(dir.path()), rows);
    auto store = open_sqlite_store(dir.path(), admit::store::open_mode::read_only);
    for (auto _ : state) {
        std::int64_t seen = 0;
        store->for_each_scan([&](const admit::core::scan_record& r) {
            seen += r.moved ? 1 : 0;
        });
        if (seen != rows) {
            state.SkipWithError("replay did not see every row");
        }
    }
    state.SetItemsProcessed(state.iterations() * rows);
}
BENCHMARK(replay_million)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
