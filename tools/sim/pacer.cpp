#include "sim/pacer.hpp"

#include <algorithm>

namespace admit::sim {

pacer::pacer(double scans_per_second, std::uint64_t seed)
    : rng_(seed), gap_seconds_(scans_per_second), next_(clock::now()) {}

pacer::clock::time_point pacer::take() {
    const std::scoped_lock lock(mutex_);
    const auto gap =
        std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(gap_seconds_(rng_)
        ));
    next_ = std::max(next_ + gap, clock::now());
    return next_;
}

}  // namespace admit::sim
