#include "reports/xlsx_writer.hpp"

#include <mutex>

#include <fmt/format.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <stdexcept>

#include "reports/report_time.hpp"

namespace admit::reports {
namespace {

constexpr std::uint32_t max_rows = LXW_ROW_MAX;  // 1,048,576 including the header
constexpr std::size_t max_text = 32767;          // Excel's limit per cell

}  // namespace

xlsx_writer::xlsx_writer(
    const std::filesystem::path& file,
    const std::filesystem::path& tmp_dir,
    const std::vector<table_spec>& tables,
    std::chrono::minutes utc_offset
)
    : file_(file), tmp_dir_(tmp_dir.string()), offset_(utc_offset) {
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;
    options.tmpdir = tmp_dir_.data();
    options.use_zip64 = LXW_TRUE;  // a million-row sheet passes 4 GiB uncompressed
    book_ = workbook_new_opt(file_.c_str(), &options);
    if (book_ == nullptr) {
        throw std::runtime_error(fmt::format(
            "cannot create {}; check that the folder exists and is writable", file_.string()
        ));
    }
    header_ = workbook_add_format(book_);
    format_set_bold(header_);
    format_set_bottom(header_, LXW_BORDER_THIN);
    format_set_bg_color(header_, 0xE8EEF4);
    time_ = workbook_add_format(book_);
    format_set_num_format(time_, "yyyy-mm-dd hh:mm:ss");
    minutes_ = workbook_add_format(book_);
    format_set_num_format(minutes_, "0.0");
    rate_ = workbook_add_format(book_);
    format_set_num_format(rate_, "0.0%");

    sheets_.resize(tables.size());
    for (const auto& t : tables) {
        auto& s = sheets_[static_cast<std::size_t>(t.id)];
        s.spec = &t;
        s.current = add_sheet(t, t.name);
    }
}

xlsx_writer::~xlsx_writer() {
    // Not closed (an exception on the way): free the workbook without writing a half file.
    if (book_ != nullptr) lxw_workbook_free(book_);
}

lxw_worksheet* xlsx_writer::add_sheet(const table_spec& spec, const std::string& name) {
    auto* ws = workbook_add_worksheet(book_, name.c_str());
    if (ws == nullptr) {
        throw std::runtime_error(fmt::format("cannot add sheet {} to {}", name, file_.string()));
    }
    for (std::size_t c = 0; c < spec.columns.size(); ++c) {
        const auto& col = spec.columns[c];
        lxw_format* f = nullptr;
        switch (col.type) {
            case column_type::time:
                f = time_;
                break;
            case column_type::minutes:
                f = minutes_;
                break;
            case column_type::rate:
                f = rate_;
                break;
            default:
                break;
        }
        const auto index = static_cast<lxw_col_t>(c);
        worksheet_set_column(ws, index, index, col.width, f);
        worksheet_write_string(ws, 0, index, col.name.c_str(), header_);
    }
    worksheet_freeze_panes(ws, 1, 0);
    return ws;
}

void xlsx_writer::finish_sheet(sheet& s) {
    if (s.current == nullptr || s.spec->columns.empty()) return;
    worksheet_autofilter(
        s.current, 0, 0, s.next_row - 1, static_cast<lxw_col_t>(s.spec->columns.size() - 1)
    );
}

void xlsx_writer::row(table_id table, std::span<const cell> cells) {
    auto& s = sheets_[static_cast<std::size_t>(table)];
    if (s.next_row >= max_rows) {
        finish_sheet(s);
        ++s.parts;
        s.current = add_sheet(*s.spec, fmt::format("{} ({})", s.spec->name, s.parts));
        s.next_row = 1;
    }
    const auto r = s.next_row++;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const auto c = static_cast<lxw_col_t>(i);
        const auto& v = cells[i];
        const auto type = s.spec->columns[i].type;
        if (const auto* text = std::get_if<std::string_view>(&v)) {
            if (text->empty()) continue;
            // Excel's cell limit; cut before a UTF-8 continuation byte, never inside a character.
            auto n = std::min(text->size(), max_text);
            while (n < text->size() && n > 0 &&
                   (static_cast<unsigned char>((*text)[n]) & 0xC0) == 0x80) {
                --n;
            }
            text_.assign(text->substr(0, n));
            worksheet_write_string(s.current, r, c, text_.c_str(), nullptr);
        } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
            worksheet_write_number(s.current, r, c, static_cast<double>(*n), nullptr);
        } else if (const auto* d = std::get_if<double>(&v)) {
            worksheet_write_number(
                s.current, r, c, *d, type == column_type::rate ? rate_ : minutes_
            );
        } else if (const auto* t = std::get_if<core::time_point>(&v)) {
            worksheet_write_number(s.current, r, c, excel_serial(*t, offset_), time_);
        }
    }
}

void xlsx_writer::close() {
    if (book_ == nullptr) return;
    for (auto& s : sheets_) finish_sheet(s);
    // libxlsxwriter formats the workbook's creation time with gmtime(), whose
    // buffer is shared by the whole process (ThreadSanitizer showed two
    // exports racing on it): packaging runs one workbook at a time.
    static std::mutex packaging;
    lxw_error error = LXW_NO_ERROR;
    {
        std::lock_guard lock(packaging);
        error = workbook_close(book_);
    }
    book_ = nullptr;
    if (error != LXW_NO_ERROR) {
        throw std::runtime_error(
            fmt::format("cannot write {}: {}", file_.string(), lxw_strerror(error))
        );
    }
}

}  // namespace admit::reports
