#include "app/clock.hpp"

#include <charconv>
#include <cstdio>

namespace admit::app {

server_clock::server_clock(core::time_point start, double speed)
    : simulated_(true), start_(start), real_start_(std::chrono::steady_clock::now()), speed_(speed) {}

server_clock::server_clock(core::time_point start, double speed, core::time_point real_origin)
    : server_clock(start, speed) {
    // Steady time still drives it (a wall clock step must not move it); only its origin is moved back.
    real_start_ -= std::chrono::system_clock::now() - real_origin;
}

std::string iso_utc(core::time_point t) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    const auto day = std::chrono::floor<std::chrono::days>(secs);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{secs - day};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return text;
}

core::time_point server_clock::now() const {
    if (!simulated_) {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    }
    const std::chrono::duration<double, std::milli> real = std::chrono::steady_clock::now() - real_start_;
    return start_ + std::chrono::milliseconds(static_cast<std::int64_t>(real.count() * speed_));
}

namespace {
bool take_number(std::string_view& s, std::size_t digits, int& out) {
    if (s.size() < digits) return false;
    const auto* end = s.data() + digits;
    const auto [p, ec] = std::from_chars(s.data(), end, out);
    if (ec != std::errc{} || p != end) return false;
    s.remove_prefix(digits);
    return true;
}
bool take_char(std::string_view& s, char c) {
    if (s.empty() || s.front() != c) return false;
    s.remove_prefix(1);
    return true;
}
}  // namespace

std::optional<core::time_point> parse_iso_time(std::string_view s) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!take_number(s, 4, y) || !take_char(s, '-') || !take_number(s, 2, mo) || !take_char(s, '-') ||
        !take_number(s, 2, d) || !take_char(s, 'T') || !take_number(s, 2, h) || !take_char(s, ':') ||
        !take_number(s, 2, mi)) {
        return std::nullopt;
    }
    if (take_char(s, ':') && !take_number(s, 2, sec)) return std::nullopt;
    int offset_minutes = 0;
    if (take_char(s, 'Z')) {
    } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        const int sign = s.front() == '-' ? -1 : 1;
        s.remove_prefix(1);
        int oh = 0, om = 0;
        if (!take_number(s, 2, oh) || !take_char(s, ':') || !take_number(s, 2, om)) return std::nullopt;
        offset_minutes = sign * (oh * 60 + om);
    } else {
        return std::nullopt;  // a time without an offset is ambiguous
    }
    if (!s.empty()) return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                           std::chrono::day{static_cast<unsigned>(d)}};
    if (!date.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
    const auto local = std::chrono::sys_days{date} + std::chrono::hours{h} + std::chrono::minutes{mi} +
                       std::chrono::seconds{sec};
    return std::chrono::time_point_cast<std::chrono::milliseconds>(local - std::chrono::minutes{offset_minutes});
}

}  // namespace admit::app
