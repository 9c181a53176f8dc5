// CSV rows are formatted into a per-file buffer and written in 64 KiB
// chunks: a million scan rows is one of the two biggest costs of an export.
#include "reports/csv_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/csv.hpp"
#include "reports/report_time.hpp"

namespace admit::reports {
namespace {

constexpr std::size_t chunk = 64 * 1024;

}  // namespace

csv_writer::csv_writer(
    const std::filesystem::path& dir,
    const std::vector<table_spec>& tables,
    const core::local_clock& zone,
    bool byte_order_mark
)
    : zone_(zone) {
    sinks_.resize(tables.size());
    for (const auto& t : tables) {
        auto path = dir / (t.name + ".csv");
        auto& s = sinks_[static_cast<std::size_t>(t.id)];
        s.file.reset(std::fopen(path.c_str(), "wb"));
        if (!s.file) {
            throw std::runtime_error(fmt::format(
                "cannot create {}: {}; check that the folder is writable", path.string(),
                std::strerror(errno)
            ));
        }
        if (byte_order_mark) s.buffer.append("\xEF\xBB\xBF");
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            if (i != 0) s.buffer.push_back(',');
            core::append_csv_field(s.buffer, t.columns[i].name);
            s.types.push_back(t.columns[i].type);
        }
        s.buffer.append("\r\n");
        files_.push_back(std::move(path));
    }
}

csv_writer::~csv_writer() = default;

void csv_writer::row(table_id table, std::span<const cell> cells) {
    auto& s = sinks_[static_cast<std::size_t>(table)];
    auto& out = s.buffer;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i != 0) out.push_back(',');
        const auto& c = cells[i];
        const auto type = i < s.types.size() ? s.types[i] : column_type::text;
        if (const auto* text = std::get_if<std::string_view>(&c)) {
            core::append_csv_field(out, *text);
        } else if (const auto* n = std::get_if<std::int64_t>(&c)) {
            fmt::format_to(std::back_inserter(out), "{}", *n);
        } else if (const auto* d = std::get_if<double>(&c)) {
            if (type == column_type::rate) {
                fmt::format_to(std::back_inserter(out), "{:.4f}", *d);
            } else {
                fmt::format_to(std::back_inserter(out), "{:.1f}", *d);
            }
        } else if (const auto* t = std::get_if<core::time_point>(&c)) {
            out.append(local_text(*t, zone_));
        }
    }
    out.append("\r\n");
    if (out.size() >= chunk) {
        flush(s, files_[static_cast<std::size_t>(table)]);
    }
}

void csv_writer::flush(sink& s, const std::filesystem::path& path) {
    if (!s.file) return;
    if (std::fwrite(s.buffer.data(), 1, s.buffer.size(), s.file.get()) != s.buffer.size()) {
        throw std::runtime_error(fmt::format(
            "cannot write {}: {}; check the free space", path.string(), std::strerror(errno)
        ));
    }
    s.buffer.clear();
}

void csv_writer::close() {
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
        auto& s = sinks_[i];
        if (!s.file) continue;
        flush(s, files_[i]);
        if (std::fclose(s.file.release()) != 0) {
            throw std::runtime_error(fmt::format(
                "cannot write {}: {}; check the free space", files_[i].string(),
                std::strerror(errno)
            ));
        }
    }
}

}  // namespace admit::reports
