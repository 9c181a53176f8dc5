#pragma once
// The kiosk's events as JSON lines on an output stream, flushed per line:
//   {"type":"scan","scan_id",...,"source":"server"|"offline","server":"HOST:PORT"|""}
//   {"type":"link","state":"online"|"offline","server":"HOST:PORT","detail","backlog"}
//   {"type":"repeat"}, {"type":"synced",...}, {"type":"ready",...},
//   {"type":"error"|"warning"|"info","message"}
// Thread safety: one mutex around every line.

#include <mutex>
#include <ostream>

#include "kiosk/display.hpp"

namespace admit::scanner {

class json_display : public display {
public:
    explicit json_display(std::ostream& out) : out_(out) {}

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
    void line(const std::string& text);

    std::mutex mutex_;
    std::ostream& out_;
};

}  // namespace admit::scanner
