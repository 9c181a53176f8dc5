// Full redraws keep it simple and robust: a terminal that was resized or
// scribbled on is right again at the next event.
#include "kiosk/terminal_display.hpp"

#include <fmt/format.h>

namespace admit::scanner {

namespace {

constexpr const char* clear = "\x1b[2J\x1b[H";
constexpr const char* reset = "\x1b[0m";
constexpr const char* bold = "\x1b[1m";
constexpr const char* green_bg = "\x1b[42;97;1m";
constexpr const char* red_bg = "\x1b[41;97;1m";
constexpr const char* yellow = "\x1b[33;1m";
constexpr const char* dim = "\x1b[2m";

std::string banner(const char* colour, const std::string& word) {
    const std::string pad(60, ' ');
    std::string text = fmt::format("{}{}{}\n", colour, pad, reset);
    const auto left = (60 - word.size()) / 2;
    text += fmt::format(
        "{}{}{}{}{}\n", colour, std::string(left, ' '), word,
        std::string(60 - left - word.size(), ' '), reset
    );
    text += fmt::format("{}{}{}\n", colour, pad, reset);
    return text;
}

}  // namespace

void terminal_display::redraw() {
    std::string screen = clear;
    // The server is named so staff can tell which one a kiosk is on after a failover.
    std::string where;
    if (!server_.empty())
        where = online_ ? " on " + server_ : fmt::format(" (last server {})", server_);
    screen += fmt::format(
        "{}admit-scanner{}  station {}  {}  {}{}{}{}  outbox {}\n\n", bold, reset, station_,
        direction_, online_ ? "\x1b[32;1m" : yellow, online_ ? "ONLINE" : "OFFLINE", reset, where,
        backlog_
    );
    if (last_) {
        const auto& s = *last_;
        screen += banner(
            s.result.admitted ? green_bg : red_bg, s.result.admitted ? "ADMITTED" : "REFUSED"
        );
        screen += "\n";
        if (!s.name.empty()) screen += fmt::format("  {}{}{}\n", bold, s.name, reset);
        if (!s.category.empty()) screen += fmt::format("  {}\n", s.category);
        screen += fmt::format("\n  {}\n", s.result.explanation);
        if (s.result.warning) screen += fmt::format("  {}staff: please check{}\n", yellow, reset);
        if (s.duplicate)
            screen += fmt::format("  {}DUPLICATE read: same verdict as a moment ago{}\n", yellow, reset);
        if (s.capacity > 0)
            screen += fmt::format("\n  {} {}/{}\n", s.hall_name, s.inside, s.capacity);
        if (s.offline)
            screen +=
                fmt::format("\n  {}OFFLINE verdict (decided on this kiosk){}\n", yellow, reset);
    } else {
        screen += "\n  Show your badge to the camera.\n";
    }
    if (!status_line_.empty()) screen += fmt::format("\n{}{}{}\n", dim, status_line_, reset);
    out_ << screen;
    out_.flush();
}

void terminal_display::ready(const std::string& station, const std::string& direction) {
    std::lock_guard lock(mutex_);
    station_ = station;
    direction_ = direction;
    redraw();
}

void terminal_display::scan(const shown_scan& s) {
    std::lock_guard lock(mutex_);
    last_ = s;
    backlog_ = s.backlog;
    status_line_.clear();
    redraw();
    if (sound_ && !s.result.admitted) {
        out_ << '\a';
        out_.flush();
    }
}

void terminal_display::repeat(const std::string&) {}

void terminal_display::link(
    bool online, const std::string& server, const std::string& detail, std::size_t backlog
) {
    std::lock_guard lock(mutex_);
    online_ = online;
    server_ = server;
    backlog_ = backlog;
    status_line_ = online ? "link up: " + server : "link down: " + server + ": " + detail;
    redraw();
}

void terminal_display::synced(const synced_scan& s) {
    std::lock_guard lock(mutex_);
    backlog_ = s.backlog;
    if (s.conflict) {
        status_line_ = fmt::format(
            "scan {}: shown {} offline, server says {} ({})", s.scan_id,
            s.shown_admitted ? "ADMITTED" : "REFUSED", s.server_admitted ? "ADMITTED" : "REFUSED",
            s.reason
        );
    }
    // A replay brings thousands of verdicts: redraw only for what staff must see.
    if (s.conflict || s.backlog == 0) redraw();
}

void terminal_display::redecided(const redecided_scan& s) {
    if (!s.conflict) return;  // same colour either way: nothing for staff
    std::lock_guard lock(mutex_);
    status_line_ = fmt::format(
        "scan {}: shown {}, decided again {} once an earlier scan arrived ({}): {}", s.scan_id,
        s.shown_admitted ? "ADMITTED" : "REFUSED", s.now_admitted ? "ADMITTED" : "REFUSED", s.reason,
        s.explanation
    );
    redraw();
}

void terminal_display::note(const std::string& kind, const std::string& message) {
    std::lock_guard lock(mutex_);
    status_line_ = kind + ": " + message;
    redraw();
}

}  // namespace admit::scanner
