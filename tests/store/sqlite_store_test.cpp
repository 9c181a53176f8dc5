// The SQLite store on real files: what the server and the admin tool rely on
// when they write scans, read them back after a restart and import rosters.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <SQLiteCpp/Database.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "store/scan_store.hpp"
#include "store/store_test_data.hpp"
#include "support/temp_dir.hpp"

namespace admit::store {
namespace {

using namespace std::chrono_literals;

using namespace test_data;

class sqlite_store_test : public ::testing::Test {
protected:
    std::unique_ptr<scan_store> open(open_mode mode = open_mode::read_write) {
        return open_sqlite_store(dir_.path(), mode);
    }
    std::string db_file() const { return (dir_.path() / "admit.db").string(); }

    test::temp_dir dir_;
};

TEST_F(sqlite_store_test, creates_a_missing_data_directory) {
    const auto nested = dir_.path() / "events" / "seoul-2023";
    auto store = open_sqlite_store(nested);
    EXPECT_TRUE(std::filesystem::exists(nested / "admit.db"));
    EXPECT_EQ(store->scan_count(), 0);
    EXPECT_EQ(store->last_seq(), 0);
}

TEST_F(sqlite_store_test, read_only_open_of_a_missing_store_creates_nothing) {
    const auto missing = dir_.path() / "no-such-event";
    try {
        open_sqlite_store(missing, open_mode::read_only);
        FAIL() << "opened a store that does not exist";
    } catch (const store_error& e) {
        EXPECT_NE(std::string(e.what()).find((missing / "admit.db").string()), std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(sqlite_store_test, reader_is_not_blocked_by_a_writer_holding_the_lock) {
    auto store = open();
    store->append(plain_scan("s1"));
    // Another process in the middle of a write transaction.
    SQLite::Database other(db_file(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    other.exec("DELETE FROM scans");

    auto reader = open(open_mode::read_only);
    EXPECT_EQ(reader->scan_count(), 1);
    EXPECT_EQ(ids_of(*reader), (std::vector<std::string>{"s1"}));
    other.exec("ROLLBACK");
}

// Limits how large this process may make any file, as a full disk would.
class file_size_limit {
public:
    explicit file_size_limit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &saved_);
        // Exceeding the limit raises SIGXFSZ; ignored, the write fails with EFBIG instead.
        old_handler_ = signal(SIGXFSZ, SIG_IGN);
        rlimit limit = saved_;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    file_size_limit(const file_size_limit&) = delete;
    file_size_limit& operator=(const file_size_limit&) = delete;
    ~file_size_limit() {
        setrlimit(RLIMIT_FSIZE, &saved_);
        signal(SIGXFSZ, old_handler_);
    }

private:
    rlimit saved_{};
    sighandler_t old_handler_{};
};
TEST_F(sqlite_store_test, failed_commit_stores_nothing_and_the_next_batch_succeeds) {
    auto store = open();
    store->append(plain_scan("before"));
    const auto wal = std::filesystem::path(db_file() + "-wal");
    ASSERT_TRUE(std::filesystem::exists(wal));

    store->begin_batch();
    for (int i = 0; i < 50; ++i) {
        auto r = plain_scan("big-" + std::to_string(i));
        r.payload = std::string(4000, 'x');
        store->append(r);
    }
    {
        // The WAL cannot grow: the commit has nowhere to write.
        file_size_limit full(std::filesystem::file_size(wal));
        try {
            store->commit_batch();
            FAIL() << "commit succeeded on a full disk";
        } catch (const store_error& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("cannot commit scans to " + db_file()), std::string::npos) << what;
        }
    }

    EXPECT_FALSE(store->find_scan("big-0").has_value());
    EXPECT_EQ(store->scan_count(), 1);
    // Space is back: the next batch goes through on the same store.
    store->begin_batch();
    store->append(plain_scan("after"));
    store->commit_batch();
    EXPECT_EQ(ids_of(*open(open_mode::read_only)), (std::vector<std::string>{"before", "after"}));
}


}  // namespace
}  // namespace admit::store
