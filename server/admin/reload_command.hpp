#pragma once
// `admit reload`: asks a running admit-server to reload its event config
// (POST /api/reload with a staff token) and prints what changed, or why
// nothing did. The file is checked here first, so a typo is reported without
// a round trip; the server checks it again (it reads its own copy, the file
// it was started with) and is the one that decides.
// Why HTTP and not a signal to the pid: the caller hears the answer (what
// changed, or each problem with its line), it needs no pid file and no
// shell on the server's machine, and the staff token says who did it. The
// server also reloads on SIGHUP (systemd's ExecReload); then the answer is
// only in its log.
// Thread safety: one call at a time per process (it prints).

#include <CLI/CLI.hpp>

#include <ostream>
#include <string>

namespace admit::admin {

struct reload_args {
    std::string config_file;
    std::string server;      // HOST:PORT; default: the config's [server] listen and port
    std::string token;       // staff token; default: $ADMIT_STAFF_TOKEN
    std::string ca_file;     // for a server with TLS
    bool tls = false;
};

CLI::App* add_reload_command(CLI::App& app, reload_args& args);

// True when the server put the file in force (or found nothing to change).
bool run_reload(const reload_args& args, std::ostream& out, std::ostream& err);

}  // namespace admit::admin
