#pragma once
// Hands out scan times so that all stations together scan at a given rate:
// a Poisson process (exponential gaps), shared by the station threads. Each
// thread takes the next slot when it is ready to scan and waits for it, so an
// idle station (an exit with nobody inside) leaves its share to the others.
// A slot is never in the past: after a stall the rate resumes, without a burst.
// Thread safety: take() may be called from any thread.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace admit::sim {

class pacer {
public:
    using clock = std::chrono::steady_clock;

    pacer(double scans_per_second, std::uint64_t seed);
    clock::time_point take();

private:
    std::mutex mutex_;
    std::mt19937_64 rng_;
    std::exponential_distribution<double> gap_seconds_;
    clock::time_point next_;
};

}  // namespace admit::sim
