#pragma once
// The door screen: a display (kiosk/display.hpp) that pushes every kiosk
// event as JSON to the full-screen page served by door_server (web/door/),
// which Chromium shows in kiosk mode. It keeps what a page needs when it
// (re)connects: the settings, the status and the last five scans, so a page
// that was closed, dropped or restarted loses nothing a steward looks at.
// Events (one JSON object each, "seq" increasing; a page ignores seq it saw):
//   {"type":"config", lang, volume, mute, idle_s, input, version, servers}
//   {"type":"status", station, direction, hall, inside, capacity, online, server,
//    offline_since_ms, backlog, rules_fetched_ms, rules_age_s, clock_skew_ms, notice, ...}
//   {"type":"scan", n, state: admitted|refused|warning, reason, name, category,
//    category_colour, inside, capacity, offline, duplicate, reissued, kiosk_ms, ...}
//   {"type":"history", scans:[...]}  (greeting only: the last five, oldest first)
// "kiosk_ms" is the kiosk's clock when the verdict reached the display, so a
// page on the same machine can measure how long it took to show it.
// Thread safety: all members may be called from any thread (one mutex).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "decode/grey_image.hpp"
#include "decode/qr_decoder.hpp"
#include "kiosk/display.hpp"
#include "kiosk/station_link.hpp"
#include "screen/door_server.hpp"

namespace admit::scanner {

// What the door screen reads from the kiosk for its status bar.
struct door_facts {
    std::optional<hello_facts> hello;
    std::shared_ptr<const protocol::station_rules> rules;
    std::size_t backlog = 0;
};

struct door_options {
    door_server_options server;
    std::string language = "ko";  // the door language; the page's ?lang= overrides it
    double volume = 0.8;          // 0..1
    bool mute = false;
    int idle_seconds = 8;  // back to the idle screen after this long
    std::string input;     // "camera", "images", "raw" or "keyboard": the prompt to show
    std::string version;   // admit-scanner's version, for the status page
    std::vector<std::string> servers;  // HOST:PORT list, for the status page
    // A refusal "already inside" for someone this kiosk admitted this recently is a
    // duplicate read (amber), not a stranger with a copied badge (red).
    std::chrono::seconds duplicate_window{300};
    std::chrono::seconds skew_warning{60};  // warn when the clocks differ more than this
    int preview_fps = 8;
    int preview_width = 320;  // preview frames are scaled down to this width at most
};

class door_display : public display {
public:
    // Starts the page server (throws on a bad port or web folder).
    explicit door_display(door_options options);
    ~door_display() override;

    // Where the status comes from; set once the kiosk exists.
    void attach(std::function<door_facts()> facts);
    // The badge payload behind a shown scan, so a repeat read can name the person.
    void remember(const std::string& payload, const shown_scan& s);

    // A camera frame, for the page's live preview: at most preview_fps a
    // second (and every frame with a code in it, outlined), scaled down, and
    // only while a page is connected. Cheap when not sent; called by the scan
    // loop for every frame it reads.
    void frame(const grey_frame& image, const std::vector<decoded_code>& codes = {});

    unsigned short port() const { return http_->port(); }
    std::size_t pages() const { return http_->pages(); }
    std::uint64_t dropped() const { return http_->dropped(); }

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
    std::vector<std::string> greeting();
    void refresh_status();  // tick: publishes the status when it changed
    boost::json::object status_locked();
    void publish_locked(boost::json::object event);
    void publish_status_locked();
    void push_history_locked(const boost::json::object& scan);
    bool duplicate_locked(const shown_scan& s) const;
    std::string category_colour_locked(const std::string& category_name) const;

    door_options options_;
    mutable std::mutex mutex_;
    std::function<door_facts()> facts_;
    std::uint64_t seq_ = 0;
    std::uint64_t scans_shown_ = 0;  // the counter on screen
    std::string station_;
    std::string direction_;
    bool online_ = false;
    std::string server_;
    std::int64_t offline_since_ms_ = 0;
    std::size_t backlog_ = 0;
    std::string notice_;
    std::string notice_kind_;
    std::size_t conflicts_ = 0;
    std::int64_t rules_fetched_ms_ = 0;  // the server's clock when it made the rules
    std::int64_t rules_seen_ms_ = 0;     // this kiosk's clock when it first saw them
    std::string last_status_;            // what was published last, to skip repeats
    std::string hall_;
    int inside_ = 0;
    int capacity_ = 0;
    std::deque<boost::json::object> history_;  // the last five scans shown
    struct read {
        std::string payload;
        boost::json::object scan;
    };
    std::deque<read> reads_;  // recent payloads and what they showed
    struct admission {
        std::string attendee_id;
        std::chrono::steady_clock::time_point at;
    };
    std::deque<admission> admitted_;                      // recent admissions here
    std::chrono::steady_clock::time_point last_frame_{};  // the scan loop's only
    std::unique_ptr<door_server> http_;  // last: stopped before the state above goes
};

}  // namespace admit::scanner
