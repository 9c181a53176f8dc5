#pragma once
// The command line shared by the echo servers of the transport comparison:
//   [--port N] [--port-file FILE] [--threads N]
// --threads only where the server has threads to set. C++17: websocketpp's
// peer is built as C++17.

#include <cstdio>
#include <cstdlib>
#include <string>

namespace admit::bench {

struct echo_options {
    unsigned short port = 0;  // 0: any free port
    std::string port_file;    // where to write the port bound
    unsigned threads = 1;
};

// Exits with a usage line on anything else.
inline echo_options parse_echo_options(int argc, char** argv, const char* program, bool with_threads = false) {
    echo_options o;
    for (int i = 1; i < argc; i += 2) {
        const std::string key = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
        if (value != nullptr && key == "--port") o.port = static_cast<unsigned short>(std::stoul(value));
        else if (value != nullptr && key == "--port-file") o.port_file = value;
        else if (value != nullptr && with_threads && key == "--threads") o.threads = static_cast<unsigned>(std::stoul(value));
        else {
            std::fprintf(stderr, "usage: %s [--port N] [--port-file FILE]%s\n", program, with_threads ? " [--threads N]" : "");
            std::exit(2);
        }
    }
    return o;
}

}  // namespace admit::bench
