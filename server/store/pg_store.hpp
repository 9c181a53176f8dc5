#pragma once
// Internal to admit_store: callers use open_store() from scan_store.hpp.
//
// scan_store on PostgreSQL, for several admit-server processes sharing one
// database. How servers stay consistent:
//  - A batch (begin_batch .. commit_batch) holds a transaction-level advisory
//    lock, so batches of all servers run one after another. Each server reads
//    the records others committed (seq above the last it knows) right after
//    taking the lock, then decides on the whole log: one person is never
//    admitted into two halls at once, and a hall's capacity holds across all
//    servers. The lock is coarse on purpose: every entry touches a hall's
//    capacity, an event has a handful of halls, and group commit makes one
//    batch of many scans cost about one commit.
//  - seqs are assigned under that lock (max + 1, ...), so seq order is commit
//    order across servers and "after the last seq I know" never skips a record.
//  - scan ids are unique in the table: a kiosk that fails over to another
//    server replays its outbox and gets the first verdict back.
//  - Commits NOTIFY admit_log; change_listener LISTENs, so every dashboard
//    follows all servers' scans.
//  - A lost connection is made again by the next call outside a batch: with
//    a multi-host URL and target_session_attrs=read-write, to whichever host
//    accepts writes now (a promoted standby). A log that lost a record this
//    store saw committed (an asynchronous standby promoted without it)
//    changes log_generation(), so the engine rebuilds from what is there.
// Appends of a batch are kept here and sent with one COPY at commit (a round
// trip per scan would cap throughput); any other call inside a batch sends
// them first, so reads always see the whole batch.
// Thread safety: one thread at a time, like PGconn.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/pg_connection.hpp"
#include "store/scan_store.hpp"

namespace admit::store {

class pg_store final : public scan_store {
public:
    pg_store(const std::string& url, open_mode mode);

    void begin_batch() override;
    std::int64_t append(const core::scan_record& record) override;
    void commit_batch() override;
    void rollback_batch() override;

    std::optional<core::scan_record> find_scan(std::string_view scan_id) override;
    std::vector<core::scan_record> find_scans(const std::vector<std::string>& scan_ids) override;

    void for_each_scan(
        const std::function<void(const core::scan_record&)>& visit,
        std::int64_t after_seq,
        record_detail detail
    ) override;
    std::vector<core::scan_record> scans_with_seqs(const std::vector<std::int64_t>& seqs) override;
    std::int64_t scan_count() override;
    std::int64_t last_seq() override;

    bool annul(std::string_view scan_id, const audit_entry& why) override;
    std::int64_t log_generation() override;

    std::vector<core::attendee> load_roster() override;
    void upsert_attendees(const std::vector<core::attendee>& people) override;
    std::int64_t roster_generation() override;

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
    void refuse_if_read_only(const char* operation) const;
    void reconnect_if_lost();
    void open_exclusive_transaction(const char* operation);
    void send_pending(const char* operation);
    void end_transaction_quietly();
    std::int64_t notice_log_end(const pg::result& r, int column);
    void remember_seen(std::int64_t seq, std::string_view scan_id);
    std::int64_t meta_counter(const char* operation, const char* key);
    void bump_meta_counter(const char* operation, const char* key);
    template <class Work>
    auto in_write_transaction(const char* operation, Work&& work);

    open_mode mode_;
    pg::connection db_;
    bool in_batch_ = false;
    std::int64_t next_seq_ = 0;
    std::vector<core::scan_record> pending_;              // appended, not yet sent
    std::unordered_map<std::string, std::size_t> pending_ids_;  // scan id -> index in pending_
    bool batch_appended_ = false;
    // Read with the batch's lock (one round trip); valid until the batch ends
    // or it changes them itself.
    bool generations_known_ = false;
    std::int64_t batch_log_generation_ = 0;
    std::int64_t batch_roster_generation_ = 0;
    std::int64_t batch_last_seq_ = 0;  // the batch's last append, as stored
    std::string batch_last_scan_id_;
    // The last record this store knows was committed, and how often the
    // database's log has since lost it (a promoted asynchronous standby that
    // lacked commits): each such rewind changes log_generation(), so the
    // engine recomputes occupancy from what the database holds.
    std::int64_t seen_seq_ = 0;
    std::string seen_scan_id_;
    std::int64_t log_rewinds_ = 0;
};

// Brings the database up to the current PostgreSQL schema (one transaction,
// under an advisory lock, so servers starting together migrate once), or for
// a read-only store checks it is current. Throws store_error.
void migrate_postgres(pg::connection& db, open_mode mode);
int postgres_schema_version();

// LISTEN admit_log on a connection of its own.
std::unique_ptr<change_listener> open_postgres_listener(const std::string& url);

}  // namespace admit::store
