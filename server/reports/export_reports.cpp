#include "reports/export_reports.hpp"

#include <fmt/format.h>

#include <optional>
#include <stdexcept>
#include <system_error>

#include "reports/csv_writer.hpp"
#include "reports/report_builder.hpp"
#include "reports/report_time.hpp"
#include "reports/summary_pdf.hpp"
#include "reports/xlsx_writer.hpp"

namespace admit::reports {

namespace fs = std::filesystem;

export_result export_reports(
    store::scan_store& store, const core::event_config& event, const export_options& opt
) {
    std::error_code ec;
    fs::create_directories(opt.out_dir, ec);
    if (ec) {
        throw std::runtime_error(fmt::format(
            "cannot create {}: {}; choose a writable folder", opt.out_dir.string(), ec.message()
        ));
    }
    report_builder builder(event, store.load_roster());
    fan_out out;
    std::optional<csv_writer> csv;
    std::optional<xlsx_writer> xlsx;
    if (opt.csv) {
        const auto dir = opt.out_dir / "csv";
        fs::create_directories(dir, ec);
        if (ec) {
            throw std::runtime_error(fmt::format("cannot create {}: {}", dir.string(), ec.message())
            );
        }
        csv.emplace(dir, builder.tables(), event.zone, opt.csv_byte_order_mark);
        out.add(*csv);
    }
    const auto workbook = opt.out_dir / "admit-report.xlsx";
    if (opt.xlsx) {
        xlsx.emplace(workbook, opt.out_dir, builder.tables(), event.zone);
        out.add(*xlsx);
    }

    // Read first: the scans sheet says which clock (real or rehearsal) each row's times are from.
    const auto audit = store.audit_log();
    builder.set_clock_runs(admit::store::clock_runs_of(audit));
    store.for_each_scan([&](const core::scan_record& r) { builder.add(r, out); });
    builder.finish(audit, out);

    export_result result;
    result.scans = builder.scans_seen();
    if (csv) {
        csv->close();
        result.files = csv->files();
    }
    if (xlsx) {
        xlsx->close();
        result.files.push_back(workbook);
    }
    result.days = static_cast<std::int64_t>(builder.day_summaries().size());
    if (opt.pdf) {
        for (const auto& day : builder.day_summaries()) {
            const auto file = opt.out_dir / fmt::format("summary-{}.pdf", day_text(day.day));
            write_day_summary_pdf(file, event, day);
            result.files.push_back(file);
        }
    }
    return result;
}

}  // namespace admit::reports
