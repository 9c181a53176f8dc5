#include "store/backup.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <system_error>

#include "store/scan_store.hpp"

namespace admit::store {
namespace {

struct connection_closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using raw_connection = std::unique_ptr<sqlite3, connection_closer>;

// The first text column of the first row of `sql`, or the error message.
std::string first_text(sqlite3* db, const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) return sqlite3_errmsg(db);
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(s, 0);
        out = text ? reinterpret_cast<const char*>(text) : "";
    } else {
        out = sqlite3_errmsg(db);
    }
    sqlite3_finalize(s);
    return out;
}

// Byte 128 of the WAL index: unix VFS's "dead man switch" lock, held shared
// by every connection that has the database open in WAL mode.
constexpr off_t shm_dms_byte = 128;

}  // namespace

bool store_in_use(const std::filesystem::path& data_dir) {
    const auto shm = data_dir / "admit.db-shm";
    const int fd = ::open(shm.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;  // no WAL index: nobody has the database open in WAL mode
    struct flock probe{};
    probe.l_type = F_WRLCK;
    probe.l_whence = SEEK_SET;
    probe.l_start = shm_dms_byte;
    probe.l_len = 1;
    const bool locked = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
    ::close(fd);
    return locked;
}

restore_result restore_backup(
    const std::filesystem::path& backup_file,
    const std::filesystem::path& data_dir,
    bool force
) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(backup_file, ec)) {
        throw store_error(fmt::format(
            "cannot restore from {}: no such file; give the file `admit backup` wrote",
            backup_file.string()
        ));
    }
    const auto db_file = data_dir / "admit.db";
    if (store_in_use(data_dir)) {
        throw store_error(fmt::format(
            "cannot restore into {}: {} is open in another process (a running admit-server?); "
            "stop the server first (systemctl stop admit-server)",
            data_dir.string(), db_file.string()
        ));
    }
    if (std::filesystem::exists(db_file, ec) && !force) {
        throw store_error(fmt::format(
            "cannot restore into {}: {} exists; add --force to replace it (it is kept as "
            "admit.db.before-restore-<time>)",
            data_dir.string(), db_file.string()
        ));
    }

    // Check the backup before touching the data directory.
    sqlite3* opened = nullptr;
    int rc = sqlite3_open_v2(backup_file.c_str(), &opened, SQLITE_OPEN_READONLY, nullptr);
    raw_connection source(opened);
    if (rc != SQLITE_OK) {
        throw store_error(fmt::format(
            "cannot restore from {}: {}", backup_file.string(),
            opened ? sqlite3_errmsg(opened) : sqlite3_errstr(rc)
        ));
    }
    const auto check = first_text(source.get(), "PRAGMA integrity_check");
    if (check != "ok") {
        throw store_error(fmt::format(
            "cannot restore from {}: the file is damaged or not a database ({}); use an older backup",
            backup_file.string(), check
        ));
    }
    const auto has_scans = first_text(
        source.get(), "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'scans'"
    );
    if (has_scans != "1") {
        throw store_error(fmt::format(
            "cannot restore from {}: it is not an admit store (no scan log in it)",
            backup_file.string()
        ));
    }

    std::filesystem::create_directories(data_dir, ec);
    const auto incoming = data_dir / "admit.db.restoring";
    std::filesystem::remove(incoming, ec);
    {
        sqlite3* made = nullptr;
        rc = sqlite3_open_v2(incoming.c_str(), &made, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
        raw_connection dest(made);
        if (rc != SQLITE_OK) {
            throw store_error(fmt::format(
                "cannot restore into {}: cannot create {}: {}", data_dir.string(), incoming.string(),
                made ? sqlite3_errmsg(made) : sqlite3_errstr(rc)
            ));
        }
        sqlite3_backup* copy = sqlite3_backup_init(dest.get(), "main", source.get(), "main");
        if (copy == nullptr) {
            throw store_error(fmt::format(
                "cannot restore into {}: {}", data_dir.string(), sqlite3_errmsg(dest.get())
            ));
        }
        rc = sqlite3_backup_step(copy, -1);
        sqlite3_backup_finish(copy);
        if (rc != SQLITE_DONE) {
            throw store_error(fmt::format(
                "cannot restore into {}: copying {} failed: {}", data_dir.string(),
                backup_file.string(), sqlite3_errstr(rc)
            ));
        }
        sqlite3_exec(dest.get(), "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr);
    }

    restore_result result;
    if (std::filesystem::exists(db_file, ec)) {
        // Fold the old database's WAL into it first, so the kept copy is whole.
        sqlite3* old = nullptr;
        if (sqlite3_open_v2(db_file.c_str(), &old, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
            sqlite3_exec(old, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
        }
        sqlite3_close_v2(old);
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch()
        )
                             .count();
        result.previous = data_dir / fmt::format("admit.db.before-restore-{}", now);
        std::filesystem::rename(db_file, result.previous);
    }
    // The old database's WAL must never be applied to the restored file.
    std::filesystem::remove(data_dir / "admit.db-wal", ec);
    std::filesystem::remove(data_dir / "admit.db-shm", ec);
    std::filesystem::rename(incoming, db_file);

    // Opening it read-write puts it back in WAL mode and migrates an older schema.
    auto store = open_sqlite_store(data_dir);
    result.scans = store->scan_count();
    return result;
}

}  // namespace admit::store
