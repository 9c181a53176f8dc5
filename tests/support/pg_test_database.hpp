#pragma once
// A fresh, empty PostgreSQL database for one test, on the throwaway server
// that tests/support/test-postgres.sh runs: the ctest fixture "postgres"
// starts one for the whole run (ADMIT_TEST_PG_STATE names its state file);
// a test binary run by hand starts its own on first use and stops it at exit.
// Where no PostgreSQL server is installed, tests skip and say why:
//
//     ADMIT_POSTGRES_OR_SKIP(url);   // std::string url = "postgresql://..."
//
// Thread safety: call from the test's thread.

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace admit::test {

// The URL of a new database, or std::nullopt with `why_not` filled in.
std::optional<std::string> fresh_postgres_database(std::string& why_not);

// The URL of the server's maintenance database (for tests that act on the server itself).
std::optional<std::string> postgres_server_url(std::string& why_not);

}  // namespace admit::test

#define ADMIT_POSTGRES_OR_SKIP(url)                                            \
    std::string url;                                                           \
    {                                                                          \
        std::string admit_pg_why_not;                                          \
        auto admit_pg_url = ::admit::test::fresh_postgres_database(admit_pg_why_not); \
        if (!admit_pg_url) GTEST_SKIP() << admit_pg_why_not;                   \
        url = *admit_pg_url;                                                   \
    }
