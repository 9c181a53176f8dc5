#pragma once
// The kiosk's outbox: every scan is written here before anything else
// happens to it, and leaves only when the server's verdict for its scan id
// has arrived. It is a SQLite file (WAL, synchronous=FULL) in the kiosk's
// state directory, so a power cut or kill -9 at any point loses no scan:
// on the next start the link replays whatever is still inside, in order,
// and the server answers a scan id it already has with its first verdict.
// The same file keeps the little the kiosk must remember across restarts:
// a boot counter (scan ids stay unique forever), the last occupancy the
// server told us, and who this kiosk let in or out since it last heard the
// server's rules (for offline anti-passback).
// Thread safety: every member function locks one mutex; the scan loop and
// the link thread share one outbox.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/verdict.hpp"

namespace SQLite {
class Database;
}

namespace admit::scanner {

// One scan waiting for its verdict.
struct outbox_entry {
    std::int64_t seq = 0;  // outbox order, assigned by add()
    std::string scan_id;
    std::string payload;
    core::direction dir = core::direction::entry;
    std::int64_t device_time_ms = 0;
    bool offline = false;                // decided by the kiosk, shown as OFFLINE
    std::optional<core::verdict> shown;  // what the kiosk showed, when offline
    int hall_delta = 0;                  // +1 / -1: what an offline verdict did to the hall's count
};

class outbox {
public:
    // Opens or creates <state_dir>/outbox.db and starts a new boot (a new
    // boot id). Throws std::runtime_error naming the file when it cannot.
    outbox(const std::filesystem::path& state_dir, std::string station_id);
    ~outbox();
    outbox(const outbox&) = delete;
    outbox& operator=(const outbox&) = delete;

    // Opens an existing outbox without starting a boot, for inspection (tests, support).
    static std::unique_ptr<outbox> open_read_only(const std::filesystem::path& state_dir);

    // A scan id never used before by any kiosk: "<station>-<instance>-<boot>-<counter>",
    // where the instance id is random and made when the state folder is new.
    std::string next_scan_id();

    // Moves a scan the server will never record (SCAN_ID_CONFLICT) out of the
    // outbox into the held table, for staff: it is not sent again. Returns
    // the entry, nullopt when it was no longer in the outbox.
    std::optional<outbox_entry> hold(const std::string& scan_id, const std::string& why, std::int64_t now_ms);
    std::size_t held_count() const;

    // Stores the scan durably; returns its seq. entry.seq is ignored.
    std::int64_t add(const outbox_entry& entry);
    // Marks a waiting scan as decided offline with what was shown (the link
    // died before its verdict came). False when it already left the outbox.
    bool mark_offline(const std::string& scan_id, const core::verdict& shown, int hall_delta);
    // Removes the scan; returns it when it was still there.
    std::optional<outbox_entry> remove(const std::string& scan_id);
    // Removes many in one transaction (a replay's verdict batch); the entries
    // that were still there, in the order of scan_ids (nullopt for the others).
    std::vector<std::optional<outbox_entry>> remove(const std::vector<std::string>& scan_ids);

    // Up to limit scans with seq > after_seq, in order.
    std::vector<outbox_entry> after(std::int64_t after_seq, std::size_t limit) const;
    std::size_t backlog() const;
    // Sum of hall_delta over the offline scans still waiting: the kiosk's own
    // admits minus exits the server has not counted yet.
    int pending_hall_delta() const;

    // Last hall occupancy the server reported (verdict, hello ack or rules).
    void set_last_inside(int inside);
    std::optional<int> last_inside() const;

    // Who this kiosk saw go in (hall id) or out (empty hall) since `since_ms`.
    void remember_presence(
        const std::string& attendee_id, const std::string& hall_id, std::int64_t at_ms
    );
    std::vector<std::pair<std::string, std::string>> remembered_presence() const;
    void forget_presence_before(std::int64_t at_ms);

    std::int64_t boot_id() const { return boot_id_; }
    const std::string& instance_id() const { return instance_id_; }

private:
    struct read_only_tag {};
    outbox(const std::filesystem::path& state_dir, read_only_tag);

    std::optional<outbox_entry> remove_locked(const std::string& scan_id);
    std::optional<std::string> meta(const std::string& key) const;
    void set_meta(const std::string& key, const std::string& value);

    mutable std::mutex mutex_;
    std::unique_ptr<SQLite::Database> db_;
    std::string station_id_;
    std::string instance_id_;
    std::int64_t boot_id_ = 0;
    std::uint64_t counter_ = 0;
};

}  // namespace admit::scanner
