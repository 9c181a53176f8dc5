#pragma once
// Writes each report table to its own CSV file: UTF-8 (Hangul as is, with a
// byte-order mark by default so that Excel does not read it as CP949), a
// header row, RFC 4180 quoting and CRLF line ends. Times are event-local
// "2023-09-25 17:31:05"; minutes have one decimal, rates four. A text cell
// starting with = + - @, a tab or a carriage return gets a leading ' so that
// a spreadsheet shows it as text instead of running it (CSV injection); only
// text cells: numbers and times, negative or not, stay numbers.
// Thread safety: one writer per export; it owns its files.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "reports/table.hpp"

namespace admit::reports {

class csv_writer final : public table_output {
public:
    // Creates <dir>/<table name>.csv for every table. Throws std::runtime_error
    // naming the file when one cannot be created.
    csv_writer(
        const std::filesystem::path& dir,
        const std::vector<table_spec>& tables,
        const core::local_clock& zone,
        bool byte_order_mark = true
    );
    ~csv_writer() override;
    csv_writer(const csv_writer&) = delete;
    csv_writer& operator=(const csv_writer&) = delete;

    void row(table_id table, std::span<const cell> cells) override;
    // Flushes and closes every file; throws when a write failed (disk full).
    void close();
    const std::vector<std::filesystem::path>& files() const { return files_; }

private:
    struct file_closer {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    struct sink {
        std::unique_ptr<std::FILE, file_closer> file;
        std::vector<column_type> types;
        std::string buffer;
    };
    void flush(sink& s, const std::filesystem::path& path);

    core::local_clock zone_;
    std::vector<sink> sinks_;
    std::vector<std::filesystem::path> files_;
};

}  // namespace admit::reports
