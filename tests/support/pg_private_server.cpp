#include "support/pg_private_server.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace admit::test {
namespace {

std::string script() { return std::string(ADMIT_SOURCE_DIR) + "/tests/support/test-postgres.sh"; }

// Runs a shell command; its output (stdout and stderr) in `out`; true on exit code 0.
bool run(const std::string& command, std::string& out) {
    out.clear();
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (p == nullptr) return false;
    std::array<char, 512> buf{};
    while (std::fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
    return ::pclose(p) == 0;
}

// pg_ctl as test-postgres.sh runs it: the newest installed version, as the postgres user under root.
std::string pg_ctl() {
    return "bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); "
           "if [ \"$(id -u)\" = 0 ]; then as=\"runuser -u postgres --\"; else as=; fi; "
           "$as \"$bindir/pg_ctl\"";
}

}  // namespace

std::optional<pg_private_server> pg_private_server::start_new(std::string& why_not) {
    static int counter = 0;
    pg_private_server s;
    s.state_file_ = (std::filesystem::temp_directory_path() /
                     ("admit-test-pg-private-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
                      ".state"))
                        .string();
    std::string out;
    if (!run("bash '" + script() + "' start '" + s.state_file_ + "'", out)) {
        why_not = "test-postgres.sh start failed: " + out;
        return std::nullopt;
    }
    std::map<std::string, std::string> state;
    std::ifstream in(s.state_file_);
    for (std::string line; std::getline(in, line);) {
        if (const auto eq = line.find('='); eq != std::string::npos) state[line.substr(0, eq)] = line.substr(eq + 1);
    }
    if (state.contains("skip")) {
        why_not = "PostgreSQL tests skipped: " + state["skip"];
        return std::nullopt;
    }
    s.dir_ = state["dir"];
    s.url_ = state["url"];
    const auto colon = s.url_.rfind(':');
    s.port_ = std::atoi(s.url_.substr(colon + 1).c_str());
    if (s.dir_.empty() || s.port_ == 0) {
        why_not = "test-postgres.sh wrote no dir or url to " + s.state_file_;
        return std::nullopt;
    }
    return s;
}

pg_private_server::pg_private_server(pg_private_server&& other) noexcept
    : state_file_(std::move(other.state_file_)),
      dir_(std::move(other.dir_)),
      url_(std::move(other.url_)),
      port_(other.port_),
      databases_(other.databases_) {
    other.state_file_.clear();
}

pg_private_server::~pg_private_server() {
    if (state_file_.empty()) return;
    std::string out;
    run("bash '" + script() + "' stop '" + state_file_ + "'", out);
}

std::string pg_private_server::fresh_database() {
    const std::string db = "outage_" + std::to_string(databases_++);
    PGconn* conn = PQconnectdb(url_.c_str());
    if (PQstatus(conn) == CONNECTION_OK) PQclear(PQexec(conn, ("CREATE DATABASE " + db).c_str()));
    PQfinish(conn);
    return url_.substr(0, url_.rfind('/') + 1) + db;
}

bool pg_private_server::stop(std::string& error) {
    return run(pg_ctl() + " -D '" + dir_ + "/data' -m fast -w stop", error);
}

bool pg_private_server::start(std::string& error) {
    return run(pg_ctl() + " -D '" + dir_ + "/data' -l '" + dir_ + "/server.log' -w -t 30 -o '-p " +
                   std::to_string(port_) + " -k " + dir_ +
                   " -c listen_addresses=127.0.0.1 -c max_connections=200' start",
               error);
}

}  // namespace admit::test
