#pragma once
// A log-linear latency histogram in the manner of HdrHistogram (Gil Tene):
// three significant decimal digits over 1 ns .. ~18 minutes in a fixed
// 254 KiB array, constant-time recording, no allocation after construction.
// Debian 12 has no C/C++ HdrHistogram package, so this is a small stand-in
// with the same bucket layout idea (not its file format):
//   values below 2048 are counted exactly; above, each power of two
//   [2^k, 2^(k+1)) is split into 1024 equal sub-buckets, so a recorded value
//   is known to within 1/1024 (< 0.1 %) of itself.
// Percentiles report the highest value equivalent to the bucket (as
// HdrHistogram does), so they never understate a latency.
// Thread safety: none; one histogram per thread, merge() them afterwards.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace admit::bench {

class histogram {
public:
    static constexpr int sub_bits = 10;                        // 1024 sub-buckets per power of two
    static constexpr std::uint64_t exact_limit = 2u << sub_bits;  // 2048: counted one by one
    static constexpr int top_bit = 40;                         // values up to 2^40 - 1 (~1100 s in ns)
    static constexpr std::uint64_t max_value = (std::uint64_t{1} << top_bit) - 1;

    histogram();

    // Values above max_value are counted as max_value (and counted in clamped()).
    void record(std::uint64_t value, std::uint64_t count = 1);
    void merge(const histogram& other);
    void reset();

    std::uint64_t count() const { return total_; }
    std::uint64_t clamped() const { return clamped_; }
    std::uint64_t min() const { return total_ ? min_ : 0; }
    std::uint64_t max() const { return max_; }  // exact, not bucketed
    double mean() const { return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0.0; }

    // The value at or below which `percentile` (0..100) of the recorded values lie.
    std::uint64_t value_at(double percentile) const;

    // HdrHistogram-style percentile distribution (Value, Percentile, TotalCount,
    // 1/(1-Percentile)) with values divided by `unit` (e.g. 1000.0 for microseconds).
    std::string percentile_table(double unit, int ticks_per_half = 5) const;

    // Bucket index of a value and the highest value in a bucket (exposed for tests).
    static std::size_t index_of(std::uint64_t value);
    static std::uint64_t highest_in(std::size_t index);
    static constexpr std::size_t bucket_count =
        exact_limit + static_cast<std::size_t>(top_bit - sub_bits - 1) * (std::size_t{1} << sub_bits);

private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0;
    std::uint64_t clamped_ = 0;
    std::uint64_t min_ = ~std::uint64_t{0};
    std::uint64_t max_ = 0;
    std::uint64_t sum_ = 0;  // saturates; 1e6 values of 1 s fit 18 000 times over
};

}  // namespace admit::bench
