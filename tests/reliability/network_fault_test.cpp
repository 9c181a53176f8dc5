// Network faults between real kiosks (admit-scanner) and the real server,
// through tests/support/fault_proxy: connections dropped, a slow link,
// frames cut in half, half-open connections, a server that cannot be
// reached. The kiosks are never restarted: they must recover by themselves,
// and in the end every scan they showed is in the log exactly once.
#include <gtest/gtest.h>
#include <signal.h>

#include <fmt/format.h>

#include "reliability/reliability_support.hpp"
#include "support/fault_proxy.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

using namespace std::chrono_literals;

bool is_type(const boost::json::object& e, std::string_view type) {
    const auto* t = e.if_contains("type");
    return t && t->is_string() && t->as_string() == type;
}

bool is_online(const boost::json::object& e) {
    return is_type(e, "link") && e.at("state") == "online";
}

class NetworkFaultTest : public ::testing::Test {
protected:
    NetworkFaultTest() : server_(reliability_event_toml(), reliability_roster()) {}

    void SetUp() override {
        ::signal(SIGPIPE, SIG_IGN);
        server_.start();
        proxy_.set_target(server_.port());
        for (const auto& [station, direction] :
             {std::pair{"arena-k1", "entry"}, std::pair{"arena-k2", "exit"}}) {
            kiosks_.push_back(std::make_unique<kiosk_process>(
                kiosk_args(proxy_.port(), station, state_.path() / station, direction)
            ));
            ASSERT_FALSE(kiosks_.back()->wait_for(is_online, 15s).empty())
                << kiosks_.back()->transcript();
        }
    }
    void TearDown() override {
        if (HasFailure()) {
            std::cerr << "--- server log ---\n" << server_.log();
            for (const auto& k : kiosks_) std::cerr << "--- kiosk ---\n" << k->transcript();
        }
    }

    // A few badges at every kiosk; returns once each kiosk showed a verdict
    // for each (from the server, or decided offline when the link is down).
    void scan_some(int count) {
        for (int i = 0; i < count; ++i) {
            for (auto& k : kiosks_) k->send_line(server_.badge(attendee_id(next_++ % 300)));
        }
        for (auto& k : kiosks_) {
            for (int i = 0; i < count; ++i) ASSERT_FALSE(k->next_scan(15s).empty()) << k->transcript();
        }
        fed_ += count;
    }

    // Every kiosk is online again after event index `from` and its outbox is empty.
    // (from empty: the fault need not break the link, only the outbox must empty.)
    void expect_recovered(const std::vector<std::size_t>& from, const char* fault) {
        for (std::size_t i = 0; i < from.size(); ++i) {
            EXPECT_FALSE(kiosks_[i]->wait_for(is_online, 20s, from[i]).empty())
                << fault << ": kiosk " << i << " did not reconnect by itself";
        }
        for (const auto* station : {"arena-k1", "arena-k2"}) {
            EXPECT_TRUE(eventually([&] { return outbox_backlog(state_.path() / station) == 0; }, 30s))
                << fault << ": " << station << " still holds " << outbox_backlog(state_.path() / station);
        }
    }

    std::vector<std::size_t> marks() const {
        std::vector<std::size_t> m;
        for (const auto& k : kiosks_) m.push_back(k->event_count());
        return m;
    }

    server_process server_;
    fault_proxy proxy_;
    temp_dir state_;
    std::vector<std::unique_ptr<kiosk_process>> kiosks_;
    int next_ = 0;
    int fed_ = 0;
};

TEST_F(NetworkFaultTest, KiosksRecoverFromEveryFaultAndNothingIsLostOrDoubled) {
    scan_some(5);

    // 1. Every connection dropped at once.
    auto from = marks();
    proxy_.drop_all();
    scan_some(5);
    expect_recovered(from, "drop");

    // 2. A slow link: every chunk held 300 ms (under the kiosks' 1 s answer timeout).
    proxy_.set_delay(300ms);
    scan_some(3);
    proxy_.set_delay(0ms);
    expect_recovered({}, "delay");

    // 3. Frames cut in half, several times (a verdict or a scan on its way).
    // One cut breaks one connection: whichever kiosk's chunk came first.
    for (int round = 0; round < 4; ++round) {
        from = marks();
        const auto faults = proxy_.faults();
        proxy_.cut_mid_frame();
        scan_some(3);
        EXPECT_TRUE(eventually([&] { return proxy_.faults() > faults; }, 10s));
        EXPECT_TRUE(eventually(
            [&] {
                for (std::size_t i = 0; i < kiosks_.size(); ++i)
                    if (!kiosks_[i]->wait_for(is_online, 0ms, from[i]).empty()) return true;
                return false;
            },
            20s
        )) << "cut mid-frame: the kiosk whose frame was cut did not reconnect";
        expect_recovered({}, "cut mid-frame");
    }

    // 4. Half-open: the connections stop forwarding but stay open.
    from = marks();
    proxy_.half_open_all();
    scan_some(4);
    expect_recovered(from, "half-open");

    // 5. The server cannot be reached for a while, then can.
    from = marks();
    proxy_.set_refusing(true);
    proxy_.drop_all();
    scan_some(6);
    for (const auto* station : {"arena-k1", "arena-k2"})
        EXPECT_GT(outbox_backlog(state_.path() / station), 0u) << "scans kept while unreachable";
    proxy_.set_refusing(false);
    expect_recovered(from, "unreachable");

    for (auto& k : kiosks_) {
        k->close_stdin();
        EXPECT_EQ(k->wait_exit(20s), 0) << k->transcript();
    }

    const auto audit = audit_log(server_.data_dir());
    std::set<std::string> shown;
    for (const auto& k : kiosks_) {
        const auto ids = kiosk_scan_ids(*k);
        shown.insert(ids.begin(), ids.end());
    }
    EXPECT_EQ(shown.size(), static_cast<std::size_t>(fed_) * kiosks_.size());
    for (const auto& id : shown) EXPECT_EQ(audit.times_of.count(id), 1u) << id << " not in the log";
    for (const auto& [id, times] : audit.times_of) EXPECT_EQ(times, 1) << id;
    EXPECT_EQ(static_cast<std::size_t>(audit.records), shown.size());
    const auto served = served_occupancy(server_.port());
    for (const auto& [hall, inside] : audit.inside) EXPECT_EQ(served.at(hall), inside) << hall;
    std::cout << fmt::format(
        "network faults: {} carried out, {} connections through the proxy, {} scans checked\n",
        proxy_.faults(), proxy_.connections(), shown.size()
    );
    EXPECT_GE(proxy_.faults(), 6u);
}

}  // namespace
}  // namespace admit::test
