#include "common/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <fmt/format.h>

namespace admit::bench {

histogram::histogram() : counts_(bucket_count, 0) {}

std::size_t histogram::index_of(std::uint64_t value) {
    if (value < exact_limit) return static_cast<std::size_t>(value);
    const int top = 63 - std::countl_zero(value);  // >= 11
    const int shift = top - sub_bits;               // >= 1
    const std::uint64_t sub = value >> shift;       // 1024 .. 2047
    return exact_limit + static_cast<std::size_t>(shift - 1) * (std::size_t{1} << sub_bits) +
           static_cast<std::size_t>(sub - (std::uint64_t{1} << sub_bits));
}

std::uint64_t histogram::highest_in(std::size_t index) {
    if (index < exact_limit) return index;
    const std::size_t r = index - exact_limit;
    const int shift = static_cast<int>(r >> sub_bits) + 1;
    const std::uint64_t sub = (std::uint64_t{1} << sub_bits) + (r & ((std::size_t{1} << sub_bits) - 1));
    return ((sub + 1) << shift) - 1;
}

void histogram::record(std::uint64_t value, std::uint64_t count) {
    if (value > max_value) {
        value = max_value;
        clamped_ += count;
    }
    counts_[index_of(value)] += count;
    total_ += count;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    const std::uint64_t add = value * count;
    sum_ = sum_ > ~std::uint64_t{0} - add ? ~std::uint64_t{0} : sum_ + add;
}

void histogram::merge(const histogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    clamped_ += other.clamped_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ = sum_ > ~std::uint64_t{0} - other.sum_ ? ~std::uint64_t{0} : sum_ + other.sum_;
}

void histogram::reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = clamped_ = max_ = sum_ = 0;
    min_ = ~std::uint64_t{0};
}

std::uint64_t histogram::value_at(double percentile) const {
    if (total_ == 0) return 0;
    const double p = std::clamp(percentile, 0.0, 100.0) / 100.0;
    // The rank of the wanted value (at least the first one).
    auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(total_)));
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::min(highest_in(i), max_);
    }
    return max_;
}

std::string histogram::percentile_table(double unit, int ticks_per_half) const {
    std::string out = fmt::format("{:>12} {:>14} {:>10} {:>14}\n", "Value", "Percentile", "TotalCount",
                                  "1/(1-Percentile)");
    if (total_ == 0) return out;
    // HdrHistogram's iteration: ticks_per_half steps per halving of the remaining tail.
    double p = 0.0;
    for (int step = 0; step < 400; ++step) {
        const auto v = value_at(p * 100.0);
        std::uint64_t below = 0;
        for (std::size_t i = 0; i <= index_of(v); ++i) below += counts_[i];
        const double inv = p < 1.0 ? 1.0 / (1.0 - p) : 0.0;
        if (p < 1.0)
            out += fmt::format("{:12.3f} {:14.12f} {:10} {:14.2f}\n", static_cast<double>(v) / unit, p, below, inv);
        if (below >= total_ || p >= 1.0) break;
        const double halvings = std::floor(std::log2(1.0 / (1.0 - p))) + 1.0;
        p += 1.0 / (ticks_per_half * std::pow(2.0, halvings));
        if (1.0 - p < 1e-9) p = 1.0;
    }
    out += fmt::format("{:12.3f} {:14.12f} {:10} {:>14}\n", static_cast<double>(max_) / unit, 1.0, total_, "");
    out += fmt::format("#[Mean = {:.3f}, Max = {:.3f}, Total count = {}]\n", mean() / unit,
                       static_cast<double>(max_) / unit, total_);
    return out;
}

}  // namespace admit::bench
