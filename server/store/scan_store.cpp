#include "store/scan_store.hpp"

#include <charconv>

#include "store/pg_connection.hpp"
#include "store/pg_store.hpp"

namespace admit::store {

std::vector<core::scan_record> scan_store::find_scans(const std::vector<std::string>& scan_ids) {
    std::vector<core::scan_record> found;
    for (const auto& id : scan_ids) {
        if (auto r = find_scan(id)) found.push_back(std::move(*r));
    }
    return found;
}

namespace {
constexpr std::string_view from_seq = "; scans from seq ";
}  // namespace

audit_entry server_start_entry(core::time_point at, bool rehearsal, std::string_view detail, std::int64_t first_seq) {
    std::string note = rehearsal ? "rehearsal clock" : "real clock";
    if (!detail.empty()) note += " (" + std::string(detail) + ")";
    note += std::string(from_seq) + std::to_string(first_seq);
    return {0, at, "admit-server", "server_start", "", std::move(note)};
}

std::vector<clock_run> clock_runs_of(const std::vector<audit_entry>& audit) {
    std::vector<clock_run> runs;
    for (const auto& e : audit) {
        if (e.action != "server_start") continue;
        const auto at = e.note.rfind(from_seq);
        if (at == std::string::npos) continue;
        clock_run run{e.id, 0, e.note.starts_with("rehearsal")};
        const auto* first = e.note.data() + at + from_seq.size();
        if (std::from_chars(first, e.note.data() + e.note.size(), run.first_seq).ec != std::errc{}) continue;
        runs.push_back(run);
    }
    return runs;
}

std::unique_ptr<scan_store> open_store(const store_location& location, open_mode mode) {
    if (location.is_postgres()) return std::make_unique<pg_store>(location.postgres_url, mode);
    return open_sqlite_store(location.data_dir, mode, location.disk_reserve_bytes);
}

std::string describe(const store_location& location) {
    if (location.is_postgres()) return pg::describe_url(location.postgres_url);
    return (location.data_dir / "admit.db").string();
}

std::unique_ptr<change_listener> open_change_listener(const store_location& location) {
    if (!location.is_postgres()) return nullptr;
    return open_postgres_listener(location.postgres_url);
}

}  // namespace admit::store
