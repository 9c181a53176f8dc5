#include "scanner/kiosk/kiosk_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace admit::test {

namespace json = boost::json;

kiosk_process::kiosk_process(std::vector<std::string> args) {
    int in_pipe[2];
    int out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    args.insert(args.begin(), program("admit-scanner").string());
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // A test that crashes must not leave its servers and kiosks running.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    pid_ = pid;
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    stdin_fd_ = in_pipe[1];
    reader_ = std::thread([this, fd = out_pipe[0]] { read_loop(fd); });
}

kiosk_process::~kiosk_process() {
    kill_hard();
    close_stdin();
    if (reader_.joinable()) reader_.join();
}

void kiosk_process::read_loop(int fd) {
    std::string pending;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t eol;
        while ((eol = pending.find('\n')) != std::string::npos) {
            const auto line = pending.substr(0, eol);
            pending.erase(0, eol + 1);
            boost::system::error_code ec;
            auto v = json::parse(line, ec);
            std::lock_guard lock(mutex_);
            transcript_ += line + "\n";
            if (!ec && v.is_object()) events_.push_back(v.as_object());
            changed_.notify_all();
        }
    }
    ::close(fd);
}

void kiosk_process::send_line(const std::string& line) {
    const std::string text = line + "\n";
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(stdin_fd_, text.data() + done, text.size() - done);
        if (n <= 0) throw std::runtime_error("cannot write to admit-scanner's stdin");
        done += static_cast<std::size_t>(n);
    }
}

void kiosk_process::close_stdin() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
}

void kiosk_process::kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

int kiosk_process::wait_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    int status = 0;
    const bool ended =
        eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!ended) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

json::object kiosk_process::wait_for(
    const std::function<bool(const json::object&)>& match,
    std::chrono::milliseconds timeout,
    std::size_t from
) {
    std::unique_lock lock(mutex_);
    std::size_t seen = from;
    json::object found;
    changed_.wait_for(lock, timeout, [&] {
        for (; seen < events_.size(); ++seen) {
            if (match(events_[seen])) {
                found = events_[seen];
                return true;
            }
        }
        return false;
    });
    return found;
}

json::object kiosk_process::next_scan(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    json::object found;
    changed_.wait_for(lock, timeout, [&] {
        std::size_t n = 0;
        for (const auto& e : events_) {
            if (e.at("type") == "scan" && n++ == scans_taken_) {
                found = e;
                return true;
            }
        }
        return false;
    });
    if (!found.empty()) ++scans_taken_;
    return found;
}

std::vector<json::object> kiosk_process::events() const {
    std::lock_guard lock(mutex_);
    return events_;
}

std::size_t kiosk_process::event_count() const {
    std::lock_guard lock(mutex_);
    return events_.size();
}

std::string kiosk_process::transcript() const {
    std::lock_guard lock(mutex_);
    return transcript_;
}

finished_kiosk run_kiosk_to_end(std::vector<std::string> args, std::chrono::milliseconds timeout) {
    const temp_dir dir;
    const auto out_file = dir.path() / "stdout";
    const auto err_file = dir.path() / "stderr";
    args.insert(args.begin(), program("admit-scanner").string());
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // A test that crashes must not leave its servers and kiosks running.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        const int in = ::open("/dev/null", O_RDONLY);
        const int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    finished_kiosk result;
    int status = 0;
    if (eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout)) {
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    } else {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    result.out = read_file(out_file);
    result.err = read_file(err_file);
    return result;
}

}  // namespace admit::test
