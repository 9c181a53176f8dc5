// Every protobuf message a station or the server may receive, from any
// bytes: StationMessage (server side: hello, scan, batch, heartbeat) through
// the codec the station session uses, and ServerMessage (kiosk side) through
// the verdict decoder. Nothing may crash; a scan the codec accepts must have
// what the engine relies on.
#include <chrono>
#include <cstdlib>

#include <google/protobuf/stubs/logging.h>

#include "admit/station.pb.h"
#include "fuzz_common.hpp"
#include "protocol/codec.hpp"

using namespace admit;

namespace {

void check_scan(const wire::Scan& s) {
    const auto now = std::chrono::time_point_cast<core::time_point::duration>(
        std::chrono::system_clock::time_point{} + std::chrono::hours(470'000)
    );
    const auto decoded = protocol::scan_from_wire(s, "main-in", now);
    if (decoded.error.empty()) {
        // Accepted: it has a scan id and is the authenticated station's.
        if (decoded.scan.scan_id.empty()) std::abort();
        if (decoded.scan.station_id != "main-in") std::abort();
    }
    if (s.has_shown()) (void)protocol::verdict_from_wire(s.shown());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Invalid UTF-8 in string fields is refused with a log line each: quiet.
    static const bool quiet = [] {
        google::protobuf::SetLogHandler(nullptr);
        return true;
    }();
    (void)quiet;
    wire::StationMessage up;
    if (up.ParseFromArray(data, static_cast<int>(size))) {
        switch (up.body_case()) {
            case wire::StationMessage::kScan:
                check_scan(up.scan());
                break;
            case wire::StationMessage::kBatch:
                for (const auto& s : up.batch().scans()) check_scan(s);
                break;
            case wire::StationMessage::kHello:
            case wire::StationMessage::kHeartbeat:
            case wire::StationMessage::BODY_NOT_SET:
                break;
        }
        // What the server sends back must serialize and parse again.
        std::string bytes;
        if (!up.SerializeToString(&bytes)) std::abort();
    }
    wire::ServerMessage down;
    if (down.ParseFromArray(data, static_cast<int>(size))) {
        if (down.has_verdict()) (void)protocol::verdict_from_wire(down.verdict());
        if (down.has_verdicts())
            for (const auto& v : down.verdicts().verdicts()) (void)protocol::verdict_from_wire(v);
        if (down.has_verdict() || down.has_error() || down.has_hello_ack()) {
            (void)wire::Error::Code_Name(down.error().code());
        }
        (void)protocol::direction_from_wire(static_cast<wire::Direction>(down.verdict().reason()));
    }
    return 0;
}
