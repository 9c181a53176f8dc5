// A full disk: the running server's file size is capped with prlimit at the
// size its WAL has now (admit-server ignores SIGXFSZ, so the writes fail
// instead of killing it). It must stop acknowledging (STORAGE_UNAVAILABLE
// to stations, /healthz 503 "degraded"), kiosks keep their scans in their
// outboxes, and once the limit is lifted everything arrives exactly once.
#include <gtest/gtest.h>
#include <signal.h>

#include <fmt/format.h>

#include "client/station_client.hpp"
#include "reliability/reliability_support.hpp"
#include "support/http_get.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

using namespace std::chrono_literals;

bool is_type(const boost::json::object& e, std::string_view type) {
    const auto* t = e.if_contains("type");
    return t && t->is_string() && t->as_string() == type;
}

TEST(DiskFullTest, ServerStopsAcknowledgingKiosksKeepScansAndAllArriveOnceAfterwards) {
    ::signal(SIGPIPE, SIG_IGN);
    if (!std::filesystem::exists("/usr/bin/prlimit")) GTEST_SKIP() << "prlimit (util-linux) is missing";
    server_process server(reliability_event_toml(), reliability_roster());
    server.start();
    const int pid = server_pid(server.data_dir());
    ASSERT_GT(pid, 0);

    temp_dir state;
    kiosk_process kiosk(kiosk_args(server.port(), "arena-k1", state.path() / "k1", "entry"));
    ASSERT_FALSE(kiosk.wait_for([](const auto& e) { return is_type(e, "ready"); }, 15s).empty())
        << kiosk.transcript();
    std::set<std::string> kiosk_ids;
    for (int i = 0; i < 5; ++i) {
        kiosk.send_line(server.badge(attendee_id(i)));
        const auto s = kiosk.next_scan();
        ASSERT_FALSE(s.empty()) << kiosk.transcript();
        EXPECT_EQ(s.at("source"), "server");
    }

    client::station_client station;
    station.connect("127.0.0.1", server.port());
    station.hello("arena-1", "arena-1-token");
    int counter = 0;
    auto scan = [&](const std::string& id, int who) {
        wire::StationMessage m;
        auto* s = m.mutable_scan();
        s->set_scan_id(id);
        s->set_payload(server.badge(attendee_id(who)));
        s->set_direction(who % 2 == 0 ? wire::ENTRY : wire::EXIT);
        station.send(m);
        return station.receive(10s);
    };
    std::set<std::string> station_acked;
    for (; counter < 20; ++counter) {
        const auto id = fmt::format("df-{}", counter);
        const auto r = scan(id, 100 + counter);
        ASSERT_TRUE(r && r->has_verdict()) << (r ? r->DebugString() : station.close_reason());
        station_acked.insert(id);
    }

    // The disk is full: no file of the server may grow beyond the WAL's size now.
    // Only the soft limit changes ("N:"), so lifting it needs no privilege.
    const auto wal = server.data_dir() / "admit.db-wal";
    ASSERT_TRUE(std::filesystem::exists(wal));
    const auto wal_size = std::filesystem::file_size(wal);
    const auto limit = run_program(
        {"/usr/bin/prlimit", fmt::format("--pid={}", pid), fmt::format("--fsize={}:", wal_size)}, 10s
    );
    ASSERT_EQ(limit.code, 0) << limit.output;

    // Scan until the server refuses to acknowledge (the WAL may still have room
    // for a few frames where it was reused after a checkpoint).
    std::string refused_id;
    int refused_who = 0;
    for (int tries = 0; tries < 5000 && refused_id.empty(); ++tries, ++counter) {
        const auto id = fmt::format("df-{}", counter);
        refused_who = counter % 300;
        const auto r = scan(id, refused_who);
        ASSERT_TRUE(r.has_value()) << station.close_reason();
        if (r->has_error()) {
            EXPECT_EQ(r->error().code(), wire::Error::STORAGE_UNAVAILABLE) << r->DebugString();
            refused_id = id;
        } else {
            ASSERT_TRUE(r->has_verdict());
            station_acked.insert(id);
        }
    }
    ASSERT_FALSE(refused_id.empty()) << "the server acknowledged 5000 scans on a full disk";
    const auto health = http_get(server.port(), "/healthz");
    EXPECT_EQ(health.status, 503);
    EXPECT_NE(health.body.find("degraded"), std::string::npos) << health.body;
    const auto stored_when_full = audit_log(server.data_dir()).records;

    // Kiosk scans now are shown (decided offline) and kept.
    const auto events_before = kiosk.event_count();
    for (int i = 10; i < 16; ++i) kiosk.send_line(server.badge(attendee_id(i)));
    for (int i = 0; i < 6; ++i) ASSERT_FALSE(kiosk.next_scan(15s).empty()) << kiosk.transcript();
    EXPECT_EQ(outbox_backlog(state.path() / "k1"), 6u);
    EXPECT_FALSE(kiosk.wait_for(
                          [](const auto& e) { return is_type(e, "link") && e.at("state") == "offline"; },
                          10s, events_before
    )
                     .empty())
        << kiosk.transcript();
    EXPECT_EQ(audit_log(server.data_dir()).records, stored_when_full);

    // Space again: the refused scan is sent again and the kiosk replays by itself.
    const auto lifted = run_program(
        {"/usr/bin/prlimit", fmt::format("--pid={}", pid), "--fsize=unlimited:"}, 10s
    );
    ASSERT_EQ(lifted.code, 0) << lifted.output;
    std::optional<wire::ServerMessage> again;
    ASSERT_TRUE(eventually(
        [&] {
            try {
                if (!station.is_open()) {
                    station.connect("127.0.0.1", server.port());
                    station.hello("arena-1", "arena-1-token");
                }
                again = scan(refused_id, refused_who);
            } catch (const std::exception&) {
                return false;
            }
            return again && again->has_verdict();
        },
        20s
    ));
    station_acked.insert(refused_id);
    EXPECT_TRUE(eventually([&] { return outbox_backlog(state.path() / "k1") == 0; }, 30s))
        << kiosk.transcript();
    EXPECT_TRUE(eventually([&] { return http_get(server.port(), "/healthz").status == 200; }));
    kiosk.close_stdin();
    EXPECT_EQ(kiosk.wait_exit(20s), 0);

    const auto audit = audit_log(server.data_dir());
    for (const auto& id : station_acked) EXPECT_EQ(audit.times_of.count(id), 1u) << id;
    const auto kiosk_seen = kiosk_scan_ids(kiosk);
    EXPECT_EQ(kiosk_seen.size(), 11u);
    for (const auto& id : kiosk_seen) EXPECT_TRUE(audit.times_of.contains(id)) << id;
    for (const auto& [id, times] : audit.times_of) EXPECT_EQ(times, 1) << id;
    EXPECT_EQ(static_cast<std::size_t>(audit.records), station_acked.size() + kiosk_seen.size());
    const auto served = served_occupancy(server.port());
    for (const auto& [hall, inside] : audit.inside) EXPECT_EQ(served.at(hall), inside) << hall;
    std::cout << fmt::format(
        "disk full after {} scans; {} kiosk scans kept meanwhile; log holds {} scans\n",
        stored_when_full, 6, audit.records
    );
}

}  // namespace
}  // namespace admit::test
