#include "service/json_util.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace admit::service {

namespace json = boost::json;

http_reply json_reply(const json::value& v, unsigned status) {
    // Boost.JSON writes a string's bytes as they are: a message that quotes
    // input (a roster field, a file name) could carry bytes that are not
    // UTF-8 and make the whole reply invalid JSON. Outside strings the text
    // is ASCII, so replacing bad bytes in the output mends exactly those.
    auto r = body_reply("application/json", utf8_or_replaced(json::serialize(v)));
    r.status = status;
    return r;
}

std::string utf8_or_replaced(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        // Length of the sequence this lead byte starts, and the smallest code point it may encode.
        const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        bool ok = n > 0 && i + n <= text.size();
        std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
        for (std::size_t k = 1; ok && k < n; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            ok = (cc >> 6) == 0x2;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        // No overlong forms, no surrogates, nothing past U+10FFFF.
        if (ok && n > 1) {
            const std::uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
            ok = cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
        }
        if (ok) {
            out.append(text.substr(i, n));
            i += n;
        } else {
            out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
            ++i;
        }
    }
    return out;
}

http_reply body_reply(std::string content_type, std::string body) {
    http_reply r;
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    return r;
}

http_reply file_reply(std::string content_type, std::filesystem::path file, std::filesystem::path remove_after) {
    http_reply r;
    r.content_type = std::move(content_type);
    r.file = std::move(file);
    r.remove_after = std::move(remove_after);
    return r;
}

http_reply busy_reply() {
    auto busy = error_reply(503, "the server is busy with other exports and staff requests; try again shortly");
    busy.retry_after = std::string(1, '5');  // seconds
    return busy;
}

http_reply error_reply(unsigned status, std::string_view message) {
    // Messages quote paths and ids from the request, which may be any bytes:
    // json_reply keeps the reply valid JSON.
    return json_reply(json::object{{"error", message}}, status);
}

std::string iso_utc(core::time_point t) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", secs, (t - secs).count());
}

json::object attendee_json(const core::attendee& a) {
    return {{"id", a.id},
            {"name", a.name},
            {"category", a.category},
            {"organisation", a.organisation},
            {"city", a.city},
            {"country", a.country}};
}

json::object record_json(const core::scan_record& r) {
    const char* kind = r.kind == core::scan_kind::badge        ? "badge"
                       : r.kind == core::scan_kind::manual     ? "manual"
                       : r.kind == core::scan_kind::redecision ? "redecision"
                                                               : "clear";
    json::object o{
        {"seq", r.seq},
        {"scan_id", r.scan_id},
        {"kind", kind},
        {"station_id", r.station_id},
        {"hall_id", r.hall_id},
        {"attendee_id", r.attendee_id},
        {"direction", r.dir == core::direction::entry ? "entry" : "exit"},
        {"device_time", iso_utc(r.device_time)},
        {"server_time", iso_utc(r.server_time)},
        {"offline", r.offline},
        {"clock_skew", r.clock_skew},
        {"admitted", r.result.admitted},
        {"reason", core::reason_code(r.result.why)},
        {"warning", r.result.warning},
        {"explanation", r.result.explanation},
        {"annulled", r.annulled},
        {"duplicate", r.duplicate},
    };
    if (!r.redecides.empty()) o["redecides"] = r.redecides;
    if (r.shown) o["shown_admitted"] = r.shown->admitted;
    if (!r.actor.empty()) o["actor"] = r.actor;
    if (!r.note.empty()) o["note"] = r.note;
    return o;
}

std::string url_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() &&
                   hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
            out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string json_string(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace admit::service
