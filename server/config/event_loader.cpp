// Reads an event's TOML file with toml++ and checks it whole: every problem
// is collected (not just the first) so that whoever edits the file fixes it
// in one pass, each with the line it is on and what to do about it.
#include "config/event_loader.hpp"

#include <fmt/format.h>
#include <sodium.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <variant>
#include <utility>

#include "config/time_zone.hpp"
#include "core/badge.hpp"

namespace admit::config {
namespace {

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) {
        if (!out.empty()) {
            out += '\n';
        }
        out += line;
    }
    return out;
}

std::uint32_t line_of(const toml::node& node) {
    return node.source().begin.line;
}

std::string_view type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a number with a fraction";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

std::string join_ids(const std::map<std::string, std::uint32_t>& ids) {
    std::string out;
    for (const auto& [id, line] : ids) {
        if (!out.empty()) {
            out += ", ";
        }
        out += id;
    }
    return out.empty() ? std::string{"(none defined)"} : out;
}

constexpr std::string_view id_rule = "ids use letters, digits, '-' and '_' (1 to 64 characters)";

// The problems found so far, each prefixed with "<source>:<line>: ".
class problem_list {
public:
    explicit problem_list(std::string source) : source_(std::move(source)) {}

    void add(std::uint32_t line, std::string_view what) {
        items_.push_back(fmt::format("{}:{}: {}", source_, line, what));
    }
    bool empty() const { return items_.empty(); }
    std::vector<std::string>& items() { return items_; }

private:
    std::string source_;
    std::vector<std::string> items_;
};

// Reads the keys of one table ([event], one [[halls]] entry, ...) with type
// checks, reporting problems under a label such as `hall "ddp-art-hall-2"`.
class table_reader {
public:
    table_reader(problem_list& problems, const toml::table& table, std::string label)
        : problems_(problems), table_(table), label_(std::move(label)) {}

    std::uint32_t line() const { return line_of(table_); }
    const std::string& label() const { return label_; }
    void relabel(std::string label) { label_ = std::move(label); }

    const toml::node* find(std::string_view key) const { return table_.get(key); }

    std::uint32_t line_of_key(std::string_view key) const {
        const toml::node* node = find(key);
        return node != nullptr ? line_of(*node) : line();
    }

    void missing(std::string_view key, std::string_view example) {
        problems_.add(line(), fmt::format("{} has no {}; add {} = {}", label_, key, key, example));
    }

    void wrong_type(
        const toml::node& node,
        std::string_view key,
        std::string_view kind,
        std::string_view example
    ) {
        problems_.add(
            line_of(node),
            fmt::format(
                "{}: {} must be {}, not {}; write {} = {}",
                label_,
                key,
                kind,
                type_name(node),
                key,
                example
            )
        );
    }

    std::optional<std::string> text(std::string_view key, bool required, std::string_view example) {
        const toml::node* node = find(key);
        if (node == nullptr) {
            if (required) {
                missing(key, example);
            }
            return std::nullopt;
        }
        if (const auto* value = node->as_string()) {
            return value->get();
        }
        wrong_type(*node, key, "a string", example);
        return std::nullopt;
    }

    std::optional<std::int64_t> integer(
        std::string_view key, bool required, std::string_view example
    ) {
        const toml::node* node = find(key);
        if (node == nullptr) {
            if (required) {
                missing(key, example);
            }
            return std::nullopt;
        }
        if (const auto* value = node->as_integer()) {
            return value->get();
        }
        wrong_type(*node, key, "a whole number", example);
        return std::nullopt;
    }

    std::optional<bool> boolean(std::string_view key) {
        const toml::node* node = find(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (const auto* value = node->as_boolean()) {
            return value->get();
        }
        wrong_type(*node, key, "true or false", "true");
        return std::nullopt;
    }

    // An array of strings; absent gives an empty list.
    std::vector<std::string> strings(std::string_view key, std::string_view example) {
        std::vector<std::string> out;
        const toml::node* node = find(key);
        if (node == nullptr) {
            return out;
        }
        const auto* array = node->as_array();
        if (array == nullptr) {
            wrong_type(*node, key, "an array of strings", example);
            return out;
        }
        for (const toml::node& element : *array) {
            if (const auto* value = element.as_string()) {
                out.push_back(value->get());
            } else {
                wrong_type(element, key, "an array of strings", example);
            }
        }
        return out;
    }

    // A TOML date-time as written: its wall-clock time and, if given, its offset.
    struct written_time {
        core::local_time_point local;
        std::optional<std::chrono::minutes> offset;
        std::uint32_t line = 0;
    };

    std::optional<written_time> date_time(std::string_view key, std::string_view example) {
        const toml::node* node = find(key);
        if (node == nullptr) {
            missing(key, example);
            return std::nullopt;
        }
        const auto* value = node->as_date_time();
        if (value == nullptr) {
            const std::string_view hint = node->is_string() ? "a TOML date-time without quotes"
                                                            : "a date-time with a UTC offset";
            wrong_type(*node, key, hint, example);
            return std::nullopt;
        }
        const toml::date_time& dt = value->get();
        using namespace std::chrono;
        const local_days date{year{dt.date.year} / month{dt.date.month} / day{dt.date.day}};
        written_time out{
            time_point_cast<milliseconds>(date) + hours{dt.time.hour} + minutes{dt.time.minute} +
                seconds{dt.time.second} + duration_cast<milliseconds>(nanoseconds{dt.time.nanosecond}),
            std::nullopt, line_of(*node)};
        if (dt.offset) out.offset = minutes{dt.offset->minutes};
        return out;
    }

    // Reports keys that are not in the schema: most often a typo.
    void check_keys(std::initializer_list<std::string_view> known) {
        for (const auto& [key, node] : table_) {
            const std::string_view name = key.str();
            if (std::find(known.begin(), known.end(), name) != known.end()) {
                continue;
            }
            std::string list;
            for (const std::string_view k : known) {
                list += list.empty() ? "" : ", ";
                list += k;
            }
            problems_.add(
                line_of(node),
                fmt::format(
                    "{} has an unknown key \"{}\" (a typo?); known keys are {}", label_, name, list
                )
            );
        }
    }

    problem_list& problems() { return problems_; }

private:
    problem_list& problems_;
    const toml::table& table_;
    std::string label_;
};

std::optional<std::chrono::minutes> parse_utc_offset(std::string_view s) {
    // "+09:00", "-05:30", "Z"
    if (s == "Z" || s == "z") {
        return std::chrono::minutes{0};
    }
    if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') {
        return std::nullopt;
    }
    const auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
    if (!digit(1) || !digit(2) || !digit(4) || !digit(5)) {
        return std::nullopt;
    }
    const int h = (s[1] - '0') * 10 + (s[2] - '0');
    const int m = (s[4] - '0') * 10 + (s[5] - '0');
    if (h > 14 || m > 59) {
        return std::nullopt;
    }
    const int total = h * 60 + m;
    return std::chrono::minutes{s[0] == '-' ? -total : total};
}

// A short duration in whole units: "1500ms", "2s", or "0".
std::optional<std::chrono::milliseconds> parse_short_duration(std::string_view s) {
    std::size_t digits = 0;
    while (digits < s.size() && digits < 9 && s[digits] >= '0' && s[digits] <= '9') ++digits;
    if (digits == 0) return std::nullopt;
    std::int64_t n = 0;
    for (std::size_t i = 0; i < digits; ++i) n = n * 10 + (s[i] - '0');
    const auto unit = s.substr(digits);
    if (unit == "ms") return std::chrono::milliseconds{n};
    if (unit == "s" || (unit.empty() && n == 0)) return std::chrono::seconds{n};
    return std::nullopt;
}

std::optional<std::chrono::minutes> parse_clock(std::string_view s) {
    // "23:30"
    if (s.size() != 5 || s[2] != ':') {
        return std::nullopt;
    }
    for (const std::size_t i : {0U, 1U, 3U, 4U}) {
        if (s[i] < '0' || s[i] > '9') {
            return std::nullopt;
        }
    }
    const int h = (s[0] - '0') * 10 + (s[1] - '0');
    const int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59) {
        return std::nullopt;
    }
    return std::chrono::minutes{h * 60 + m};
}

// "+09:00"
std::string offset_text(std::chrono::minutes offset) {
    const auto m = offset.count();
    const auto a = m < 0 ? -m : m;
    return fmt::format("{}{:02}:{:02}", m < 0 ? '-' : '+', a / 60, a % 60);
}

// The span a named zone is read over while sessions are read, and the margin
// kept around the sessions afterwards (a server runs before and after them).
constexpr core::time_point whole_range_from{std::chrono::sys_days{std::chrono::year{1970} / 1 / 1}};
constexpr core::time_point whole_range_to{std::chrono::sys_days{std::chrono::year{2100} / 1 / 1}};
constexpr std::chrono::days year_margin{366};

bool is_token_hash(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::string lower(std::string s) {
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return s;
}

// Reads the whole document into a loaded_config, collecting problems.
class config_reader {
public:
    config_reader(const toml::table& root, std::string source)
        : root_(root), problems_(std::move(source)) {}

    loaded_config read() {
        check_top_level();
        read_event();
        read_policies();
        read_server();
        read_store();
        read_access();
        read_sites();
        read_categories();
        read_halls();
        read_stations();
        read_sessions();
        read_zone_span();
        return std::move(out_);
    }

    problem_list& problems() { return problems_; }

private:
    static constexpr std::array<std::string_view, 5> tables_ = {
        "event", "policies", "server", "store", "access"};
    static constexpr std::array<std::string_view, 5> arrays_ = {
        "sites", "halls", "stations", "categories", "sessions"};

    void check_top_level() {
        for (const auto& [key, node] : root_) {
            const std::string_view name = key.str();
            const bool is_table = std::find(tables_.begin(), tables_.end(), name) != tables_.end();
            const bool is_array = std::find(arrays_.begin(), arrays_.end(), name) != arrays_.end();
            if (is_table && !node.is_table()) {
                problems_.add(
                    line_of(node),
                    fmt::format("\"{}\" must be a table; write it as [{}]", name, name)
                );
            } else if (is_array && !node.is_array_of_tables()) {
                problems_.add(
                    line_of(node),
                    fmt::format(
                        "\"{}\" must be a list of tables; write each entry as [[{}]]", name, name
                    )
                );
            } else if (!is_table && !is_array) {
                problems_.add(
                    line_of(node),
                    fmt::format(
                        "unknown top-level {} \"{}\" (a typo?); known are [event], [policies], "
                        "[server], [access], [[sites]], [[halls]], [[stations]], "
                        "[[categories]], [[sessions]]",
                        node.is_table() || node.is_array_of_tables() ? "table" : "key",
                        name
                    )
                );
            }
        }
    }

    const toml::table* table(std::string_view name) const { return root_[name].as_table(); }

    // Calls visit(reader) for each table in [[name]].
    template <typename Visit>
    void each(std::string_view name, std::string_view singular, Visit visit) {
        const toml::array* array = root_[name].as_array();
        if (array == nullptr || !array->is_array_of_tables()) {
            return;
        }
        std::size_t index = 0;
        for (const toml::node& node : *array) {
            ++index;
            table_reader reader{
                problems_, *node.as_table(), fmt::format("[[{}]] entry {}", name, index)};
            visit(reader, singular);
        }
    }

    // Reads and checks an entry's id; registers it in seen. Empty when unusable.
    std::string read_id(
        table_reader& reader, std::string_view singular, std::map<std::string, std::uint32_t>& seen
    ) {
        const auto id = reader.text("id", true, "\"some-id\"");
        if (!id) {
            return {};
        }
        const std::uint32_t line = reader.line_of_key("id");
        reader.relabel(fmt::format("{} \"{}\"", singular, *id));
        if (!core::is_valid_id(*id)) {
            problems_.add(
                line, fmt::format("{} id \"{}\" is not valid; {}", singular, *id, id_rule)
            );
            return {};
        }
        const auto [it, inserted] = seen.emplace(*id, line);
        if (!inserted) {
            problems_.add(
                line,
                fmt::format(
                    "{} id \"{}\" is already used on line {}; give each {} its own id",
                    singular,
                    *id,
                    it->second,
                    singular
                )
            );
            return {};
        }
        return *id;
    }

    void read_event() {
        const toml::table* event = table("event");
        if (event == nullptr) {
            if (!root_.contains("event")) {
                problems_.add(
                    1,
                    "there is no [event] table; add [event] with id, name and time_zone"
                );
            }
            return;
        }
        table_reader reader{problems_, *event, "[event]"};
        reader.check_keys({"id", "name", "time_zone", "utc_offset"});
        if (auto id = reader.text("id", true, "\"seoul-smart-city-2023\"")) {
            if (!core::is_valid_id(*id)) {
                problems_.add(
                    reader.line_of_key("id"),
                    fmt::format("event id \"{}\" is not valid; {}", *id, id_rule)
                );
            }
            out_.event.id = std::move(*id);
        }
        if (auto name = reader.text("name", true, "\"Seoul Smart City 2023\"")) {
            out_.event.name = std::move(*name);
        }
        read_zone(reader);
    }

    // [event] time_zone (an IANA zone, daylight saving included) or, in old
    // configs, utc_offset (one fixed offset). While the file is read the zone
    // covers 1970-2100; read_zone_span() then cuts it to the event's span.
    void read_zone(table_reader& reader) {
        const auto zone_name = reader.text("time_zone", false, "\"Europe/Berlin\"");
        const auto offset_written = reader.text("utc_offset", false, "\"+09:00\"");
        if (offset_written) {
            offset_ = parse_utc_offset(*offset_written);
            if (!offset_) {
                problems_.add(
                    reader.line_of_key("utc_offset"),
                    fmt::format(
                        "[event]: utc_offset \"{}\" is not an offset; write it as \"+09:00\" "
                        "(sign, hours up to 14, minutes)",
                        *offset_written
                    )
                );
            }
            offset_line_ = reader.line_of_key("utc_offset");
        }
        if (!zone_name && !offset_written) {
            problems_.add(
                reader.line(),
                "[event] has neither time_zone nor utc_offset; add time_zone = \"Europe/Berlin\" "
                "(the event's IANA zone: session times, clear_at and report days follow its "
                "daylight saving)"
            );
            return;
        }
        if (!zone_name) {
            if (offset_) out_.event.zone = core::local_clock{*offset_};
            return;
        }
        using namespace std::chrono;
        auto found = zone_offsets(*zone_name, whole_range_from, whole_range_to);
        if (auto* why = std::get_if<std::string>(&found)) {
            problems_.add(
                reader.line_of_key("time_zone"),
                fmt::format(
                    "[event]: time_zone \"{}\" {}; write an IANA zone name such as "
                    "\"Europe/Berlin\" or \"America/New_York\"",
                    *zone_name,
                    *why
                )
            );
            return;
        }
        out_.event.time_zone = *zone_name;
        out_.event.zone = std::get<core::local_clock>(std::move(found));
        zone_named_ = true;
    }

    // A session time: a TOML date-time with an offset is that instant; one
    // without is a local time in the event's time_zone (see local_clock for
    // the hour that is skipped or repeated).
    std::optional<core::time_point> event_time(
        table_reader& reader,
        std::string_view key,
        std::string_view example
    ) {
        const auto written = reader.date_time(key, example);
        if (!written) return std::nullopt;
        const core::local_clock& zone = out_.event.zone;
        if (!written->offset) {
            if (zone_named_) return zone.to_utc(written->local);
            problems_.add(
                written->line,
                fmt::format(
                    "{}: {} has no UTC offset, so the time is ambiguous; write it with the "
                    "offset, e.g. {} = {}, or give [event] time_zone to read local times in it",
                    reader.label(),
                    key,
                    key,
                    example
                )
            );
            return std::nullopt;
        }
        const auto at = core::time_point{written->local.time_since_epoch()} - *written->offset;
        if (zone_named_ && zone.offset_at(at) != *written->offset) {
            problems_.add(
                written->line,
                fmt::format(
                    "{}: {} is written with offset {}, but {} is at UTC{} then; write the "
                    "local time without an offset (it is read in time_zone) or with UTC{}",
                    reader.label(),
                    key,
                    offset_text(*written->offset),
                    out_.event.time_zone,
                    offset_text(zone.offset_at(at)),
                    offset_text(zone.offset_at(at))
                )
            );
            return std::nullopt;
        }
        return at;
    }

    // Cuts the zone to the event (a year either side of its sessions), so
    // rules and pages carry a few offsets, not a century's; and checks that
    // an old config's utc_offset given with time_zone agrees with it.
    void read_zone_span() {
        if (!zone_named_) return;
        const auto& sessions = out_.event.sessions;
        auto first = core::time_point::max();
        auto last = core::time_point::min();
        for (const auto& s : sessions) {
            first = std::min(first, s.start - s.checkin_before);
            last = std::max(last, s.end + s.late_entry);
        }
        if (!sessions.empty()) {
            auto cut = zone_offsets(out_.event.time_zone, first - year_margin, last + year_margin);
            if (auto* clock = std::get_if<core::local_clock>(&cut)) out_.event.zone = std::move(*clock);
        }
        if (!offset_) return;
        for (const auto& c : out_.event.zone.changes()) {
            if (c.offset == *offset_) continue;
            problems_.add(
                offset_line_,
                fmt::format(
                    "[event]: utc_offset \"{}\" disagrees with time_zone \"{}\", which is at "
                    "UTC{} around the event; remove utc_offset (time_zone sets the event's "
                    "local time, daylight saving included)",
                    offset_text(*offset_),
                    out_.event.time_zone,
                    offset_text(c.offset)
                )
            );
            return;
        }
    }

    void read_policies() {
        const toml::table* policies = table("policies");
        if (policies == nullptr) {
            return;
        }
        table_reader reader{problems_, *policies, "[policies]"};
        reader.check_keys({"passback", "on_entry_elsewhere", "duplicate_window"});
        read_duplicate_window(reader);
        if (auto passback = reader.text("passback", false, "\"refuse\"")) {
            if (*passback == "refuse") {
                out_.event.rules.passback = core::passback_policy::refuse;
            } else if (*passback == "warn") {
                out_.event.rules.passback = core::passback_policy::warn;
            } else {
                problems_.add(
                    reader.line_of_key("passback"),
                    fmt::format(
                        "[policies]: passback \"{}\" is not a policy; use \"refuse\" or \"warn\"",
                        *passback
                    )
                );
            }
        }
        if (auto elsewhere = reader.text("on_entry_elsewhere", false, "\"move\"")) {
            if (*elsewhere == "move") {
                out_.event.rules.on_entry_elsewhere = core::move_policy::move;
            } else if (*elsewhere == "refuse") {
                out_.event.rules.on_entry_elsewhere = core::move_policy::refuse;
            } else {
                problems_.add(
                    reader.line_of_key("on_entry_elsewhere"),
                    fmt::format(
                        "[policies]: on_entry_elsewhere \"{}\" is not a policy; use \"move\" or "
                        "\"refuse\"",
                        *elsewhere
                    )
                );
            }
        }
    }

    // "2s", "1500ms", or a whole number of seconds; 0 turns the window off.
    void read_duplicate_window(table_reader& reader) {
        const toml::node* node = reader.find("duplicate_window");
        if (node == nullptr) return;
        const auto bad = [&](const std::string& what) {
            problems_.add(
                reader.line_of_key("duplicate_window"),
                fmt::format(
                    "[policies]: duplicate_window {} is not a duration; write it as \"2s\", "
                    "\"1500ms\" or a whole number of seconds, from 0 (off) to 60 s",
                    what
                )
            );
        };
        std::optional<std::chrono::milliseconds> window;
        if (const auto* seconds = node->as_integer()) {
            if (seconds->get() >= 0) window = std::chrono::seconds{seconds->get()};
            if (!window) return bad(std::to_string(seconds->get()));
        } else if (const auto* text = node->as_string()) {
            window = parse_short_duration(text->get());
            if (!window) return bad("\"" + text->get() + "\"");
        } else {
            return bad(fmt::format("({})", type_name(*node)));
        }
        if (*window > std::chrono::seconds{60}) return bad(fmt::format("of {} ms (over 60 s)", window->count()));
        out_.event.rules.duplicate_window = *window;
    }

    void read_server() {
        const toml::table* server = table("server");
        if (server == nullptr) {
            return;
        }
        table_reader reader{problems_, *server, "[server]"};
        reader.check_keys({"listen", "port", "threads", "data_dir", "web_dir", "tls_cert", "tls_key"});
        auto& s = out_.server;
        s.listen_address = reader.text("listen", false, "\"127.0.0.1\"").value_or(s.listen_address);
        if (auto port = reader.integer("port", false, "8080")) {
            if (*port < 0 || *port > 65535) {
                problems_.add(
                    reader.line_of_key("port"),
                    fmt::format(
                        "[server]: port {} is out of range; use 1 to 65535 (0 picks a free port)",
                        *port
                    )
                );
            } else {
                s.port = static_cast<unsigned short>(*port);
            }
        }
        if (auto threads = reader.integer("threads", false, "2")) {
            if (*threads < 1 || *threads > 64) {
                problems_.add(
                    reader.line_of_key("threads"),
                    fmt::format("[server]: threads = {}; use 1 to 64 threads", *threads)
                );
            } else {
                s.threads = static_cast<unsigned>(*threads);
            }
        }
        s.data_dir = reader.text("data_dir", false, "\"var/admit\"").value_or(s.data_dir);
        if (s.data_dir.empty()) {
            problems_.add(
                reader.line_of_key("data_dir"),
                "[server]: data_dir is empty; name a directory for the database and keys"
            );
        }
        s.web_dir = reader.text("web_dir", false, "\"web\"").value_or("");
        s.tls_cert = reader.text("tls_cert", false, "\"/etc/admit/server.crt\"").value_or("");
        s.tls_key = reader.text("tls_key", false, "\"/etc/admit/server.key\"").value_or("");
        if (s.tls_cert.empty() != s.tls_key.empty()) {
            problems_.add(
                reader.line_of_key(s.tls_cert.empty() ? "tls_key" : "tls_cert"),
                "[server]: tls_cert and tls_key go together; give both (HTTPS/WSS) or neither"
            );
        }
    }

    // [store]: SQLite in data_dir (the default), or a PostgreSQL database
    // shared by several servers.
    void read_store() {
        const toml::table* store = table("store");
        if (store == nullptr) {
            return;
        }
        table_reader reader{problems_, *store, "[store]"};
        reader.check_keys({"backend", "url"});
        const auto backend = reader.text("backend", false, "\"sqlite\" or \"postgresql\"").value_or("sqlite");
        const auto url = reader.text("url", false, "\"postgresql://admit@db.example.org/seoul2023\"").value_or("");
        if (backend == "sqlite") {
            if (!url.empty()) {
                problems_.add(
                    reader.line_of_key("url"),
                    "[store]: url is for backend = \"postgresql\"; the SQLite store lives in [server] data_dir"
                );
            }
        } else if (backend == "postgresql") {
            if (url.empty()) {
                problems_.add(
                    reader.line_of_key("backend"),
                    "[store]: backend = \"postgresql\" needs url, a libpq connection string such as "
                    "\"postgresql://admit@db.example.org/seoul2023\" (the password goes in ~/.pgpass or "
                    "PGPASSWORD, not here)"
                );
            }
            out_.server.postgres_url = url;
        } else {
            problems_.add(
                reader.line_of_key("backend"),
                fmt::format("[store]: backend \"{}\" is not a store; use \"sqlite\" or \"postgresql\"", backend)
            );
        }
    }

    // Records a token hash for `who`, refusing one already used by someone else.
    void register_token(const std::string& hash, std::uint32_t line, const std::string& who) {
        const auto [it, inserted] = tokens_.emplace(hash, std::make_pair(line, who));
        if (!inserted) {
            problems_.add(
                line,
                fmt::format(
                    "{} uses the same token as {} on line {}; give each its own token",
                    who,
                    it->second.second,
                    it->second.first
                )
            );
        }
    }

    // Reads `<kind>_tokens` (plain, hashed here) and `<kind>_token_hashes`.
    std::vector<std::string> read_access_tokens(table_reader& reader, std::string_view kind) {
        std::vector<std::string> hashes;
        const std::string plain_key = fmt::format("{}_tokens", kind);
        const std::string hash_key = fmt::format("{}_token_hashes", kind);
        const std::uint32_t plain_line = reader.line_of_key(plain_key);
        for (const auto& token : reader.strings(plain_key, "[\"a-long-random-token\"]")) {
            if (token.empty()) {
                problems_.add(
                    plain_line,
                    fmt::format(
                        "[access]: {} has an empty token; remove it or fill it in", plain_key
                    )
                );
                continue;
            }
            hashes.push_back(hash_token(token));
            register_token(hashes.back(), plain_line, fmt::format("a {} token", kind));
        }
        const std::uint32_t hash_line = reader.line_of_key(hash_key);
        for (auto hash : reader.strings(hash_key, "[\"<64 hex digits from admit hash-token>\"]")) {
            hash = lower(std::move(hash));
            if (!is_token_hash(hash)) {
                problems_.add(
                    hash_line,
                    fmt::format(
                        "[access]: {} has \"{}\", which is not a token hash; use the 64 hex "
                        "digits printed by `admit hash-token TOKEN`",
                        hash_key,
                        hash
                    )
                );
                continue;
            }
            hashes.push_back(hash);
            register_token(hash, hash_line, fmt::format("a {} token", kind));
        }
        return hashes;
    }

    void read_access() {
        const toml::table* access = table("access");
        if (access == nullptr) {
            return;
        }
        table_reader reader{problems_, *access, "[access]"};
        reader.check_keys(
            {"viewer_tokens", "viewer_token_hashes", "staff_tokens", "staff_token_hashes"}
        );
        out_.server.viewer_token_hashes = read_access_tokens(reader, "viewer");
        out_.server.staff_token_hashes = read_access_tokens(reader, "staff");
    }

    void read_sites() {
        each("sites", "site", [&](table_reader& reader, std::string_view singular) {
            core::site site;
            site.id = read_id(reader, singular, site_ids_);
            reader.check_keys({"id", "name", "name_ko"});
            site.name = reader.text("name", true, "\"Dongdaemun Design Plaza\"").value_or("");
            if (auto ko = reader.text("name_ko", false, "\"동대문디자인플라자\"")) out_.event.names_ko["site:" + site.id] = *ko;
            if (!site.id.empty()) {
                out_.event.sites.push_back(std::move(site));
            }
        });
    }

    void read_categories() {
        if (!root_.contains("categories")) {
            problems_.add(
                1, "there are no [[categories]]; define at least one category of attendee"
            );
        }
        each("categories", "category", [&](table_reader& reader, std::string_view singular) {
            core::category category;
            category.id = read_id(reader, singular, category_ids_);
            reader.check_keys({"id", "name", "name_ko", "colour", "may_enter_full"});
            category.name = reader.text("name", true, "\"VIP\"").value_or("");
            if (auto ko = reader.text("name_ko", false, "\"귀빈\"")) out_.event.names_ko["category:" + category.id] = *ko;
            category.colour = reader.text("colour", false, "\"#c0392b\"").value_or("#7f8c8d");
            const bool colour_ok =
                category.colour.size() == 7 && category.colour[0] == '#' &&
                std::all_of(category.colour.begin() + 1, category.colour.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                           (c >= 'A' && c <= 'F');
                });
            if (!colour_ok) {
                problems_.add(
                    reader.line_of_key("colour"),
                    fmt::format(
                        "{}: colour \"{}\" is not a colour; write it as \"#rrggbb\", e.g. "
                        "\"#c0392b\"",
                        reader.label(),
                        category.colour
                    )
                );
            }
            category.may_enter_full = reader.boolean("may_enter_full").value_or(false);
            if (!category.id.empty()) {
                out_.event.categories.push_back(std::move(category));
            }
        });
    }

    void read_halls() {
        if (!root_.contains("halls")) {
            problems_.add(1, "there are no [[halls]]; define at least one hall");
        }
        each("halls", "hall", [&](table_reader& reader, std::string_view singular) {
            core::hall hall;
            hall.id = read_id(reader, singular, hall_ids_);
            reader.check_keys({"id", "name", "name_ko", "site", "capacity", "clear_at"});
            hall.name = reader.text("name", true, "\"Art Hall 2\"").value_or("");
            if (auto ko = reader.text("name_ko", false, "\"아트홀 2관\"")) out_.event.names_ko["hall:" + hall.id] = *ko;
            if (auto site = reader.text("site", true, "\"ddp\"")) {
                if (!site_ids_.contains(*site)) {
                    problems_.add(
                        reader.line_of_key("site"),
                        fmt::format(
                            "{} is at site \"{}\", which is not defined; define it under "
                            "[[sites]] or use one of: {}",
                            reader.label(),
                            *site,
                            join_ids(site_ids_)
                        )
                    );
                }
                hall.site_id = std::move(*site);
            }
            if (auto capacity = reader.integer("capacity", true, "700")) {
                if (*capacity < 1 || *capacity > 1'000'000) {
                    problems_.add(
                        reader.line_of_key("capacity"),
                        fmt::format(
                            "{} has capacity {}; capacity must be at least 1{}",
                            reader.label(),
                            *capacity,
                            *capacity < 1 ? "" : " and at most 1000000"
                        )
                    );
                } else {
                    hall.capacity = static_cast<int>(*capacity);
                }
            }
            hall.clear_at = read_clear_at(reader);
            if (!hall.id.empty()) {
                out_.event.halls.push_back(std::move(hall));
            }
        });
    }

    std::optional<std::chrono::minutes> read_clear_at(table_reader& reader) {
        const toml::node* node = reader.find("clear_at");
        if (node == nullptr) {
            return std::nullopt;
        }
        // A bare TOML local time (clear_at = 23:30:00) is as clear as a string.
        if (const auto* time = node->as_time()) {
            const toml::time& t = time->get();
            return std::chrono::minutes{t.hour * 60 + t.minute};
        }
        const auto text = reader.text("clear_at", false, "\"23:30\"");
        if (!text) {
            return std::nullopt;
        }
        auto minutes = parse_clock(*text);
        if (!minutes) {
            problems_.add(
                line_of(*node),
                fmt::format(
                    "{}: clear_at \"{}\" is not a time of day; write local time as \"HH:MM\", "
                    "e.g. \"23:30\"",
                    reader.label(),
                    *text
                )
            );
        }
        return minutes;
    }

    void read_stations() {
        each("stations", "station", [&](table_reader& reader, std::string_view singular) {
            core::station station;
            station.id = read_id(reader, singular, station_ids_);
            reader.check_keys({"id", "hall", "role", "token", "token_hash"});
            if (auto hall = reader.text("hall", true, "\"ddp-art-hall-2\"")) {
                check_hall_ref(reader, *hall, reader.line_of_key("hall"));
                station.hall_id = std::move(*hall);
            }
            if (auto role = reader.text("role", true, "\"entrance\"")) {
                if (const auto known = core::role_from_text(*role)) {
                    station.role = *known;
                } else {
                    problems_.add(
                        reader.line_of_key("role"),
                        fmt::format(
                            "{}: role \"{}\" is not a station role; use \"entrance\", \"exit\" "
                            "or \"both\"",
                            reader.label(),
                            *role
                        )
                    );
                }
            }
            const auto token = reader.text("token", false, "\"a-long-random-token\"");
            const auto hash = reader.text("token_hash", false, "\"<64 hex digits>\"");
            if (token && hash) {
                problems_.add(
                    reader.line_of_key("token_hash"),
                    fmt::format("{} has both token and token_hash; keep only one", reader.label())
                );
            } else if (token) {
                if (token->empty()) {
                    problems_.add(
                        reader.line_of_key("token"),
                        fmt::format(
                            "{} has an empty token; give it a long random token", reader.label()
                        )
                    );
                } else {
                    station.token_hash = hash_token(*token);
                }
            } else if (hash) {
                station.token_hash = lower(*hash);
                if (!is_token_hash(station.token_hash)) {
                    problems_.add(
                        reader.line_of_key("token_hash"),
                        fmt::format(
                            "{}: token_hash is not a token hash; use the 64 hex digits printed by "
                            "`admit hash-token TOKEN`",
                            reader.label()
                        )
                    );
                    station.token_hash.clear();
                }
            } else if (!reader.find("token") && !reader.find("token_hash")) {
                problems_.add(
                    reader.line(),
                    fmt::format(
                        "{} has no token; add token = \"...\" (or token_hash = \"...\" from "
                        "`admit hash-token`)",
                        reader.label()
                    )
                );
            }
            if (!station.token_hash.empty()) {
                register_token(
                    station.token_hash,
                    reader.line_of_key(token ? "token" : "token_hash"),
                    reader.label()
                );
            }
            if (!station.id.empty()) {
                out_.event.stations.push_back(std::move(station));
            }
        });
    }

    void check_hall_ref(table_reader& reader, const std::string& hall, std::uint32_t line) {
        if (!hall_ids_.contains(hall)) {
            problems_.add(
                line,
                fmt::format(
                    "{} names hall \"{}\", which is not defined; define it under [[halls]] or "
                    "use one of: {}",
                    reader.label(),
                    hall,
                    join_ids(hall_ids_)
                )
            );
        }
    }

    void read_sessions() {
        std::vector<std::pair<core::session, std::uint32_t>> read;
        each("sessions", "session", [&](table_reader& reader, std::string_view singular) {
            core::session session;
            session.id = read_id(reader, singular, session_ids_);
            reader.check_keys(
                {"id", "name", "name_ko", "hall", "start", "end", "categories", "checkin_before_minutes",
                 "late_entry_minutes"}
            );
            session.name = reader.text("name", true, "\"Opening\"").value_or("");
            if (auto ko = reader.text("name_ko", false, "\"개회식\"")) out_.event.names_ko["session:" + session.id] = *ko;
            bool hall_ok = false;
            if (auto hall = reader.text("hall", true, "\"ddp-art-hall-2\"")) {
                check_hall_ref(reader, *hall, reader.line_of_key("hall"));
                hall_ok = hall_ids_.contains(*hall);
                session.hall_id = std::move(*hall);
            }
            const auto start = event_time(reader, "start", "2023-09-25T17:30:00+09:00");
            const auto end = event_time(reader, "end", "2023-09-25T20:00:00+09:00");
            const std::uint32_t categories_line = reader.line_of_key("categories");
            session.categories = reader.strings("categories", "[\"vip\", \"speaker\"]");
            for (const auto& category : session.categories) {
                if (!category_ids_.contains(category)) {
                    problems_.add(
                        categories_line,
                        fmt::format(
                            "{} lets in category \"{}\", which is not defined; use one of: {}",
                            reader.label(),
                            category,
                            join_ids(category_ids_)
                        )
                    );
                }
            }
            if (auto before = reader.integer("checkin_before_minutes", false, "30")) {
                if (*before < 0 || *before > 24 * 60) {
                    problems_.add(
                        reader.line_of_key("checkin_before_minutes"),
                        fmt::format(
                            "{}: checkin_before_minutes = {}; use 0 to 1440 minutes",
                            reader.label(),
                            *before
                        )
                    );
                } else {
                    session.checkin_before = std::chrono::minutes{*before};
                }
            }
            if (auto late = reader.integer("late_entry_minutes", false, "0")) {
                if (*late < 0 || *late > 24 * 60) {
                    problems_.add(
                        reader.line_of_key("late_entry_minutes"),
                        fmt::format(
                            "{}: late_entry_minutes = {}; use 0 to 1440 minutes", reader.label(), *late
                        )
                    );
                } else {
                    session.late_entry = std::chrono::minutes{*late};
                }
            }
            if (start && end) {
                session.start = *start;
                session.end = *end;
                if (*end <= *start) {
                    problems_.add(
                        reader.line_of_key("end"),
                        fmt::format(
                            "{} ends at or before it starts; end must be later than start",
                            reader.label()
                        )
                    );
                } else if (hall_ok && !session.id.empty()) {
                    read.emplace_back(session, reader.line());
                }
            }
            if (!session.id.empty()) {
                out_.event.sessions.push_back(std::move(session));
            }
        });
        check_overlaps(read);
    }

    void check_overlaps(std::vector<std::pair<core::session, std::uint32_t>>& sessions) {
        std::stable_sort(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) {
            return std::tie(a.first.hall_id, a.first.start) <
                   std::tie(b.first.hall_id, b.first.start);
        });
        for (std::size_t i = 1; i < sessions.size(); ++i) {
            const auto& [earlier, earlier_line] = sessions[i - 1];
            const auto& [later, later_line] = sessions[i];
            if (earlier.hall_id == later.hall_id && later.start < earlier.end) {
                problems_.add(
                    later_line,
                    fmt::format(
                        "session \"{}\" overlaps session \"{}\" (line {}) in hall \"{}\"; "
                        "sessions in one hall must not overlap",
                        later.id,
                        earlier.id,
                        earlier_line,
                        later.hall_id
                    )
                );
            }
        }
    }

    const toml::table& root_;
    problem_list problems_;
    loaded_config out_;
    std::map<std::string, std::uint32_t> site_ids_;
    std::map<std::string, std::uint32_t> hall_ids_;
    std::map<std::string, std::uint32_t> station_ids_;
    std::map<std::string, std::uint32_t> category_ids_;
    std::map<std::string, std::uint32_t> session_ids_;
    // [event] time zone: named (tz database) or only a fixed utc_offset.
    bool zone_named_ = false;
    std::optional<std::chrono::minutes> offset_;
    std::uint32_t offset_line_ = 0;
    // token hash -> (line, who uses it)
    std::map<std::string, std::pair<std::uint32_t, std::string>> tokens_;
};

}  // namespace

config_error::config_error(std::vector<std::string> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

loaded_config parse_config(std::string_view text, const std::string& source_name) {
    toml::table root;
    try {
        root = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        throw config_error({fmt::format(
            "{}:{}:{}: {}; fix the TOML syntax there",
            source_name,
            where.line,
            where.column,
            e.description()
        )});
    }
    config_reader reader{root, source_name};
    loaded_config config = reader.read();
    if (!reader.problems().empty()) {
        throw config_error(std::move(reader.problems().items()));
    }
    return config;
}

loaded_config load_config(const std::filesystem::path& file) {
    std::ifstream in{file, std::ios::binary};
    if (!in) {
        throw config_error({fmt::format(
            "{}: cannot read the file; check the path and its permissions", file.string()
        )});
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), file.string());
}

std::string hash_token(std::string_view token) {
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium failed to initialise");
    }
    std::array<unsigned char, crypto_generichash_BYTES> digest{};
    crypto_generichash(
        digest.data(),
        digest.size(),
        reinterpret_cast<const unsigned char*>(token.data()),
        token.size(),
        nullptr,
        0
    );
    std::string hex(digest.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    hex.pop_back();
    return hex;
}

}  // namespace admit::config
