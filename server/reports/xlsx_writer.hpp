#pragma once
// Writes every report table as one sheet of an XLSX workbook (libxlsxwriter)
// with typed cells: times are Excel date-times in event-local time, counts
// and minutes are numbers, rates are percentages. Each sheet has a frozen,
// bold header row with an autofilter and column widths fitted to its data.
// The workbook is written in constant-memory mode: rows go to a temporary
// file as they come, so a million-scan sheet costs no more memory than a
// small one. A sheet that would pass Excel's 1,048,576 rows continues on a
// second sheet ("scans (2)").
// Thread safety: one writer per export; no shared state.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "reports/table.hpp"

struct lxw_workbook;
struct lxw_worksheet;
struct lxw_format;

namespace admit::reports {

class xlsx_writer final : public table_output {
public:
    // tmp_dir holds libxlsxwriter's temporary files (the output folder, so
    // that a small /tmp does not limit the export). Throws std::runtime_error.
    xlsx_writer(
        const std::filesystem::path& file,
        const std::filesystem::path& tmp_dir,
        const std::vector<table_spec>& tables,
        std::chrono::minutes utc_offset
    );
    ~xlsx_writer() override;
    xlsx_writer(const xlsx_writer&) = delete;
    xlsx_writer& operator=(const xlsx_writer&) = delete;

    void row(table_id table, std::span<const cell> cells) override;
    // Writes the workbook; throws std::runtime_error naming the file on failure.
    void close();

private:
    struct sheet {
        const table_spec* spec = nullptr;
        lxw_worksheet* current = nullptr;
        int parts = 1;
        std::uint32_t next_row = 1;  // row 0 is the header
    };
    lxw_worksheet* add_sheet(const table_spec& spec, const std::string& name);
    void finish_sheet(sheet& s);

    std::filesystem::path file_;
    std::string tmp_dir_;
    std::chrono::minutes offset_;
    lxw_workbook* book_ = nullptr;
    lxw_format* header_ = nullptr;
    lxw_format* time_ = nullptr;
    lxw_format* minutes_ = nullptr;
    lxw_format* rate_ = nullptr;
    std::vector<sheet> sheets_;
    std::string text_;  // NUL-terminated copy of a string cell
};

}  // namespace admit::reports
