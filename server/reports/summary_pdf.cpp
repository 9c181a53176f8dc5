#include "reports/summary_pdf.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>
#include <string>

#include "reports/report_time.hpp"

namespace admit::reports {
namespace {

constexpr double mm = 72.0 / 25.4;
constexpr double page_w = 210.0 * mm;
constexpr double page_h = 297.0 * mm;
constexpr double margin = 16.0 * mm;
constexpr const char* font_family = "Noto Sans CJK KR";

struct rgb {
    double r, g, b;
};
// Distinct, print-safe colours for the curves (Okabe-Ito).
constexpr std::array<rgb, 7> palette{{
    {0.00, 0.45, 0.70},
    {0.84, 0.37, 0.00},
    {0.00, 0.62, 0.45},
    {0.80, 0.47, 0.65},
    {0.94, 0.89, 0.26},
    {0.34, 0.71, 0.91},
    {0.90, 0.62, 0.00},
}};

struct surface_deleter {
    void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct cairo_deleter {
    void operator()(cairo_t* c) const { cairo_destroy(c); }
};
struct layout_deleter {
    void operator()(PangoLayout* l) const { g_object_unref(l); }
};
struct font_deleter {
    void operator()(PangoFontDescription* f) const { pango_font_description_free(f); }
};

// Draws text with its top-left at (x, y); returns its height. width > 0 wraps
// (never cuts a name short with "...": a long hall or session name takes two lines).
double draw_text(
    cairo_t* cr,
    double x,
    double y,
    const std::string& text,
    double size,
    bool bold = false,
    double width = 0,
    PangoAlignment align = PANGO_ALIGN_LEFT
) {
    std::unique_ptr<PangoLayout, layout_deleter> layout{pango_cairo_create_layout(cr)};
    std::unique_ptr<PangoFontDescription, font_deleter> font{pango_font_description_new()};
    pango_font_description_set_family(font.get(), font_family);
    pango_font_description_set_absolute_size(font.get(), size * PANGO_SCALE);
    pango_font_description_set_weight(font.get(), bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout.get(), font.get());
    if (width > 0) {
        pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
        pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
        pango_layout_set_alignment(layout.get(), align);
    }
    pango_layout_set_text(layout.get(), text.c_str(), -1);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, layout.get());
    int w = 0;
    int h = 0;
    pango_layout_get_pixel_size(layout.get(), &w, &h);
    return h;
}

std::string clock_text(core::time_point t, const core::local_clock& zone) {
    return local_text(t, zone).substr(11, 5);  // "HH:MM"
}

std::string percent(std::int64_t part, std::int64_t whole) {
    if (whole <= 0) return "-";
    return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string offset_text(std::chrono::minutes offset) {
    const auto m = offset.count();
    const auto a = m < 0 ? -m : m;
    return fmt::format("UTC{}{:02}:{:02}", m < 0 ? '-' : '+', a / 60, a % 60);
}

// "UTC+02:00", or on the day the clocks change "UTC+02:00, from 03:00 (now
// 02:00) UTC+01:00", so times on either side of the change read right.
std::string day_offsets_text(local_day day, const core::local_clock& zone) {
    const auto from = day_start(day, zone);
    const auto to = day_start(day + 1, zone);
    std::string text = offset_text(zone.offset_at(from));
    for (const auto& c : zone.changes()) {
        if (c.from <= from || c.from >= to) continue;
        const core::local_clock before{zone.offset_at(c.from - std::chrono::milliseconds{1})};
        text += fmt::format(
            ", from {} (then {}) {}", clock_text(c.from, before), clock_text(c.from, zone),
            offset_text(c.offset)
        );
    }
    return text;
}

void draw_figures(cairo_t* cr, double y, const day_summary& day) {
    const std::array<std::pair<std::string, std::string>, 8> figures{{
        {"Registered", fmt::format("{}", day.registered)},
        {"Attended", fmt::format("{}", day.attended)},
        {"Attendance", percent(std::min(day.attended, day.registered), day.registered)},
        {"Entries", fmt::format("{}", day.entries)},
        {"Refused scans", fmt::format("{}", day.refused)},
        {"Manual check-ins", fmt::format("{}", day.manual)},
        {"Annulled scans", fmt::format("{}", day.annulled)},
        {"Offline conflicts", fmt::format("{}", day.conflicts)},
    }};
    const double box_w = (page_w - 2 * margin - 3 * 6) / 4;
    const double box_h = 17 * mm;
    for (std::size_t i = 0; i < figures.size(); ++i) {
        const double x = margin + static_cast<double>(i % 4) * (box_w + 6);
        const double top = y + static_cast<double>(i / 4) * (box_h + 6);
        cairo_set_source_rgb(cr, 0.94, 0.95, 0.97);
        cairo_rectangle(cr, x, top, box_w, box_h);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.35, 0.38, 0.42);
        draw_text(cr, x + 6, top + 4, figures[i].first, 8);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.12);
        draw_text(cr, x + 6, top + 16, figures[i].second, 18, true);
    }
}

double draw_sessions(cairo_t* cr, double y, const day_summary& day, const core::local_clock& zone) {
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.12);
    y += draw_text(
             cr, margin, y, "Sessions (attended of registered, attendance rate; checked in)", 12,
             true
         ) +
         4;
    if (day.sessions.empty()) {
        return y + draw_text(cr, margin, y, "No session on this day.", 9) + 6;
    }
    const double w = page_w - 2 * margin;
    for (const auto& s : day.sessions) {
        // Long names wrap; the row is as tall as its tallest cell.
        double h = draw_text(cr, margin, y, s.name, 9, false, w * 0.45);
        h = std::max(h, draw_text(cr, margin + w * 0.46, y, s.hall, 9, false, w * 0.20));
        draw_text(
            cr, margin + w * 0.67, y,
            fmt::format("{}–{}", clock_text(s.start, zone), clock_text(s.end, zone)), 9
        );
        h = std::max(h, draw_text(
            cr, margin + w * 0.78, y,
            fmt::format(
                "{} of {}  {}; {} checked in", s.attended, s.registered,
                percent(s.attended_registered, s.registered), s.checked_in
            ),
            9, true, w * 0.22, PANGO_ALIGN_RIGHT
        ));
        y += h + 2;
    }
    return y + 6;
}

// "hall_full" -> "hall full"
std::string reason_words(std::string code) {
    std::replace(code.begin(), code.end(), '_', ' ');
    return code;
}

double draw_refusals(cairo_t* cr, double y, const day_summary& day) {
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.12);
    y += draw_text(cr, margin, y, "Refused scans by reason", 12, true) + 3;
    std::string line;
    for (const auto& [reason, count] : day.refused_by_reason)
        line += fmt::format("{}{}: {}", line.empty() ? "" : "   ·   ", reason_words(reason), count);
    if (line.empty()) line = "No scan was refused on this day.";
    return y + draw_text(cr, margin, y, line, 9, false, page_w - 2 * margin) + 8;
}

// A round step for about `lines` grid lines up to `most` (1, 2 or 5 times a power of ten).
int grid_step(int most, int lines) {
    int step = 1;
    for (int magnitude = 1; step * lines < most; magnitude *= 10) {
        for (const int m : {1, 2, 5, 10}) {
            step = m * magnitude;
            if (step * lines >= most) break;
        }
    }
    return step;
}

// One chart per hall, on a shared time axis: its own scale up to its
// capacity (or its peak, when over), with the capacity drawn as a dashed line,
// so a hall of 600 is not drawn on an axis that stops at 300.
void draw_curves(
    cairo_t* cr, double top, double bottom, const day_summary& day, const core::local_clock& zone,
    const std::string& zone_name
) {
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.12);
    top += draw_text(
               cr, margin, top,
               "Occupancy per hall: people inside (peak in each 5-minute interval)", 12, true
           ) +
           4;

    // The time axis spans every hall's buckets that day.
    auto first = core::time_point::max();
    auto last = core::time_point::min();
    for (const auto& hall : day.halls) {
        for (const auto& [t, n] : hall.points) {
            first = std::min(first, t);
            last = std::max(last, t + std::chrono::minutes{5});
        }
    }
    if (first >= last || day.halls.empty()) {
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        draw_text(cr, margin, top + 4, "Nobody entered or left a hall on this day.", 10);
        return;
    }
    const double left = margin + 30;
    const double right = page_w - margin - 4;
    const auto span = static_cast<double>((last - first).count());
    auto x_of = [&](core::time_point t) {
        return left + (right - left) * static_cast<double>((t - first).count()) / span;
    };
    const auto hours = std::chrono::duration_cast<std::chrono::hours>(last - first).count();
    const int every = hours > 12 ? 2 : 1;
    const double axis_title = 12;
    const double each = (bottom - axis_title - top) / static_cast<double>(day.halls.size());

    // Whole local hours: step in UTC from the first one (a change moves the
    // clocks by a whole hour, so the ticks stay on whole local hours).
    const auto offset = zone.offset_at(first);
    for (std::size_t h = 0; h < day.halls.size(); ++h) {
        const auto& hall = day.halls[h];
        const auto& c = palette[h % palette.size()];
        double y = top + each * static_cast<double>(h);
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
        cairo_rectangle(cr, margin, y + 4, 14, 4);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.12);
        const std::string peak =
            hall.peak > 0
                ? fmt::format("peak {} at {}, capacity {}", hall.peak, clock_text(hall.peak_at, zone), hall.capacity)
                : fmt::format("nobody inside, capacity {}", hall.capacity);
        y += draw_text(cr, margin + 20, y, fmt::format("{}: {}", hall.name, peak), 9, true, right - margin - 20) + 3;

        const double chart_top = y;
        const double base = top + each * static_cast<double>(h + 1) - 14;
        if (base - chart_top < 12) continue;  // no room: the legend line says the figures
        const int most = std::max({1, hall.capacity, hall.peak});
        const int step = grid_step(most, 4);
        const int y_max = ((most + step - 1) / step) * step;
        auto y_of = [&](int n) { return base - (base - chart_top) * n / static_cast<double>(y_max); };
        cairo_set_line_width(cr, 0.5);
        for (int n = 0; n <= y_max; n += step) {
            cairo_set_source_rgb(cr, 0.87, 0.87, 0.87);
            cairo_move_to(cr, left, y_of(n));
            cairo_line_to(cr, right, y_of(n));
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
            draw_text(cr, margin, y_of(n) - 5, fmt::format("{}", n), 7, false, 26, PANGO_ALIGN_RIGHT);
        }
        for (auto tick = std::chrono::ceil<std::chrono::hours>(first + offset) - offset; tick <= last;
             tick += std::chrono::hours{every}) {
            cairo_set_source_rgb(cr, 0.87, 0.87, 0.87);
            cairo_move_to(cr, x_of(tick), chart_top);
            cairo_line_to(cr, x_of(tick), base);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
            draw_text(cr, x_of(tick) - 14, base + 2, clock_text(tick, zone), 7);
        }
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_rectangle(cr, left, chart_top, right - left, base - chart_top);
        cairo_stroke(cr);

        // The capacity, dashed red, labelled at its right end.
        const std::array<double, 2> dash{4.0, 3.0};
        cairo_set_source_rgb(cr, 0.80, 0.10, 0.15);
        cairo_set_line_width(cr, 1.0);
        cairo_set_dash(cr, dash.data(), static_cast<int>(dash.size()), 0);
        cairo_move_to(cr, left, y_of(hall.capacity));
        cairo_line_to(cr, right, y_of(hall.capacity));
        cairo_stroke(cr);
        cairo_set_dash(cr, nullptr, 0, 0);
        draw_text(cr, left + 4, y_of(hall.capacity) + 1, fmt::format("capacity {}", hall.capacity), 7);

        if (hall.points.empty()) continue;
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
        cairo_set_line_width(cr, 1.4);
        cairo_move_to(cr, x_of(hall.points.front().first), y_of(hall.points.front().second));
        for (const auto& [t, n] : hall.points) {
            cairo_line_to(cr, x_of(t), y_of(n));
            cairo_line_to(cr, x_of(t + std::chrono::minutes{5}), y_of(n));
        }
        cairo_stroke(cr);
    }
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    draw_text(cr, left, bottom - axis_title + 1, fmt::format("time of day ({})", zone_name), 8, false, right - left,
              PANGO_ALIGN_CENTER);
}

}  // namespace

void write_day_summary_pdf(
    const std::filesystem::path& file, const core::event_config& event, const day_summary& day
) {
    std::unique_ptr<cairo_surface_t, surface_deleter> surface{
        cairo_pdf_surface_create(file.c_str(), page_w, page_h)};
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
        throw std::runtime_error(fmt::format(
            "cannot create {}: {}", file.string(),
            cairo_status_to_string(cairo_surface_status(surface.get()))
        ));
    }
    std::unique_ptr<cairo_t, cairo_deleter> cr{cairo_create(surface.get())};
    const auto& zone = event.zone;
    double y = margin;
    cairo_set_source_rgb(cr.get(), 0.1, 0.1, 0.12);
    y += draw_text(cr.get(), margin, y, event.name, 15, true, page_w - 2 * margin) + 2;
    cairo_set_source_rgb(cr.get(), 0.35, 0.38, 0.42);
    y += draw_text(
             cr.get(), margin, y,
             fmt::format(
                 "Attendance summary for {} · times in {} ({})", day_text(day.day),
                 event.time_zone.empty() ? std::string("local time") : event.time_zone,
                 day_offsets_text(day.day, zone)
             ),
             10
         ) +
         10;
    if (day.entries == 0 && day.refused == 0 && day.manual == 0 && day.annulled == 0) {
        // A session day before anyone came (or a day nobody came): say so, not an empty chart.
        cairo_set_source_rgb(cr.get(), 0.55, 0.1, 0.1);
        y += draw_text(cr.get(), margin, y, "No scans were recorded on this day.", 13, true) + 8;
    }
    draw_figures(cr.get(), y, day);
    y += 2 * (17 * mm + 6) + 8;
    y = draw_sessions(cr.get(), y, day, zone);
    y = draw_refusals(cr.get(), y, day);
    const std::string zone_name = fmt::format(
        "{}, {}", event.time_zone.empty() ? std::string("local time") : event.time_zone,
        day_offsets_text(day.day, zone)
    );
    draw_curves(cr.get(), y, page_h - margin - 14, day, zone, zone_name);
    cairo_set_source_rgb(cr.get(), 0.5, 0.5, 0.5);
    draw_text(
        cr.get(), margin, page_h - margin - 16,
        "admit export · attended = inside the session's hall at some moment between its start and "
        "end; checked in = admitted into its hall within its check-in window (check-in opening to "
        "end plus late entry); occupancy as counted live by the server. See the README sheet.",
        7, false, page_w - 2 * margin
    );
    cairo_show_page(cr.get());
    cr.reset();
    cairo_surface_finish(surface.get());
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
        throw std::runtime_error(fmt::format(
            "cannot write {}: {}", file.string(),
            cairo_status_to_string(cairo_surface_status(surface.get()))
        ));
    }
}

}  // namespace admit::reports
