#include "service/pairing.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "badges/qr_code.hpp"
#include "config/event_loader.hpp"
#include "service/api.hpp"
#include "service/json_util.hpp"

namespace admit::service {

namespace json = boost::json;

namespace {

// Letters and digits a person cannot misread (no 0/O, 1/I/L).
constexpr std::string_view code_alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
constexpr std::size_t code_length = 8;
constexpr std::size_t max_pending_codes = 64;
constexpr std::size_t max_label = 64;

std::string random_hex(std::size_t bytes) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    std::vector<unsigned char> raw(bytes);
    randombytes_buf(raw.data(), raw.size());
    std::string out;
    for (const auto b : raw) out += fmt::format("{:02x}", b);
    return out;
}

std::string random_code() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    std::string code;
    for (std::size_t i = 0; i < code_length; ++i)
        code += code_alphabet[randombytes_uniform(static_cast<std::uint32_t>(code_alphabet.size()))];
    return code;
}

// "abcd-efgh " -> "ABCDEFGH": what a person types or a QR holds.
std::string normalised_code(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '-' || c == ' ') continue;
        out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
        if (out.size() > code_length) break;
    }
    return out;
}

std::optional<json::object> body_object(std::string_view body) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.as_object());
}

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()
    )
        .count();
}

// Writes text to path through a temporary file, fsync and rename: a crash
// leaves the old list or the new one, never half of one.
void write_atomically(const std::filesystem::path& path, const std::string& text) {
    const auto tmp = path.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error(fmt::format("{}: cannot create: {}", tmp, std::strerror(errno)));
    std::size_t written = 0;
    bool ok = true;
    while (ok && written < text.size()) {
        const auto n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) written += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        throw std::runtime_error(fmt::format("{}: cannot write: {}", path.string(), std::strerror(ok ? errno : err)));
    }
}

}  // namespace

pairing::pairing(const core::event_config& event, std::filesystem::path data_dir,
                 std::function<clock::time_point()> now)
    : event_(event), file_(std::move(data_dir) / "paired-stations.json"), now_(std::move(now)) {
    load();
}

http_reply pairing::route(std::string_view method, std::string_view path, std::string_view body, bool staff) {
    if (method == "POST" && path == "/api/pairing/claim") return claim(body);
    if (!staff) return error_reply(403, "pairing a station needs a staff token");
    if (method == "POST" && path == "/api/pairing") return new_code(body);
    if (method == "GET" && path == "/api/pairing") return list();
    if (const auto id = path_part(path, "/api/pairing/", "/revoke"); id && method == "POST") return revoke(*id);
    return error_reply(404, fmt::format("no pairing route {} {}", method, path));
}

http_reply pairing::new_code(std::string_view body) {
    const auto o = body_object(body);
    if (!o) return error_reply(400, "request body must be a JSON object {\"station\": ID, \"label\": TEXT}");
    const auto station_id = json_string(*o, "station");
    const auto* station = event_.find_station(station_id);
    if (station == nullptr)
        return error_reply(400, fmt::format("no station with id \"{}\" in the event's config", station_id));
    auto label = json_string(*o, "label").substr(0, max_label);
    std::lock_guard lock(mutex_);
    const auto now = now_();
    std::erase_if(codes_, [&](const pending_code& c) { return c.expires <= now; });
    if (codes_.size() >= max_pending_codes)
        return error_reply(429, "too many pairing codes are waiting; wait two minutes and ask again");
    pending_code code{random_code(), station->id, std::move(label), now + code_lifetime};
    codes_.push_back(code);
    const auto shown = code.code.substr(0, 4) + "-" + code.code.substr(4);
    return json_reply(json::object{
        {"code", shown},
        // What the phone's camera reads: the code with a prefix that says what it is.
        {"qr_svg", badges::qr_svg("admit-pair:" + shown)},
        {"station", station->id},
        {"hall", station->hall_id},
        {"role", core::role_text(station->role)},
        {"expires_in_s", code_lifetime.count()}});
}

http_reply pairing::claim(std::string_view body) {
    const auto o = body_object(body);
    if (!o) return error_reply(400, "request body must be a JSON object {\"code\": \"ABCD-EFGH\"}");
    const auto code = normalised_code(json_string(*o, "code"));
    pending_code used;
    {
        std::lock_guard lock(mutex_);
        const auto now = now_();
        std::erase_if(codes_, [&](const pending_code& c) { return c.expires <= now; });
        const auto it = std::find_if(codes_.begin(), codes_.end(), [&](const pending_code& c) {
            return code.size() == code_length && c.code == code;
        });
        if (it == codes_.end())
            return error_reply(403, "this pairing code is unknown, used or expired; ask the help desk for a new one");
        used = *it;
        codes_.erase(it);  // single use, whatever happens next
    }
    const auto* station = event_.find_station(used.station_id);
    if (station == nullptr) return error_reply(409, "the station of this code is no longer in the config");
    const auto token = random_hex(32);
    device d{"phone-" + random_hex(6), station->id, used.label, config::hash_token(token),
             std::to_string(wall_ms())};
    try {
        std::lock_guard write(write_mutex_);
        auto next = std::make_shared<device_list>(*devices());
        next->push_back(d);
        save_and_publish(std::move(next));
    } catch (const std::exception& e) {
        spdlog::error("pairing: {}", e.what());
        return error_reply(503, "the paired-station list cannot be written; ask for a new code");
    }
    spdlog::info("pairing: device {} paired as station {} ({})", d.id, d.station_id, d.label);
    return json_reply(json::object{
        {"device", d.id}, {"station", station->id}, {"token", token}, {"hall", station->hall_id},
        {"role", core::role_text(station->role)}, {"label", d.label}});
}

http_reply pairing::revoke(const std::string& device_id) {
    device removed;
    try {
        std::lock_guard write(write_mutex_);
        auto next = std::make_shared<device_list>(*devices());
        const auto it = std::find_if(next->begin(), next->end(), [&](const device& d) { return d.id == device_id; });
        if (it == next->end()) return error_reply(404, fmt::format("no paired device \"{}\"", device_id));
        removed = *it;
        next->erase(it);
        save_and_publish(std::move(next));
    } catch (const std::exception& e) {
        spdlog::error("pairing: {}", e.what());
        return error_reply(503, "the paired-station list cannot be written; the device is still paired");
    }
    spdlog::info("pairing: device {} (station {}) unpaired", removed.id, removed.station_id);
    return json_reply(json::object{{"revoked", removed.id}});
}

std::shared_ptr<const pairing::device_list> pairing::devices() const {
    std::lock_guard lock(mutex_);
    return devices_;
}

http_reply pairing::list() const {
    json::array out;
    for (const auto& d : *devices()) {
        out.push_back(json::object{
            {"device", d.id}, {"station", d.station_id}, {"label", d.label},
            {"paired_at_ms", std::strtoll(d.paired_at.c_str(), nullptr, 10)}});
    }
    return json_reply(json::object{{"devices", std::move(out)}});
}

bool pairing::accepts(std::string_view station_id, std::string_view token) const {
    if (token.empty()) return false;
    const auto h = config::hash_token(token);
    const auto list = devices();
    return std::any_of(list->begin(), list->end(), [&](const device& d) {
        return d.station_id == station_id && d.token_hash == h;
    });
}

void pairing::load() {
    std::ifstream in(file_);
    if (!in) return;  // nothing paired yet
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    const auto v = json::parse(text.str(), ec);
    if (ec || !v.is_object() || !v.as_object().contains("devices") || !v.at("devices").is_array())
        throw std::runtime_error(fmt::format(
            "{}: not a paired-station list ({}); fix or remove it (paired phones must then pair again)",
            file_.string(), ec ? ec.message() : "no \"devices\" array"));
    auto list = std::make_shared<device_list>();
    for (const auto& item : v.at("devices").as_array()) {
        if (!item.is_object()) continue;
        const auto& o = item.as_object();
        list->push_back({json_string(o, "device"), json_string(o, "station"), json_string(o, "label"),
                         json_string(o, "token_hash"), json_string(o, "paired_at_ms")});
    }
    devices_ = std::move(list);
}

void pairing::save_and_publish(std::shared_ptr<const device_list> next) {
    json::array out;
    for (const auto& d : *next) {
        out.push_back(json::object{
            {"device", d.id}, {"station", d.station_id}, {"label", d.label},
            {"token_hash", d.token_hash}, {"paired_at_ms", d.paired_at}});
    }
    write_atomically(file_, json::serialize(json::object{{"devices", std::move(out)}}));
    std::lock_guard lock(mutex_);
    devices_ = std::move(next);
}

}  // namespace admit::service
