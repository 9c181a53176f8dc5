// Parsing is strict so that a typo in a kiosk's server list is found at
// start-up on the door, not during the first outage.
#include "kiosk/server_list.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>

namespace admit::scanner {

namespace {

constexpr std::string_view example = "HOST:PORT, e.g. 10.0.0.10:8080 or [::1]:8080";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<unsigned short> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return std::nullopt;
    return static_cast<unsigned short>(value);
}

// One HOST:PORT; sets `why` when it is not one.
std::optional<server_address> parse_one(std::string_view entry, std::string& why) {
    std::string_view host;
    std::string_view port;
    if (entry.find("://") != std::string_view::npos) {
        why = "has a scheme (http://, ws://); --tls or --ca choose the scheme";
        return std::nullopt;
    }
    if (entry.starts_with('[')) {
        const auto close = entry.find(']');
        if (close == std::string_view::npos) {
            why = "has no closing ]";
            return std::nullopt;
        }
        host = entry.substr(1, close - 1);
        const auto rest = entry.substr(close + 1);
        if (!rest.starts_with(':')) {
            why = "has no :PORT after the ]";
            return std::nullopt;
        }
        port = rest.substr(1);
    } else {
        const auto colon = entry.rfind(':');
        if (colon == std::string_view::npos) {
            why = "has no :PORT";
            return std::nullopt;
        }
        host = entry.substr(0, colon);
        port = entry.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            why = "is an IPv6 address without brackets";
            return std::nullopt;
        }
    }
    if (host.empty()) {
        why = "has no host";
        return std::nullopt;
    }
    if (host.find_first_of(" \t[]/") != std::string_view::npos) {
        why = "has a host that is not a name or an address";
        return std::nullopt;
    }
    const auto number = parse_port(port);
    if (!number) {
        why = "has a port that is not a number from 1 to 65535";
        return std::nullopt;
    }
    return server_address{std::string(host), *number};
}

}  // namespace

std::string server_address::text() const {
    if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

std::optional<std::vector<server_address>> parse_servers(
    const std::vector<std::string>& entries, std::string& error
) {
    std::vector<server_address> out;
    for (const auto& entry : entries) {
        std::string_view rest = entry;
        for (;;) {
            const auto comma = rest.find(',');
            const auto item = trim(rest.substr(0, comma));
            if (item.empty()) {
                error = fmt::format("list \"{}\" has an empty entry; give {}", entry, example);
                return std::nullopt;
            }
            std::string why;
            auto address = parse_one(item, why);
            if (!address) {
                error = fmt::format("entry \"{}\" {}; give {}", item, why, example);
                return std::nullopt;
            }
            if (std::find(out.begin(), out.end(), *address) != out.end()) {
                error = fmt::format("entry \"{}\" is listed twice", item);
                return std::nullopt;
            }
            out.push_back(std::move(*address));
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    if (out.empty()) {
        error = fmt::format("list is empty; give {}", example);
        return std::nullopt;
    }
    return out;
}

server_rotation::server_rotation(std::vector<server_address> servers)
    : servers_(std::move(servers)) {
    if (servers_.empty()) throw std::invalid_argument("server_rotation needs at least one server");
}

void server_rotation::connected() {
    failed_in_round_ = 0;
    failed_rounds_ = 0;
}

bool server_rotation::unreachable() {
    current_ = (current_ + 1) % servers_.size();
    if (++failed_in_round_ < servers_.size()) return false;
    failed_in_round_ = 0;
    ++failed_rounds_;
    return true;
}

void server_rotation::dropped() {
    current_ = (current_ + 1) % servers_.size();
    failed_in_round_ = 0;
}

}  // namespace admit::scanner
