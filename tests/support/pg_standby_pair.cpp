#include "support/pg_standby_pair.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>

namespace admit::test {
namespace {

std::string script() {
    return std::string(ADMIT_SOURCE_DIR) + "/tests/support/test-postgres-standby.sh";
}

std::map<std::string, std::string> read_state(const std::filesystem::path& file) {
    std::map<std::string, std::string> state;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (const auto eq = line.find('='); eq != std::string::npos)
            state[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return state;
}

}  // namespace

pg_standby_pair::pg_standby_pair() {
    static std::atomic<int> counter{0};
    state_file_ = std::filesystem::temp_directory_path() /
                  ("admit-test-pg-standby-" + std::to_string(getpid()) + "-" +
                   std::to_string(counter++) + ".state");
}

pg_standby_pair::~pg_standby_pair() {
    run("stop");
}

bool pg_standby_pair::run(const char* command) {
    const auto line = "bash '" + script() + "' " + command + " '" + state_file_.string() + "'";
    return std::system(line.c_str()) == 0;
}

bool pg_standby_pair::start(std::string& why_not) {
    if (!run("start")) {
        ADD_FAILURE() << "test-postgres-standby.sh start failed; see its output above";
        why_not = "the primary and standby did not start";
        return false;
    }
    auto state = read_state(state_file_);
    if (const auto skip = state.find("skip"); skip != state.end()) {
        why_not = "standby test skipped: " + skip->second;
        return false;
    }
    url_ = state["url"];
    standby_port_ = static_cast<unsigned short>(std::stoi(state["standby_port"]));
    return true;
}

std::string pg_standby_pair::standby_url() const {
    return "postgresql://admit@127.0.0.1:" + std::to_string(standby_port_) + "/event";
}

void pg_standby_pair::kill_primary() {
    if (!run("kill-primary"))
        ADD_FAILURE() << "could not stop the primary (test-postgres-standby.sh kill-primary)";
}

void pg_standby_pair::promote() {
    if (!run("promote"))
        ADD_FAILURE() << "could not promote the standby (test-postgres-standby.sh promote)";
}

void pg_standby_pair::detach_standby() {
    if (!run("detach-standby"))
        ADD_FAILURE() << "could not detach the standby (test-postgres-standby.sh)";
}

void pg_standby_pair::start_standby() {
    if (!run("start-standby"))
        ADD_FAILURE() << "could not start the standby again (test-postgres-standby.sh)";
}

}  // namespace admit::test
