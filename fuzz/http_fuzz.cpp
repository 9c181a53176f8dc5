// The HTTP API's request handling without the network: the pure helpers
// (path_of, query_param, url_decode) and api::handle on a real api object
// over a real engine and a SQLite store in a temporary directory, as the
// server wires them. Input: byte 0 picks the method and the token; then the
// target up to the first '\n'; the rest is the body. Nothing may crash,
// every reply has a status a browser understands, and JSON replies parse.
#include <stdlib.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "config/event_loader.hpp"
#include "config/key_files.hpp"
#include "engine/engine.hpp"
#include "fuzz_common.hpp"
#include "service/api.hpp"
#include "service/json_util.hpp"
#include "service/live_state.hpp"
#include "service/metrics.hpp"
#include "store/scan_store.hpp"

using namespace admit;

namespace {

struct world {
    config::loaded_config config;
    std::filesystem::path data_dir;
    std::unique_ptr<engine::engine> engine;
    std::unique_ptr<service::metrics> stats;
    std::unique_ptr<service::live_state> live;
    std::unique_ptr<service::api> api;
};

// Built once and never destroyed (the engine's writer thread runs until exit).
world& the_world() {
    static world* w = [] {
        auto* made = new world;
        made->config = config::parse_config(fuzz::small_event_toml(), "fuzz.toml");
        std::string dir = (std::filesystem::temp_directory_path() / "admit-fuzz-XXXXXX").string();
        if (::mkdtemp(dir.data()) == nullptr) std::abort();
        made->data_dir = std::filesystem::path(dir) / "data";
        const auto keys = core::badge_keys::generate();
        config::write_badge_keys(made->data_dir, keys, false);
        auto store = store::open_sqlite_store(made->data_dir);
        std::vector<core::attendee> people;
        for (const auto* id : {"d-001", "d-002", "s-001"}) {
            core::attendee a;
            a.id = id;
            a.name = std::string("Person ") + id;
            a.category = id[0] == 's' ? "staff" : "delegate";
            people.push_back(a);
        }
        store->upsert_attendees(people);
        made->engine = std::make_unique<engine::engine>(
            made->config.event, std::move(store), keys.pub,
            [] { return std::chrono::time_point_cast<core::time_point::duration>(std::chrono::system_clock::now()); }
        );
        made->engine->start();
        made->stats = std::make_unique<service::metrics>(made->config.event);
        made->live = std::make_unique<service::live_state>(made->config, *made->engine);
        made->api = std::make_unique<service::api>(
            made->config, *made->engine, *made->stats, *made->live, made->data_dir, ADMIT_WEB_DIR
        );
        return made;
    }();
    return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto text = fuzz::as_text(data + 1, size - 1);
    const auto newline = text.find('\n');
    const auto target = text.substr(0, newline);
    const auto body = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);

    (void)service::path_of(target);
    (void)service::query_param(target, "q");
    (void)service::query_param(target, "token");
    (void)service::url_decode(target);

    static const char* const methods[] = {"GET", "POST", "PUT", "HEAD"};
    static const char* const tokens[] = {"", "Bearer viewer-token", "Bearer staff-token", "Bearer nope"};
    service::http_request_view request;
    request.method = methods[data[0] & 3];
    request.authorization = tokens[(data[0] >> 2) & 3];
    request.target = target;
    request.body = body;
    const auto reply = the_world().api->handle(request);
    if (reply.status < 200 || reply.status > 599) std::abort();
    if (reply.content_type == "application/json") {
        boost::system::error_code ec;
        (void)boost::json::parse(reply.body, ec);
        if (ec) std::abort();
    }
    return 0;
}
