#pragma once
// The entry point of post-event reporting: one pass over the scan log writes
// every report in the chosen formats to a folder:
//
//   <out>/csv/<table>.csv          one file per report (UTF-8, RFC 4180)
//   <out>/admit-report.xlsx        one sheet per report, typed cells
//   <out>/summary-YYYY-MM-DD.pdf   one printable page per event day
//
// It reads through the scan_store interface only, so it works on a read-only
// store opened on the data directory of a running server (SQLite WAL: the
// export sees the log as it was when the pass began, and never blocks the
// server's writer).
// Thread safety: no globals; each call has its own builder, writers and
// files, so calls on different threads (the HTTP download route) are safe as
// long as each uses its own store object and output folder.

#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/event.hpp"
#include "store/scan_store.hpp"

namespace admit::reports {

struct export_options {
    std::filesystem::path out_dir;
    bool csv = true;
    bool xlsx = true;
    bool pdf = true;
    bool csv_byte_order_mark = true;  // lets Excel read the CSV files as UTF-8
};

struct export_result {
    std::vector<std::filesystem::path> files;  // everything written
    std::int64_t scans = 0;                    // records read from the log
    std::int64_t days = 0;                     // days summarised
};

// Throws store::store_error (reading) or std::runtime_error (writing), each
// naming the file and what to do.
export_result export_reports(
    store::scan_store& store, const core::event_config& event, const export_options& opt
);

}  // namespace admit::reports
