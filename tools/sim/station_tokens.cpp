#include "sim/station_tokens.hpp"

#include <fstream>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace admit::sim {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

station_tokens read_config_station_tokens(const std::filesystem::path& config_file) {
    station_tokens tokens;
    toml::table root;
    try {
        root = toml::parse_file(config_file.string());
    } catch (const toml::parse_error& e) {
        throw std::runtime_error(
            fmt::format("{}:{}: {}", config_file.string(), e.source().begin.line, e.description())
        );
    }
    const auto* stations = root["stations"].as_array();
    if (stations == nullptr) return tokens;
    for (const auto& node : *stations) {
        const auto* table = node.as_table();
        if (table == nullptr) continue;
        auto id = (*table)["id"].value<std::string>();
        auto token = (*table)["token"].value<std::string>();
        if (id && token) tokens[*id] = *token;
    }
    return tokens;
}

void add_station_token_pairs(
    station_tokens& tokens, const std::vector<std::string>& pairs, const std::string& source_name
) {
    for (const auto& pair : pairs) {
        const auto eq = pair.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
            // The value is not echoed: it may be a secret typed without its id.
            throw std::runtime_error(fmt::format(
                "{}: a station token must be ID=TOKEN, e.g. "
                "ddp-ah2-in-1=demo-station-ddp-in-1-R8fz",
                source_name
            ));
        }
        tokens[std::string(trim(std::string_view(pair).substr(0, eq)))] =
            std::string(trim(std::string_view(pair).substr(eq + 1)));
    }
}

void add_station_token_file(station_tokens& tokens, const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in)
        throw std::runtime_error(fmt::format("cannot read station token file {}", file.string()));
    std::vector<std::string> pairs;
    std::string line;
    while (std::getline(in, line)) {
        const auto text = trim(line);
        if (text.empty() || text.front() == '#') continue;
        pairs.emplace_back(text);
    }
    add_station_token_pairs(tokens, pairs, file.string());
}

}  // namespace admit::sim
