#include "load/server_metrics.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <string_view>

#include "client/http_client.hpp"

namespace admit::load {
namespace {

std::optional<double> number(std::string_view digits) {
    if (digits == "+Inf") return std::numeric_limits<double>::infinity();
    double value = 0;
    if (std::from_chars(digits.data(), digits.data() + digits.size(), value).ec != std::errc{}) return std::nullopt;
    return value;
}

// Calls f(line) for each line of the text.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
    for (std::size_t at = 0; at < text.size();) {
        const auto end = std::min(text.find('\n', at), text.size());
        f(text.substr(at, end - at));
        at = end + 1;
    }
}

// The value of an unlabelled sample "name value" at the start of a line.
std::optional<double> sample(std::string_view text, std::string_view name) {
    std::optional<double> found;
    for_each_line(text, [&](std::string_view line) {
        if (!found && line.size() > name.size() && line.starts_with(name) && line[name.size()] == ' ')
            found = number(line.substr(name.size() + 1));
    });
    return found;
}

// The buckets of a histogram: lines `name_bucket{le="0.005"} 123`.
std::vector<std::pair<double, double>> buckets(std::string_view text, std::string_view name) {
    const std::string prefix = std::string(name) + "_bucket{le=\"";
    std::vector<std::pair<double, double>> out;
    for_each_line(text, [&](std::string_view line) {
        if (!line.starts_with(prefix)) return;
        const auto rest = line.substr(prefix.size());
        const auto quote = rest.find("\"} ");
        if (quote == std::string_view::npos) return;
        const auto le = number(rest.substr(0, quote));
        const auto count = number(rest.substr(quote + 3));
        if (le && count) out.emplace_back(*le, *count);
    });
    return out;
}

}  // namespace

std::optional<server_counters> parse_server_counters(const std::string& exposition) {
    const auto groups = sample(exposition, "admit_commit_seconds_count");
    const auto seconds = sample(exposition, "admit_commit_seconds_sum");
    const auto scans = sample(exposition, "admit_commit_group_scans_sum");
    if (!groups || !seconds || !scans) return std::nullopt;
    return server_counters{*groups, *seconds, *scans, buckets(exposition, "admit_scan_ack_seconds")};
}

std::optional<server_counters> read_server_counters(const std::string& host, unsigned short port) {
    const auto reply = client::http_fetch(host, port, "/metrics", "", std::chrono::seconds(2));
    if (reply.status != 200) return std::nullopt;
    return parse_server_counters(reply.body);
}

server_counters counters_between(const server_counters& earlier, const server_counters& later) {
    server_counters d{later.groups - earlier.groups, later.commit_seconds - earlier.commit_seconds,
                      later.scans - earlier.scans, {}};
    if (earlier.ack_buckets.size() == later.ack_buckets.size())
        for (std::size_t i = 0; i < later.ack_buckets.size(); ++i)
            d.ack_buckets.emplace_back(later.ack_buckets[i].first, later.ack_buckets[i].second - earlier.ack_buckets[i].second);
    return d;
}

std::optional<double> ack_bound(const server_counters& window, double share) {
    if (window.ack_buckets.empty() || window.ack_buckets.back().second <= 0) return std::nullopt;
    const double total = window.ack_buckets.back().second;
    for (const auto& [le, count] : window.ack_buckets)
        if (count >= share * total) return le;
    return std::numeric_limits<double>::infinity();
}

std::optional<double> ack_share_within(const server_counters& window, double seconds) {
    if (window.ack_buckets.empty() || window.ack_buckets.back().second <= 0) return std::nullopt;
    for (const auto& [le, count] : window.ack_buckets)
        if (std::abs(le - seconds) < 1e-9) return count / window.ack_buckets.back().second;
    return std::nullopt;
}

}  // namespace admit::load
