#include "support/pg_test_database.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace admit::test {
namespace {

std::map<std::string, std::string> read_state(const std::string& file) {
    std::map<std::string, std::string> state;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (const auto eq = line.find('='); eq != std::string::npos) {
            state[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    return state;
}

std::string script() { return std::string(ADMIT_SOURCE_DIR) + "/tests/support/test-postgres.sh"; }

// This process's own server, when not run under ctest's fixture.
struct own_server {
    std::string state_file;
    bool started = false;

    ~own_server() {
        if (started) std::system(("bash '" + script() + "' stop '" + state_file + "' >/dev/null 2>&1").c_str());
    }
};

// The state of the server to use: ctest's, or one started here once.
std::map<std::string, std::string> server_state() {
    if (const char* file = std::getenv("ADMIT_TEST_PG_STATE"); file && *file) {
        auto state = read_state(file);
        if (!state.empty()) return state;
    }
    static own_server own;
    if (!own.started) {
        own.state_file = (std::filesystem::temp_directory_path() /
                          ("admit-test-pg-" + std::to_string(getpid()) + ".state")).string();
        own.started = true;
        const auto command = "bash '" + script() + "' start '" + own.state_file + "' >/dev/null";
        if (std::system(command.c_str()) != 0) return {{"skip", "test-postgres.sh start failed; see its output above"}};
    }
    return read_state(own.state_file);
}

std::string with_database(const std::string& url, const std::string& db) {
    return url.substr(0, url.rfind('/') + 1) + db;
}

}  // namespace

std::optional<std::string> postgres_server_url(std::string& why_not) {
    const auto state = server_state();
    if (auto skip = state.find("skip"); skip != state.end()) {
        why_not = "PostgreSQL tests skipped: " + skip->second;
        return std::nullopt;
    }
    const auto url = state.find("url");
    if (url == state.end()) {
        why_not = "PostgreSQL test server state has no url (did test-postgres.sh start fail?)";
        return std::nullopt;
    }
    return url->second;
}

std::optional<std::string> fresh_postgres_database(std::string& why_not) {
    const auto server = postgres_server_url(why_not);
    if (!server) return std::nullopt;
    static std::atomic<int> counter{0};
    const std::string db = "t" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    PGconn* conn = PQconnectdb(server->c_str());
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
        error = PQerrorMessage(conn);
    } else {
        PGresult* r = PQexec(conn, ("CREATE DATABASE " + db).c_str());
        if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
        PQclear(r);
    }
    PQfinish(conn);
    if (!error.empty()) {
        // The server is there (or should be): that is a failure, not a skip.
        ADD_FAILURE() << "cannot create test database " << db << " on " << *server << ": " << error;
        why_not = "no test database: " + error;
        return std::nullopt;
    }
    return with_database(*server, db);
}

}  // namespace admit::test
