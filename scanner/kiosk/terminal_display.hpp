#pragma once
// The door screen in a terminal: the whole screen redrawn per event with ANSI
// colours: a green ADMITTED or red REFUSED banner with the reason, the
// person's name and category, the hall's occupancy, ONLINE/OFFLINE and the
// outbox backlog, and an optional bell on refusals.
// Thread safety: one mutex around every redraw.

#include <mutex>
#include <optional>
#include <ostream>

#include "kiosk/display.hpp"

namespace admit::scanner {

class terminal_display : public display {
public:
    terminal_display(std::ostream& out, bool sound) : out_(out), sound_(sound) {}

    void ready(const std::string& station, const std::string& direction) override;
    void scan(const shown_scan& s) override;
    void repeat(const std::string& payload) override;
    void link(
        bool online, const std::string& server, const std::string& detail, std::size_t backlog
    ) override;
    void synced(const synced_scan& s) override;
    void redecided(const redecided_scan& s) override;
    void note(const std::string& kind, const std::string& message) override;

private:
    void redraw();

    std::mutex mutex_;
    std::ostream& out_;
    bool sound_ = false;
    std::string station_;
    std::string direction_;
    bool online_ = false;
    std::string server_;  // HOST:PORT the link is on, or last tried
    std::size_t backlog_ = 0;
    std::optional<shown_scan> last_;
    std::string status_line_;
};

}  // namespace admit::scanner
