#include "reliability/reliability_support.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <optional>

#include "client/station_client.hpp"
#include "core/presence.hpp"
#include "kiosk/outbox.hpp"
#include "store/scan_store.hpp"
#include "support/http_get.hpp"

namespace admit::test {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string attendee_id(int i) { return fmt::format("a-{:03}", i); }

std::vector<core::attendee> reliability_roster() {
    std::vector<core::attendee> people;
    for (int i = 0; i < 300; ++i) {
        core::attendee a;
        a.id = attendee_id(i);
        a.name = fmt::format("Attendee {}", i);
        a.category = "delegate";
        people.push_back(std::move(a));
    }
    return people;
}

load_client::load_client(
    const server_process& server,
    std::string station,
    const std::atomic<unsigned short>& port,
    std::uint32_t seed
)
    : server_(server), station_(std::move(station)), port_(port), random_(seed) {}

load_client::~load_client() { quit(); }

void load_client::start() { thread_ = std::thread([this] { run(); }); }

void load_client::quit() {
    quit_ = true;
    if (thread_.joinable()) thread_.join();
}

std::size_t load_client::acknowledged_count() const {
    std::lock_guard lock(mutex_);
    return acknowledged_.size();
}

std::size_t load_client::pending_count() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
}

std::vector<std::string> load_client::acknowledged() const {
    std::lock_guard lock(mutex_);
    return {acknowledged_.begin(), acknowledged_.end()};
}

namespace {

void pause_ms(long ms) {
    struct timespec ts{0, ms * 1'000'000};
    nanosleep(&ts, nullptr);
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()
    )
        .count();
}

}  // namespace

void load_client::run() {
    std::unique_ptr<client::station_client> client;
    // Each connection: hello, resend everything pending, then scan one
    // request at a time. Every receive has a deadline; a silent server for
    // two seconds counts as a dead connection.
    auto since_answer = std::chrono::steady_clock::now();
    while (!quit_) {
        if (!client || !client->is_open()) {
            client.reset();
            const auto port = port_.load();
            try {
                auto c = std::make_unique<client::station_client>();
                c->connect("127.0.0.1", port, "/ws/station", 1s);
                c->hello(station_, station_ + "-token", 2s);
                wire::StationMessage again;
                {
                    std::lock_guard lock(mutex_);
                    for (const auto& [id, bytes] : pending_)
                        again.mutable_batch()->add_scans()->ParseFromString(bytes);
                }
                if (again.batch().scans_size() > 0) c->send(again);
                client = std::move(c);
                ++reconnects_;
                since_answer = std::chrono::steady_clock::now();
            } catch (const std::exception&) {
                pause_ms(50);  // the server is restarting: try again soon
                continue;
            }
        }
        try {
            bool waiting = false;
            {
                std::lock_guard lock(mutex_);
                waiting = !pending_.empty();
            }
            if (!waiting && scanning_) {
                const int count = random_() % 10 == 0 ? 5 : 1;
                wire::StationMessage m;
                std::vector<wire::Scan> made;
                for (int i = 0; i < count; ++i) {
                    wire::Scan s;
                    s.set_scan_id(fmt::format("{}-load-{}", station_, counter_++));
                    s.set_station_id(station_);
                    // Now and then something that is not a badge: stored as a refusal too.
                    s.set_payload(
                        random_() % 50 == 0
                            ? std::string("not-a-badge")
                            : server_.badge(attendee_id(static_cast<int>(random_() % 300)))
                    );
                    s.set_direction(random_() % 2 == 0 ? wire::ENTRY : wire::EXIT);
                    s.set_device_time_ms(now_ms());
                    made.push_back(s);
                }
                {
                    std::lock_guard lock(mutex_);
                    for (const auto& s : made) pending_[s.scan_id()] = s.SerializeAsString();
                }
                if (count == 1) {
                    *m.mutable_scan() = made.front();
                } else {
                    for (const auto& s : made) *m.mutable_batch()->add_scans() = s;
                }
                client->send(m);
                since_answer = std::chrono::steady_clock::now();
            } else if (!waiting) {
                // Nothing to do until quit.
                pause_ms(20);
                continue;
            }
            const auto reply = client->receive(200ms);
            if (!reply) {
                if (std::chrono::steady_clock::now() - since_answer > 2s) client.reset();
                continue;
            }
            since_answer = std::chrono::steady_clock::now();
            std::vector<std::string> verdicts;
            if (reply->has_verdict()) verdicts.push_back(reply->verdict().scan_id());
            if (reply->has_verdicts())
                for (const auto& v : reply->verdicts().verdicts()) verdicts.push_back(v.scan_id());
            {
                std::lock_guard lock(mutex_);
                for (const auto& id : verdicts) {
                    pending_.erase(id);
                    acknowledged_.insert(id);
                }
            }
            if (reply->has_error()) {
                if (reply->error().code() == wire::Error::STORAGE_UNAVAILABLE) ++storage_errors_;
                // Keep the scans; a new connection sends them again.
                pause_ms(100);
                client.reset();
            }
        } catch (const std::exception&) {
            client.reset();
        }
    }
}

log_audit audit_log(const std::filesystem::path& data_dir) {
    log_audit a;
    auto log = store::open_sqlite_store(data_dir, store::open_mode::read_only);
    core::presence presence;
    // As the engine's rebuild: movements of the records not annulled, in seq order.
    log->for_each_scan([&](const core::scan_record& r) {
        ++a.records;
        ++a.times_of[r.scan_id];
        if (r.annulled) return;
        if (r.moved) presence.apply(*r.moved);
    });
    a.scan_count = log->scan_count();
    for (const auto* hall : {"main", "side", "arena"}) a.inside[hall] = presence.inside(hall);
    return a;
}

std::map<std::string, int> served_occupancy(unsigned short port) {
    std::map<std::string, int> inside;
    const auto r = http_get(port, "/api/occupancy", "viewer-token");
    if (r.status != 200) return inside;
    const auto body = json::parse(r.body);
    for (const auto& h : body.at("halls").as_array())
        inside[std::string(h.at("id").as_string())] = static_cast<int>(h.at("inside").as_int64());
    return inside;
}

std::set<std::string> kiosk_scan_ids(const kiosk_process& kiosk) {
    std::set<std::string> ids;
    for (const auto& e : kiosk.events()) {
        const auto* type = e.if_contains("type");
        if (!type || !type->is_string()) continue;
        if (type->as_string() != "scan" && type->as_string() != "synced") continue;
        if (const auto* id = e.if_contains("scan_id"); id && id->is_string())
            ids.insert(std::string(id->as_string()));
    }
    return ids;
}

std::size_t outbox_backlog(const std::filesystem::path& state_dir) {
    if (!std::filesystem::exists(state_dir / "outbox.db")) return 0;
    return scanner::outbox::open_read_only(state_dir)->backlog();
}

std::vector<std::string> kiosk_args(
    unsigned short port,
    const std::string& station,
    const std::filesystem::path& state_dir,
    const std::string& direction
) {
    return {"--server",    fmt::format("127.0.0.1:{}", port),
            "--station",   station,
            "--token",     station + "-token",
            "--state",     state_dir.string(),
            "--direction", direction,
            "--repeat-window", "0s",
            "--answer-timeout", "1000",
            "--keyboard",  "--json"};
}

program_result run_program(std::vector<std::string> args, std::chrono::milliseconds timeout) {
    program_result result;
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return result;
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out[1], 1);
        ::dup2(out[1], 2);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    ::fcntl(out[0], F_SETFL, O_NONBLOCK);
    int status = 0;
    bool ended = false;
    auto drain = [&] {
        char buf[4096];
        ssize_t n;
        while ((n = ::read(out[0], buf, sizeof buf)) > 0) result.output.append(buf, static_cast<std::size_t>(n));
    };
    eventually(
        [&] {
            drain();
            ended = ::waitpid(pid, &status, WNOHANG) == pid;
            return ended;
        },
        timeout
    );
    if (!ended) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        result.code = -1;
    } else {
        result.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    drain();
    ::close(out[0]);
    return result;
}

int server_pid(const std::filesystem::path& data_dir) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        const auto cmdline = read_file(entry.path() / "cmdline");
        // argv is NUL-separated: look for the program and the exact --data argument.
        const std::string data_arg = std::string("--data") + '\0' + data_dir.string() + '\0';
        if (cmdline.find("admit-server") != std::string::npos &&
            cmdline.find(data_arg) != std::string::npos)
            return std::stoi(name);
    }
    return 0;
}

}  // namespace admit::test
