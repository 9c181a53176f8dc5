#pragma once
// Writes every report table as one sheet of an XLSX workbook with typed
// cells: times are Excel date-times in event-local time, counts and minutes
// are numbers, rates are percentages, text is an inline string (XML-escaped,
// Hangul as UTF-8). Each sheet has a frozen, bold header row with an
// autofilter and the column widths of its table.
//
// Our own streaming SpreadsheetML writer rather than libxlsxwriter: that one
// deflates at a fixed level 6 and formats every cell with fprintf into a
// temporary file, which made a million-scan workbook take half a minute.
// Here each sheet's XML is formatted into a buffer and deflated at level 1
// straight into an unlinked temporary file as rows come (rows of different
// sheets arrive interleaved); close() copies the compressed sheets into the
// zip (minizip, raw mode) next to the small workbook parts. Memory is a few
// megabytes whatever the number of rows.
//
// A sheet that would pass Excel's 1,048,576 rows continues on the next
// sheet, "scans (2)", placed right after it.
// Thread safety: one writer per export; no shared state.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "reports/table.hpp"

namespace admit::reports {

// Excel's limit per sheet, the header row included.
inline constexpr std::uint32_t xlsx_max_rows = 1'048'576;

class xlsx_writer final : public table_output {
public:
    // tmp_dir holds the compressed sheets until close() (the output folder,
    // so that a small /tmp does not limit the export). max_rows is the most
    // rows per sheet including the header (at least 2; tests use a small one).
    // Throws std::runtime_error naming the file.
    xlsx_writer(
        const std::filesystem::path& file,
        const std::filesystem::path& tmp_dir,
        const std::vector<table_spec>& tables,
        const core::local_clock& zone,
        std::uint32_t max_rows = xlsx_max_rows
    );
    ~xlsx_writer() override;
    xlsx_writer(const xlsx_writer&) = delete;
    xlsx_writer& operator=(const xlsx_writer&) = delete;

    void row(table_id table, std::span<const cell> cells) override;
    // Writes the workbook; throws std::runtime_error naming the file on
    // failure (and leaves no half-written file behind).
    void close();

private:
    struct part;  // one sheet: its name, row count and compressed XML
    struct sheet {
        const table_spec* spec = nullptr;
        std::vector<std::string> cell_refs;        // "<c r=\"B" per column
        std::vector<std::unique_ptr<part>> parts;  // the last one is being written
        std::string xml;                           // not yet compressed
    };
    void start_part(sheet& s);
    void finish_part(sheet& s);
    void deflate_pending(sheet& s, bool finish);

    std::filesystem::path file_;
    std::filesystem::path tmp_dir_;
    core::local_clock zone_;
    std::uint32_t max_rows_;
    std::vector<sheet> sheets_;
    std::vector<unsigned char> out_;  // deflate output buffer, shared by all sheets
    bool closed_ = false;
};

}  // namespace admit::reports
