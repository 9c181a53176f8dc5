#pragma once
// A throwaway PostgreSQL primary with a synchronous streaming standby on
// loopback (tests/support/test-postgres-standby.sh), for tests of a failover:
// kill the primary, promote the standby, see what the servers do. Both
// clusters live in one temp dir, removed (servers stopped) when this ends.
//
//     pg_standby_pair db;
//     std::string why_not;
//     if (!db.start(why_not)) GTEST_SKIP() << why_not;   // no PostgreSQL installed
//     ... --store-url db.url() ...; db.kill_primary(); db.promote();
//
// Thread safety: drive it from the test's thread.

#include <filesystem>
#include <string>

namespace admit::test {

class pg_standby_pair {
public:
    pg_standby_pair();
    ~pg_standby_pair();
    pg_standby_pair(const pg_standby_pair&) = delete;
    pg_standby_pair& operator=(const pg_standby_pair&) = delete;

    // Starts both and waits until the standby is synchronous. False, with
    // why_not, when no PostgreSQL server is installed; a failure to start an
    // installed one is a test failure (and false).
    bool start(std::string& why_not);

    // postgresql://admit@127.0.0.1:P,127.0.0.1:S/event?target_session_attrs=read-write&...
    const std::string& url() const { return url_; }
    // Database "event" on the standby only (the primary once promoted).
    std::string standby_url() const;

    // pg_ctl stop -m immediate on the primary: its sessions end without a goodbye.
    void kill_primary();
    // pg_ctl promote on the standby; returns once it accepts writes.
    void promote();
    // Asynchronous replication, and the standby stopped: what the primary
    // commits from now on is on the primary only (lost if it dies).
    void detach_standby();
    // The stopped standby started again, still a standby until promote().
    void start_standby();

private:
    bool run(const char* command);

    std::filesystem::path state_file_;
    std::string url_;
    unsigned short standby_port_ = 0;
};

}  // namespace admit::test
