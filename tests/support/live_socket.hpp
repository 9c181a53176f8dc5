#pragma once
// Test support: a /ws/live connection upgraded by hand over a plain loopback
// socket, to hand to admit-load's live_readers (tools/load/live_readers.hpp),
// which read hundreds of dashboards on one thread.

#include <string>

namespace admit::test {

struct live_socket {
    int fd = -1;                // -1 when the upgrade failed; then `error` says why
    std::string past_response;  // bytes read after the 101 response: the first frame, or part of it
    std::string error;
};

live_socket open_live_socket(unsigned short port, const std::string& token);

}  // namespace admit::test
