#pragma once
// The fixture of the server integration tests: the real admit-server binary
// on the small test event, with helpers to connect stations, scan, and read
// the API.

#include <gtest/gtest.h>

#include <iostream>
#include <memory>

#include <boost/json.hpp>

#include "client/station_client.hpp"
#include "support/http_get.hpp"
#include "support/server_process.hpp"
#include "support/test_events.hpp"

namespace admit::test {

using namespace std::chrono_literals;
namespace json = boost::json;

inline wire::StationMessage scan_message(const std::string& scan_id, const std::string& payload, wire::Direction dir) {
    wire::StationMessage m;
    auto* s = m.mutable_scan();
    s->set_scan_id(scan_id);
    s->set_payload(payload);
    s->set_direction(dir);
    return m;
}

class ServerTest : public ::testing::Test {
protected:
    ServerTest() : server_(small_event_toml(), small_roster()) {}
    void SetUp() override { server_.start(); }
    void TearDown() override {
        if (HasFailure()) std::cerr << "--- server log ---\n" << server_.log();
    }

    std::unique_ptr<client::station_client> station(const std::string& id) {
        auto c = std::make_unique<client::station_client>();
        c->connect("127.0.0.1", server_.port());
        c->hello(id, id + "-token");
        return c;
    }

    static wire::Verdict verdict_of(client::station_client& c) {
        const auto reply = c.receive(5s);
        EXPECT_TRUE(reply.has_value()) << "no verdict: " << c.close_reason();
        if (!reply) return {};
        EXPECT_TRUE(reply->has_verdict()) << reply->DebugString();
        return reply->verdict();
    }

    wire::Verdict scan(
        client::station_client& c,
        const std::string& scan_id,
        const std::string& payload,
        wire::Direction dir = wire::ENTRY
    ) {
        c.send(scan_message(scan_id, payload, dir));
        return verdict_of(c);
    }

    json::value get_json(const std::string& path, const std::string& token = "viewer-token") {
        const auto r = http_get(server_.port(), path, token);
        EXPECT_EQ(r.status, 200) << path << ": " << r.body;
        return json::parse(r.body);
    }

    int inside(const std::string& hall) {
        const auto occupancy = get_json("/api/occupancy");
        for (const auto& h : occupancy.at("halls").as_array())
            if (h.at("id").as_string() == hall) return static_cast<int>(h.at("inside").as_int64());
        return -1;
    }

    server_process server_;
};

}  // namespace admit::test
