#include "load/server_metrics.hpp"

#include <charconv>
#include <chrono>
#include <string_view>

#include "net/http_client.hpp"

namespace admit::load {
namespace {

// The value of an unlabelled sample "name value" at the start of a line.
std::optional<double> sample(std::string_view text, std::string_view name) {
    for (std::size_t at = 0; at < text.size();) {
        const auto end = std::min(text.find('\n', at), text.size());
        const auto line = text.substr(at, end - at);
        if (line.size() > name.size() && line.starts_with(name) && line[name.size()] == ' ') {
            double value = 0;
            const auto digits = line.substr(name.size() + 1);
            if (std::from_chars(digits.data(), digits.data() + digits.size(), value).ec == std::errc{}) return value;
            return std::nullopt;
        }
        at = end + 1;
    }
    return std::nullopt;
}

}  // namespace

std::optional<commit_counters> parse_commit_counters(const std::string& exposition) {
    const auto groups = sample(exposition, "admit_commit_seconds_count");
    const auto seconds = sample(exposition, "admit_commit_seconds_sum");
    const auto scans = sample(exposition, "admit_commit_group_scans_sum");
    if (!groups || !seconds || !scans) return std::nullopt;
    return commit_counters{*groups, *seconds, *scans};
}

std::optional<commit_counters> read_commit_counters(const std::string& host, unsigned short port) {
    const auto reply = net::http_fetch(host, port, "/metrics", "", std::chrono::seconds(2));
    if (reply.status != 200) return std::nullopt;
    return parse_commit_counters(reply.body);
}

}  // namespace admit::load
