#pragma once
// `admit badges`: the files a badge printer needs, for everyone on the roster
// or one attendee: <id>.png and <id>.svg (the QR of the signed badge token,
// for reprints and e-mails) and one print-ready badges.pdf (A6 per page, or
// four A6 badges per A4 sheet). The files hold badge tokens, which admit
// people: they are written readable by their owner only (0600).
// Thread safety: each call opens its own files and store; no shared state.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "badges/badge_pdf.hpp"

namespace admit::admin {

void write_badge_files(
    const std::filesystem::path& config_file,
    const std::filesystem::path& data_dir,
    const std::filesystem::path& out_dir,
    const std::optional<std::string>& attendee_id,
    badges::page_layout layout,
    std::ostream& out
);

}  // namespace admit::admin
