#include "store/record_codes.hpp"

#include <fmt/format.h>

#include <array>

#include "store/scan_store.hpp"

namespace admit::store {

const char* kind_code(core::scan_kind k) {
    switch (k) {
        case core::scan_kind::badge: return "badge";
        case core::scan_kind::manual: return "manual";
        case core::scan_kind::clear: return "clear";
        case core::scan_kind::redecision: return "redecision";
    }
    return "badge";
}

const char* direction_code(core::direction d) {
    return d == core::direction::exit ? "exit" : "entry";
}

const std::string& reason_text(core::reason r) {
    static const auto texts = [] {
        std::array<std::string, core::reason_max + 1> t;
        for (std::uint8_t i = 1; i <= core::reason_max; ++i) {
            t[i] = std::string(core::reason_code(static_cast<core::reason>(i)));
        }
        return t;
    }();
    const auto index = static_cast<std::size_t>(r);
    if (index == 0 || index >= texts.size()) {
        throw store_error(fmt::format("cannot store reason {}: not a known reason", index));
    }
    return texts[index];
}

std::optional<core::scan_kind> kind_from_code(std::string_view k) {
    if (k == "badge") return core::scan_kind::badge;
    if (k == "manual") return core::scan_kind::manual;
    if (k == "clear") return core::scan_kind::clear;
    if (k == "redecision") return core::scan_kind::redecision;
    return std::nullopt;
}

core::scan_kind decode_kind(std::string_view k, const std::string& scan_id) {
    if (const auto kind = kind_from_code(k)) return *kind;
    throw store_error(fmt::format("scan {} has an unknown kind \"{}\"", scan_id, k));
}

core::reason decode_reason(std::string_view text, const std::string& scan_id) {
    if (auto r = core::reason_from_code(text)) {
        return *r;
    }
    throw store_error(fmt::format("scan {} has an unknown reason \"{}\"", scan_id, text));
}

}  // namespace admit::store
