#pragma once
// Two displays at once: the terminal view (or --json) on stdout and the door
// screen. Each event goes to the first, then the second.
// Thread safety: as the two displays it forwards to.

#include "kiosk/display.hpp"

namespace admit::scanner {

class tee_display : public display {
public:
    tee_display(display& first, display& second) : first_(first), second_(second) {}

    void ready(const std::string& station, const std::string& direction) override {
        first_.ready(station, direction);
        second_.ready(station, direction);
    }
    void scan(const shown_scan& s) override {
        first_.scan(s);
        second_.scan(s);
    }
    void repeat(const std::string& payload) override {
        first_.repeat(payload);
        second_.repeat(payload);
    }
    void link(
        bool online, const std::string& server, const std::string& detail, std::size_t backlog
    ) override {
        first_.link(online, server, detail, backlog);
        second_.link(online, server, detail, backlog);
    }
    void synced(const synced_scan& s) override {
        first_.synced(s);
        second_.synced(s);
    }
    void redecided(const redecided_scan& s) override {
        first_.redecided(s);
        second_.redecided(s);
    }
    void note(const std::string& kind, const std::string& message) override {
        first_.note(kind, message);
        second_.note(kind, message);
    }

private:
    display& first_;
    display& second_;
};

}  // namespace admit::scanner
