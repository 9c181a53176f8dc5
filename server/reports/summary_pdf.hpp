#pragma once
// The printable one-page summary of a day: headline figures, each session's
// attendance, each hall's peak, and the occupancy curve of every hall drawn
// with Cairo. Text is set with Pango in Noto Sans CJK KR, so Hangul names of
// sessions and halls print as they are.
// Thread safety: each call makes its own surface and layouts; no shared state.

#include <filesystem>

#include "core/event.hpp"
#include "reports/report_builder.hpp"

namespace admit::reports {

// Writes one A4 page to `file`. Throws std::runtime_error naming the file.
void write_day_summary_pdf(
    const std::filesystem::path& file, const core::event_config& event, const day_summary& day
);

}  // namespace admit::reports
