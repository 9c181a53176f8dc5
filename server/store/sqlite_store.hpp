#pragma once
// Internal to admit_store: callers use open_sqlite_store() from scan_store.hpp
// and never see SQLiteCpp.

#include <filesystem>
#include <memory>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/disk_reserve.hpp"
#include "store/scan_store.hpp"

struct sqlite3_stmt;

namespace admit::store {

struct statement_finalizer {
    void operator()(sqlite3_stmt* statement) const noexcept;
};
// A statement on the C API: the scan reads use it, because SQLiteCpp's Column
// costs a shared_ptr copy per value and start-up replays a million rows.
using raw_statement = std::unique_ptr<sqlite3_stmt, statement_finalizer>;

// scan_store on one SQLite connection to <data_dir>/admit.db (WAL,
// synchronous=FULL). The hot statements (append, find_scan) are prepared once
// for the life of the store; every SQLite exception becomes a store_error
// naming the file and the operation. A read-only store opens the file with
// SQLITE_OPEN_READONLY, never migrates it and refuses every write.
// A full disk: a write that fails with SQLITE_FULL deletes the reserve file
// (disk_reserve.hpp, when one is kept) and checkpoints the WAL with TRUNCATE
// once its transaction is rolled back, so the next commits have room at once;
// the reserve is made again after a commit once the disk has room.
// Thread safety: one thread at a time, like SQLiteCpp's Database.
class sqlite_store final : public scan_store {
public:
    sqlite_store(const std::filesystem::path& data_dir, open_mode mode, std::uintmax_t disk_reserve_bytes = 0);

    void begin_batch() override;
    std::int64_t append(const core::scan_record& record) override;
    void commit_batch() override;
    void rollback_batch() override;

    std::optional<core::scan_record> find_scan(std::string_view scan_id) override;

    void for_each_scan(
        const std::function<void(const core::scan_record&)>& visit,
        std::int64_t after_seq,
        record_detail detail
    ) override;
    std::vector<core::scan_record> scans_with_seqs(const std::vector<std::int64_t>& seqs) override;
    std::int64_t scan_count() override;
    std::int64_t last_seq() override;

    bool annul(std::string_view scan_id, const audit_entry& why) override;

    std::vector<core::attendee> load_roster() override;
    void upsert_attendees(const std::vector<core::attendee>& people) override;
    std::int64_t roster_generation() override;
    std::int64_t log_generation() override;

    void add_audit(const audit_entry& entry) override;
    std::vector<audit_entry> audit_log() override;

    void add_staff(const staff_credential& credential) override;
    bool revoke_staff(std::string_view name, core::time_point at) override;
    std::vector<staff_credential> staff_list() override;

    std::int64_t backup_to(const std::filesystem::path& file) override;

    std::optional<std::int64_t> event_fact(std::string_view key) override;
    std::int64_t claim_event_fact(std::string_view key, std::int64_t value, bool replace) override;
    void probe() override;

private:
    // Runs `work`, turning a SQLite::Exception into a store_error
    // "cannot <operation> <file>: <sqlite message>".
    template <class Work>
    auto guarded(const char* operation, Work&& work);
    void refuse_if_read_only(const char* operation) const;
    void insert_audit(const audit_entry& entry);
    void bump_meta_counter(const char* key);
    std::int64_t meta_counter(const char* key);
    raw_statement prepare_raw(const std::string& sql);
    // After a rollback for a full disk: frees the reserve, empties the WAL; says what it did.
    std::string recover_from_full_disk();

    std::string file_;
    open_mode mode_;
    SQLite::Database db_;
    bool in_batch_ = false;
    bool disk_full_ = false;  // a write failed with SQLITE_FULL; recover once rolled back
    disk_reserve reserve_;
    // Prepared once for the life of the store (the hot path); a read-only
    // store has no insert_scan_.
    std::optional<SQLite::Statement> insert_scan_;
    raw_statement find_scan_;
};

}  // namespace admit::store
