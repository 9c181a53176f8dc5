// HTTPS/WSS: the server with a certificate from deploy/scripts/make-certs.sh,
// kiosks that verify it, and clients that must fail when they cannot.
#include <gtest/gtest.h>

#include <cstdlib>

#include "net/server_fixture.hpp"
#include "support/test_events.hpp"

namespace admit::test {
namespace {

// Certificates for localhost/127.0.0.1 from the project's own script.
class certificates {
public:
    explicit certificates(const std::filesystem::path& dir) : dir_(dir) {
        const auto cmd = std::string(ADMIT_SOURCE_DIR) + "/deploy/scripts/make-certs.sh " + dir.string() +
                         " localhost 127.0.0.1 > /dev/null";
        ok_ = std::system(cmd.c_str()) == 0;
    }
    bool ok() const { return ok_; }
    std::string ca() const { return (dir_ / "ca.crt").string(); }
    std::string cert() const { return (dir_ / "server.crt").string(); }
    std::string key() const { return (dir_ / "server.key").string(); }

private:
    std::filesystem::path dir_;
    bool ok_ = false;
};

class TlsTest : public ::testing::Test {
protected:
    TlsTest()
        : certs_(dir_.path() / "site"),
          other_(dir_.path() / "other-site"),
          server_(small_event_toml({}, tls_server_toml(certs_.cert(), certs_.key())),
                  small_roster()) {}
    void SetUp() override {
        ASSERT_TRUE(certs_.ok() && other_.ok()) << "make-certs.sh failed (is openssl installed?)";
        server_.start();
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << "--- server log ---\n" << server_.log();
    }

    temp_dir dir_;
    certificates certs_;
    certificates other_;
    server_process server_;
};

TEST_F(TlsTest, KioskVerifiesTheServerAndScansOverWss) {
    client::station_client c;
    c.connect(
        "127.0.0.1", server_.port(), "/ws/station", 5s, client::tls_options{true, certs_.ca()}
    );
    c.hello("main-in", "main-in-token");
    c.send(scan_message("tls-1", server_.badge("d-001"), wire::ENTRY));
    const auto reply = c.receive(5s);
    ASSERT_TRUE(reply && reply->has_verdict()) << c.close_reason();
    EXPECT_TRUE(reply->verdict().admitted());
}

TEST_F(TlsTest, DashboardFollowsAScanOverWss) {
    client::station_client live;
    live.connect(
        "127.0.0.1", server_.port(), "/ws/live?token=viewer-token", 5s,
        client::tls_options{true, certs_.ca()}
    );
    const auto first = live.receive_raw(5s);
    ASSERT_TRUE(first) << live.close_reason();
    EXPECT_NE(first->find("\"type\":\"state\""), std::string::npos) << *first;
    client::station_client kiosk;
    kiosk.connect(
        "127.0.0.1", server_.port(), "/ws/station", 5s, client::tls_options{true, certs_.ca()}
    );
    kiosk.hello("main-in", "main-in-token");
    kiosk.send(scan_message("tls-live-1", server_.badge("d-001"), wire::ENTRY));
    ASSERT_TRUE(kiosk.receive(5s));
    // Frames until one shows main with one person inside.
    bool seen = false;
    while (!seen) {
        const auto frame = live.receive_raw(5s);
        ASSERT_TRUE(frame) << "no live frame showed the scan: " << live.close_reason();
        const auto v = json::parse(*frame);
        if (const auto* occupancy = v.as_object().if_contains("occupancy"))
            for (const auto& h : occupancy->at("halls").as_array())
                seen = seen || (h.at("id").as_string() == "main" && h.at("inside").as_int64() == 1);
    }
}

TEST_F(TlsTest, ServerSignedByAnotherCaIsRefused) {
    client::station_client c;
    try {
        c.connect(
            "127.0.0.1", server_.port(), "/ws/station", 5s, client::tls_options{true, other_.ca()}
        );
        FAIL() << "connected to a server whose certificate the kiosk's CA did not sign";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("certificate verify failed"), std::string::npos) << e.what();
    }
}

TEST_F(TlsTest, CertificateMustNameTheHost) {
    client::station_client c;
    // Signed by the right CA, but not for this name.
    EXPECT_THROW(
        c.connect(
            "127.0.0.2", server_.port(), "/ws/station", 5s, client::tls_options{true, certs_.ca()}
        ),
        std::runtime_error
    );
}

TEST_F(TlsTest, PlainConnectionsGetNoService) {
    client::station_client c;
    EXPECT_THROW(c.connect("127.0.0.1", server_.port(), "/ws/station", 3s), std::runtime_error);
    EXPECT_EQ(http_get(server_.port(), "/healthz").status, 0);
    client::station_client still_fine;
    still_fine.connect(
        "127.0.0.1", server_.port(), "/ws/station", 5s, client::tls_options{true, certs_.ca()}
    );
    EXPECT_NO_THROW(still_fine.hello("side-both", "side-both-token"));
}

TEST_F(TlsTest, HttpsApiAnswersWithTheSameCa) {
    if (std::system("command -v curl > /dev/null") != 0) GTEST_SKIP() << "curl is not installed";
    const auto out = dir_.path() / "healthz.json";
    const auto cmd = "curl -s --max-time 5 --cacert " + certs_.ca() + " -o " + out.string() + " https://127.0.0.1:" +
                     std::to_string(server_.port()) + "/healthz";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    EXPECT_NE(read_file(out).find("\"ok\""), std::string::npos);
}

TEST(TlsStartup, MissingCertificateIsNamedAtStart) {
    server_process server(small_event_toml({}, tls_server_toml("/nonexistent/server.crt", "/nonexistent/server.key")),
                          {});
    EXPECT_THROW(server.start(), std::runtime_error);
    EXPECT_NE(server.log().find("/nonexistent/server.crt"), std::string::npos) << server.log();
}

}  // namespace
}  // namespace admit::test
