#pragma once
// Restoring a data directory's store from a backup file made by
// scan_store::backup_to, and telling whether a data directory is in use.
// Internal details (SQLite) stay in backup.cpp.
// Thread safety: free functions; the caller makes sure nothing else
// restores into the same directory at the same time.

#include <cstdint>
#include <filesystem>
#include <string>

namespace admit::store {

// True when some process has <data_dir>/admit.db open (a running server or
// admin tool): SQLite's WAL index (admit.db-shm) carries a shared lock of
// every connection; this asks the kernel whether anyone holds it.
bool store_in_use(const std::filesystem::path& data_dir);

struct restore_result {
    std::int64_t scans = 0;               // scans in the restored log
    std::filesystem::path previous;       // where the replaced admit.db was kept (empty: none)
};

// Checks the backup (SQLite integrity check, admit schema), then makes it
// <data_dir>/admit.db. Refuses, with a store_error saying what to do, when
// the store is in use, and when admit.db exists and `force` is false; with
// force the old file is kept as admit.db.before-restore-<unix time>. Stale
// -wal/-shm files of the old database are removed so they cannot be applied
// to the restored one.
restore_result restore_backup(
    const std::filesystem::path& backup_file,
    const std::filesystem::path& data_dir,
    bool force
);

}  // namespace admit::store
