#pragma once
// Print-ready PDF badges: one A6 badge per page, or four A6 badges (2x2) on
// each A4 sheet with light cut marks. Each badge shows the event name, the
// person's name large (Hangul or Latin, set in Noto Sans CJK KR) with its
// romanised form beside a Hangul one when the roster gives it, organisation,
// city, the attendee id and badge version (staff tell a reissued badge by eye
// and type the id when a QR is damaged), the event's dates, the QR of the
// signed token and a colour band with the category name.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/roster.hpp"

namespace admit::badges {

// Everything printed on one badge. The token is the signed text put in the QR
// (core::sign_badge); the caller resolves the category's name and colour.
struct badge_print {
    core::attendee person;
    std::string category_name;  // "Speaker"
    std::string colour;         // "#c0392b" or "#c39"; anything else prints grey
    std::string event_name;     // "Seoul Smart City Forum 2023"
    std::string token;
    std::string event_dates;    // "25-26 Sep 2023" (event_dates_text); empty prints none
};

// The event's days in its local time, from its first session's start to its
// last session's end: "26 Sep 2023", "25–26 Sep 2023", "30 Sep – 2 Oct 2023";
// empty when it has no sessions.
std::string event_dates_text(const core::event_config& event);

enum class page_layout {
    a6_single,  // one A6 badge per A6 page (badge printers)
    a4_four_up  // four A6 badges per A4 page, 2 x 2 (office printers, then cut)
};

// Writes badges to a PDF file at out, replacing it. Throws std::invalid_argument
// when badges is empty or a token cannot be encoded, std::runtime_error when
// the file cannot be written. Not thread-safe with respect to the same file;
// separate calls on separate files may run in parallel.
void write_badges_pdf(
    const std::filesystem::path& out,
    const std::vector<badge_print>& badges,
    page_layout layout
);

// A PNG of one badge as printed (A6 at dpi dots per inch), for on-screen
// previews and reprint checks. Throws like write_badges_pdf.
std::vector<std::uint8_t> badge_png(const badge_print& badge, double dpi);

// Number of PDF pages write_badges_pdf produces for count badges.
int badge_page_count(std::size_t count, page_layout layout);

}  // namespace admit::badges
