#include "service/web_files.hpp"

#include <map>
#include <stdexcept>
#include <system_error>

#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace admit::service {

namespace fs = std::filesystem;

namespace {

// True when `inner` is `outer` or lies below it (both canonical).
bool is_within(const fs::path& inner, const fs::path& outer) {
    const auto rel = inner.lexically_relative(outer);
    return !rel.empty() && *rel.begin() != "..";
}

// A decoded path segment that may name a listed file: no separators, NULs or dot segments.
bool plain_segment(std::string_view s) {
    return !s.empty() && s != "." && s != ".." && s.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

}  // namespace

std::string content_type_for(const fs::path& p) {
    static const std::map<std::string, std::string, std::less<>> types{
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
        {".ico", "image/x-icon"}, {".pdf", "application/pdf"}, {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"}, {".wasm", "application/wasm"},
    };
    const auto it = types.find(p.extension().string());
    return it == types.end() ? "application/octet-stream" : it->second;
}

web_files::web_files(const fs::path& web_dir) {
    std::error_code ec;
    root_ = fs::canonical(web_dir, ec);
    if (ec || !fs::is_directory(root_)) {
        spdlog::warn("web folder \"{}\" not found: the dashboard and help desk will not be served", web_dir.string());
        root_.clear();
        return;
    }
    // Links to folders are not followed; a link to a file counts only when it stays inside.
    for (fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        const auto target = fs::canonical(it->path(), ec);
        if (ec || !is_within(target, root_)) {
            spdlog::warn("web folder: {} points outside the folder; not served", it->path().string());
            ec.clear();
            continue;
        }
        const auto rel = it->path().lexically_relative(root_).generic_string();
        files_.emplace("/" + rel, file{target, content_type_for(it->path())});
    }
    if (ec) spdlog::warn("web folder \"{}\": not every file could be listed: {}", root_.string(), ec.message());
}

const web_files::file* web_files::find(std::string_view target) const {
    const auto url = boost::urls::parse_origin_form(target);
    if (!url) return nullptr;
    std::string key;
    const auto segments = url->segments();
    for (auto it = segments.begin(); it != segments.end(); ++it) {
        const std::string segment = *it;  // percent-decoded
        const bool last = std::next(it) == segments.end();
        if (last && segment.empty()) break;  // "/dir/": its index.html
        if (!plain_segment(segment)) return nullptr;
        key += '/';
        key += segment;
    }
    const auto raw_path = url->encoded_path();
    if (key.empty() || (!raw_path.empty() && raw_path.back() == '/')) key += "/index.html";
    auto found = files_.find(key);
    // "/station" is the station page's folder: its index.html.
    if (found == files_.end()) found = files_.find(key + "/index.html");
    return found == files_.end() ? nullptr : &found->second;
}

void check_web_dir_apart(const fs::path& web_dir, const fs::path& data_dir) {
    std::error_code ec;
    const auto web = fs::weakly_canonical(web_dir, ec);
    if (ec) return;
    const auto data = fs::weakly_canonical(data_dir, ec);
    if (ec) return;
    if (is_within(data, web) || is_within(web, data)) {
        throw std::runtime_error(fmt::format(
            "the web folder \"{}\" and the data folder \"{}\" overlap: the badge signing key would be "
            "served as a file; give the server a web folder (--web or [server] web_dir) apart from --data",
            web.string(), data.string()));
    }
}

}  // namespace admit::service
