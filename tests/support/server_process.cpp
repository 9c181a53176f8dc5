#include "support/server_process.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "config/key_files.hpp"
#include "store/scan_store.hpp"

namespace admit::test {

std::filesystem::path program(const std::string& name) {
    return std::filesystem::path(ADMIT_BINARY_DIR) / "bin" / name;
}

core::attendee attendee_of(std::string id, std::string name, std::string category) {
    core::attendee a;
    a.id = std::move(id);
    a.name = std::move(name);
    a.category = std::move(category);
    a.organisation = "Seoul Metropolitan Government";
    a.city = "Seoul";
    a.country = "KR";
    return a;
}

std::vector<core::attendee> small_roster() {
    return {
        attendee_of("d-001", "김민준", "delegate"),   attendee_of("d-002", "Ana Souza", "delegate"),
        attendee_of("d-003", "이서연", "delegate"),   attendee_of("d-004", "Tomás Ruiz", "delegate"),
        attendee_of("g-001", "박지호", "guest"),      attendee_of("s-001", "Staff One", "staff"),
    };
}

std::vector<core::attendee> small_roster_with_delegates(const std::string& prefix, const std::string& name,
                                                        int first, int last) {
    auto people = small_roster();
    for (int i = first; i <= last; ++i)
        people.push_back(attendee_of(fmt::format("{}-{:03}", prefix, i), fmt::format("{} {}", name, i), "delegate"));
    return people;
}

server_process::server_process(std::string config_toml, std::vector<core::attendee> roster,
                               std::filesystem::path data_dir)
    : data_dir_(data_dir.empty() ? dir_.path() / "data" : std::move(data_dir)),
      config_file_(dir_.path() / "event.toml"),
      log_file_(dir_.path() / "server.log"),
      keys_(core::badge_keys::generate()),
      roster_(std::move(roster)) {
    std::ofstream(config_file_) << config_toml;
    config::write_badge_keys(data_dir_, keys_, false);
    auto store = store::open_sqlite_store(data_dir_);
    store->upsert_attendees(roster_);
    event_id_ = "test-event";
    const auto id_line = config_toml.find("id = \"");
    if (id_line != std::string::npos) {
        const auto start = id_line + 6;
        event_id_ = config_toml.substr(start, config_toml.find('"', start) - start);
    }
}

server_process::~server_process() {
    if (pid_ > 0) kill_hard();
    // Under -fsanitize builds the server reports into its log and carries on:
    // a report there is a failure of the test that ran it.
    const auto text = log();
    for (const char* marker : {"WARNING: ThreadSanitizer", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                               "runtime error:"}) {
        const auto at = text.find(marker);
        if (at != std::string::npos) {
            ADD_FAILURE() << "admit-server reported \"" << marker << "\":\n" << text.substr(at, 4000);
            break;
        }
    }
}

void server_process::start(std::vector<std::string> extra_args) {
    const auto port_file = dir_.path() / "port";
    std::filesystem::remove(port_file);
    std::vector<std::string> args{program("admit-server").string(), "--config", config_file_.string(),
                                  "--data", data_dir_.string(), "--port", "0",
                                  "--port-file", port_file.string()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // A test that crashes must not leave its servers and kiosks running.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        const int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    pid_ = pid;
    const bool up = eventually(
        [&] {
            std::ifstream in(port_file);
            int p = 0;
            if (in >> p && p > 0) {
                port_ = static_cast<unsigned short>(p);
                return true;
            }
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return true;
            }
            return false;
        },
        std::chrono::seconds(20));
    if (!up || pid_ < 0) {
        throw std::runtime_error("admit-server did not start:\n" + log());
    }
}

int server_process::wait_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    int status = 0;
    const bool ended = eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!ended) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void server_process::stop_graceful() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    if (wait_exit(std::chrono::seconds(15)) < 0) kill_hard();
}

void server_process::kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::string server_process::log() const {
    std::ifstream in(log_file_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string server_process::badge(const std::string& attendee_id, std::uint32_t version) const {
    std::string category = "guest";
    for (const auto& a : roster_)
        if (a.id == attendee_id) category = a.category;
    return core::sign_badge(core::badge_claims{event_id_, attendee_id, category, version}, keys_.secret);
}

}  // namespace admit::test
