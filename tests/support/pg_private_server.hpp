#pragma once
// A PostgreSQL server of one test's own, which the test may stop and start
// again (a database outage): tests/support/test-postgres.sh starts it on a
// free loopback port in a temp dir; stop() and start() run pg_ctl on it, on
// the same port, so servers reconnect to the same URL. The shared server of
// the ctest fixture is never stopped by a test.
// Thread safety: the test's thread.

#include <optional>
#include <string>

namespace admit::test {

class pg_private_server {
public:
    // Starts it; `why_not` says why when PostgreSQL is not installed (skip) or did not start.
    static std::optional<pg_private_server> start_new(std::string& why_not);
    ~pg_private_server();
    pg_private_server(pg_private_server&& other) noexcept;
    pg_private_server& operator=(pg_private_server&&) = delete;
    pg_private_server(const pg_private_server&) = delete;
    pg_private_server& operator=(const pg_private_server&) = delete;

    // A libpq URL of a new, empty database on it.
    std::string fresh_database();
    // pg_ctl stop -m fast (connections are cut) / start again on the same port.
    // Both wait until done; false with the output in `error` when pg_ctl failed.
    bool stop(std::string& error);
    bool start(std::string& error);

private:
    pg_private_server() = default;
    std::string state_file_;
    std::string dir_;
    std::string url_;  // of the "postgres" database
    int port_ = 0;
    int databases_ = 0;
};

}  // namespace admit::test
