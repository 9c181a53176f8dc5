// Online backup while stations scan, and restore: what an operator would
// check. The backup is taken by the real `admit backup` while load clients
// keep scanning; it is restored with `admit restore` into another data
// directory, and a server started there has every scan acknowledged before
// the backup began, and occupancy equal to a recomputation from its log.
#include <gtest/gtest.h>
#include <signal.h>

#include <fmt/format.h>

#include "config/key_files.hpp"
#include "reliability/reliability_support.hpp"
#include "store/scan_store.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

using namespace std::chrono_literals;

TEST(BackupTest, BackupWhileScanningRestoresEverythingCommittedBeforeIt) {
    ::signal(SIGPIPE, SIG_IGN);
    server_process server(reliability_event_toml(), reliability_roster());
    server.start();
    std::atomic<unsigned short> port{server.port()};
    std::vector<std::unique_ptr<load_client>> clients;
    for (std::uint32_t i = 0; i < 2; ++i) {
        clients.push_back(
            std::make_unique<load_client>(server, fmt::format("arena-{}", i + 1), port, 77 + i)
        );
        clients.back()->start();
    }
    auto total_acked = [&] {
        std::size_t n = 0;
        for (const auto& c : clients) n += c->acknowledged_count();
        return n;
    };
    ASSERT_TRUE(eventually([&] { return total_acked() >= 300; }, 30s)) << server.log();

    // Everything acknowledged now was committed before the backup begins.
    std::vector<std::string> before;
    for (const auto& c : clients)
        for (auto& id : c->acknowledged()) before.push_back(std::move(id));
    temp_dir backups;
    const auto file = backups.path() / "admit-backup.db";
    const auto backup = run_program(
        {program("admit").string(), "backup", "--data", server.data_dir().string(), "--out",
         file.string()}
    );
    ASSERT_EQ(backup.code, 0) << backup.output;
    EXPECT_NE(backup.output.find("backed up"), std::string::npos) << backup.output;
    EXPECT_FALSE(std::filesystem::exists(file.string() + ".partial"));
    // The server kept acknowledging scans after the copy.
    const auto after_backup = total_acked();
    EXPECT_TRUE(eventually([&] { return total_acked() >= after_backup + 50; }, 20s));
    for (auto& c : clients) c->stop_scanning();
    EXPECT_TRUE(eventually(
        [&] {
            for (const auto& c : clients)
                if (c->pending_count() != 0) return false;
            return true;
        },
        20s
    ));
    for (auto& c : clients) c->quit();

    // Restoring over the running server's store is refused.
    const auto refused = run_program(
        {program("admit").string(), "restore", "--backup", file.string(), "--data",
         server.data_dir().string(), "--force"}
    );
    EXPECT_EQ(refused.code, 1) << refused.output;
    EXPECT_NE(refused.output.find("stop the server"), std::string::npos) << refused.output;

    // A second installation (its own keys and roster) gets the backup.
    server_process restored(reliability_event_toml(), reliability_roster());
    const auto needs_force = run_program(
        {program("admit").string(), "restore", "--backup", file.string(), "--data",
         restored.data_dir().string()}
    );
    EXPECT_EQ(needs_force.code, 1) << needs_force.output;
    EXPECT_NE(needs_force.output.find("--force"), std::string::npos) << needs_force.output;
    const auto restore = run_program(
        {program("admit").string(), "restore", "--backup", file.string(), "--data",
         restored.data_dir().string(), "--force"}
    );
    ASSERT_EQ(restore.code, 0) << restore.output;
    EXPECT_NE(restore.output.find("restored"), std::string::npos) << restore.output;

    // The event's badge keys go back with its log (OPERATIONS section 5): a
    // server with other keys refuses to start on it.
    EXPECT_THROW(restored.start(), std::runtime_error);
    config::write_badge_keys(restored.data_dir(), server.keys(), true);
    restored.start();
    const auto audit = audit_log(restored.data_dir());
    int missing = 0;
    for (const auto& id : before) {
        if (!audit.times_of.contains(id) && ++missing <= 10)
            ADD_FAILURE() << "acknowledged before the backup but not in it: " << id;
    }
    EXPECT_EQ(missing, 0);
    for (const auto& [id, times] : audit.times_of) EXPECT_EQ(times, 1) << id;
    const auto live = audit_log(server.data_dir());
    EXPECT_LE(audit.records, live.records);
    const auto served = served_occupancy(restored.port());
    ASSERT_FALSE(served.empty());
    for (const auto& [hall, inside] : audit.inside) EXPECT_EQ(served.at(hall), inside) << hall;
    std::cout << fmt::format(
        "backup holds {} scans ({} acknowledged before it began; the live log has {} now)\n",
        audit.records, before.size(), live.records
    );
    server.stop_graceful();
    restored.stop_graceful();
}

TEST(BackupTest, RestoreRefusesAFileThatIsNotABackup) {
    temp_dir dir;
    const auto junk = dir.write("junk.db", "this is not a database at all");
    const auto r = run_program(
        {program("admit").string(), "restore", "--backup", junk.string(), "--data",
         (dir.path() / "data").string()}
    );
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "data" / "admit.db"));
}

}  // namespace
}  // namespace admit::test
