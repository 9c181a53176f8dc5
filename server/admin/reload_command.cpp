#include "admin/reload_command.hpp"

#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "client/http_client.hpp"
#include "config/event_loader.hpp"

namespace admit::admin {

namespace json = boost::json;

CLI::App* add_reload_command(CLI::App& app, reload_args& args) {
    auto* cmd = app.add_subcommand(
        "reload",
        "Make a running admit-server reload its event config (the file it was started with) "
        "without a restart: capacities, sessions, stations, names. A broken file changes nothing; "
        "the answer lists every problem. Needs a staff token."
    );
    cmd->add_option("--config", args.config_file, "The event config (checked here first; gives the default address)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--server", args.server, "HOST:PORT of the server (default: the config's [server] listen and port)");
    cmd->add_option("--token", args.token, "A staff token (default: the environment variable ADMIT_STAFF_TOKEN)");
    cmd->add_option("--ca", args.ca_file, "CA certificate of a server with TLS")->check(CLI::ExistingFile);
    cmd->add_flag("--tls", args.tls, "Talk HTTPS with the system's CAs");
    return cmd;
}

namespace {

void split_server(const std::string& text, std::string& host, unsigned short& port) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size())
        throw std::runtime_error(fmt::format("--server \"{}\" has no :PORT", text));
    host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const auto number = std::stoul(text.substr(colon + 1));
    if (number == 0 || number > 65535) throw std::runtime_error(fmt::format("--server \"{}\": bad port", text));
    port = static_cast<unsigned short>(number);
}

std::string text_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

bool run_reload(const reload_args& args, std::ostream& out, std::ostream& err) {
    // Checked here first: config_error reaches main, which prints every problem with its line.
    const auto loaded = config::load_config(args.config_file);
    std::string host = loaded.server.listen_address;
    unsigned short port = loaded.server.port;
    if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
    if (!args.server.empty()) split_server(args.server, host, port);
    std::string token = args.token;
    if (token.empty()) {
        if (const char* env = std::getenv("ADMIT_STAFF_TOKEN")) token = env;
    }
    if (token.empty()) throw std::runtime_error("give a staff token with --token or ADMIT_STAFF_TOKEN");

    client::tls_options tls;
    tls.enabled = args.tls || !args.ca_file.empty();
    tls.ca_file = args.ca_file;
    const auto reply = client::http_send("POST", host, port, "/api/reload", token, std::chrono::seconds(30), tls);
    if (reply.status == 0) throw std::runtime_error(fmt::format("{}:{}: {}", host, port, reply.error));
    json::object body;
    try {
        body = json::parse(reply.body).as_object();
    } catch (const std::exception&) {
        throw std::runtime_error(fmt::format("{}:{} answered {} with: {}", host, port, reply.status, reply.body));
    }
    if (reply.status == 401 || reply.status == 403)
        throw std::runtime_error(fmt::format("the server refused the token: {}", text_of(body, "error")));
    const auto* ok = body.if_contains("ok");
    if (reply.status != 200 || ok == nullptr || !ok->is_bool() || !ok->as_bool()) {
        err << "admit reload: the server did not reload; nothing changed:\n";
        if (const auto* problems = body.if_contains("problems"); problems && problems->is_array()) {
            for (const auto& p : problems->as_array())
                if (p.is_string()) err << "  " << p.as_string().c_str() << '\n';
        } else {
            err << "  " << (text_of(body, "error").empty() ? reply.body : text_of(body, "error")) << '\n';
        }
        return false;
    }
    const auto& changes = body.at("changes").as_array();
    if (changes.empty()) {
        out << "reloaded: no change to the event (the file is the same as the model in force)\n";
    } else {
        out << "reloaded: " << changes.size() << " change(s) in force now:\n";
        for (const auto& c : changes) out << "  " << text_of(c.as_object(), "text") << '\n';
    }
    if (const auto* warnings = body.if_contains("warnings"); warnings && warnings->is_array()) {
        for (const auto& w : warnings->as_array())
            if (w.is_string()) out << "  note: " << w.as_string().c_str() << '\n';
    }
    return true;
}

}  // namespace admit::admin
