#include "badges/badge_pdf.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "badges/qr_code.hpp"

namespace admit::badges {

namespace {

// PDF user units are points (1/72 inch).
constexpr double mm = 72.0 / 25.4;
constexpr double a6_width = 105.0 * mm;
constexpr double a6_height = 148.0 * mm;
constexpr double a4_width = 210.0 * mm;
constexpr double a4_height = 297.0 * mm;
constexpr const char* font_family = "Noto Sans CJK KR";

struct rgb {
    double r = 0.5;
    double g = 0.5;
    double b = 0.5;
};

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "#rrggbb" or "#rgb"; anything else is mid grey, so a typo in the event file
// still prints a usable badge.
rgb parse_colour(std::string_view text) {
    if (text.empty() || text.front() != '#' || (text.size() != 7 && text.size() != 4)) {
        return {};
    }
    int v[6] = {};
    const std::size_t digits = text.size() - 1;
    for (std::size_t i = 0; i < digits; ++i) {
        v[i] = hex_digit(text[i + 1]);
        if (v[i] < 0) return {};
    }
    auto channel = [&](int i) {
        const int value = digits == 6 ? v[2 * i] * 16 + v[2 * i + 1] : v[i] * 17;
        return value / 255.0;
    };
    return {channel(0), channel(1), channel(2)};
}

struct layout_deleter {
    void operator()(PangoLayout* layout) const { g_object_unref(layout); }
};
struct font_deleter {
    void operator()(PangoFontDescription* font) const { pango_font_description_free(font); }
};
struct cairo_deleter {
    void operator()(cairo_t* cr) const { cairo_destroy(cr); }
};
struct surface_deleter {
    void operator()(cairo_surface_t* surface) const { cairo_surface_destroy(surface); }
};

int pango_units(double points) {
    return static_cast<int>(points * PANGO_SCALE);
}

// Draws text centred in a box `width` wide with its top at y; shrinks the font
// from `size` down to `min_size` to keep one line, then wraps to at most
// `max_lines` and ellipsizes. Returns the height used.
double draw_text(
    cairo_t* cr,
    std::string_view text,
    double x,
    double y,
    double width,
    double size,
    double min_size,
    int max_lines,
    bool bold
) {
    if (text.empty()) return 0.0;
    const std::unique_ptr<PangoLayout, layout_deleter> layout(pango_cairo_create_layout(cr));
    // Font sizes in points, whatever Pango's default screen resolution.
    pango_cairo_context_set_resolution(pango_layout_get_context(layout.get()), 72.0);
    pango_layout_context_changed(layout.get());
    pango_layout_set_text(layout.get(), text.data(), static_cast<int>(text.size()));
    pango_layout_set_alignment(layout.get(), PANGO_ALIGN_CENTER);
    pango_layout_set_width(layout.get(), pango_units(width));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);

    const std::unique_ptr<PangoFontDescription, font_deleter> font(pango_font_description_new());
    pango_font_description_set_family(font.get(), font_family);
    pango_font_description_set_weight(font.get(), bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    for (double s = size;; s -= 1.0) {
        pango_font_description_set_size(font.get(), pango_units(s));
        pango_layout_set_font_description(layout.get(), font.get());
        if (pango_layout_get_line_count(layout.get()) <= 1 || s - 1.0 < min_size) break;
    }
    pango_layout_set_height(layout.get(), -max_lines);
    pango_layout_set_ellipsize(layout.get(), PANGO_ELLIPSIZE_END);

    int w = 0;
    int h = 0;
    pango_layout_get_size(layout.get(), &w, &h);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, layout.get());
    return static_cast<double>(h) / PANGO_SCALE;
}

// One badge with its top-left corner at the current origin, A6 size.
void draw_badge(cairo_t* cr, const badge_print& badge) {
    constexpr double margin = 8.0 * mm;
    constexpr double inner = a6_width - 2 * margin;
    constexpr double band_height = 22.0 * mm;
    constexpr double qr_side = 58.0 * mm;

    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 0, 0, a6_width, a6_height);
    cairo_fill(cr);

    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    double y = margin;
    y += draw_text(cr, badge.event_name, margin, y, inner, 10, 7, 2, false) + 1.0 * mm;
    y += draw_text(cr, badge.event_dates, margin, y, inner, 9, 7, 1, false) + 3.0 * mm;

    // A romanised name takes a line of its own: the Hangul one is set a little smaller to make room.
    const bool romanised = !badge.person.name_latin.empty() && badge.person.name_latin != badge.person.name;
    cairo_set_source_rgb(cr, 0, 0, 0);
    y += draw_text(cr, badge.person.name, margin, y, inner, romanised ? 26 : 30, 18, romanised ? 1 : 2, true) + 1.0 * mm;
    if (romanised) {
        y += draw_text(cr, badge.person.name_latin, margin, y, inner, 16, 10, 1, false) + 1.0 * mm;
    }
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    y += 1.0 * mm + draw_text(cr, badge.person.organisation, margin, y, inner, 13, 9, 2, false) + 1.0 * mm;
    std::string place = badge.person.city;
    if (!badge.person.country.empty()) {
        place += place.empty() ? badge.person.country : ", " + badge.person.country;
    }
    y += draw_text(cr, place, margin, y, inner, 11, 8, 1, false) + 0.5 * mm;
    // The id to type when the QR is damaged, and the version that tells a reissued badge.
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    draw_text(cr, badge.person.id + "  ·  v" + std::to_string(badge.person.badge_version), margin, y, inner,
              9, 7, 1, false);

    // The QR sits just above the band, on white, with its quiet zone kept clear.
    const qr_code code = qr_code::encode(badge.token);
    const int modules = code.size() + 8;
    const double module = qr_side / modules;
    const double qr_left = (a6_width - qr_side) / 2.0;
    const double qr_top = a6_height - band_height - 3.0 * mm - qr_side;
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int my = 0; my < code.size(); ++my) {
        for (int mx = 0; mx < code.size(); ++mx) {
            if (code.dark(mx, my)) {
                cairo_rectangle(cr, qr_left + (mx + 4) * module, qr_top + (my + 4) * module,
                                module, module);
            }
        }
    }
    // No antialiasing on the modules: adjacent squares must merge without hairline gaps.
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
    cairo_fill(cr);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);

    const rgb band = parse_colour(badge.colour);
    cairo_set_source_rgb(cr, band.r, band.g, band.b);
    cairo_rectangle(cr, 0, a6_height - band_height, a6_width, band_height);
    cairo_fill(cr);
    // Dark text on light bands, white on dark ones (relative luminance).
    const double luminance = 0.2126 * band.r + 0.7152 * band.g + 0.0722 * band.b;
    if (luminance > 0.55) {
        cairo_set_source_rgb(cr, 0, 0, 0);
    } else {
        cairo_set_source_rgb(cr, 1, 1, 1);
    }
    draw_text(cr, badge.category_name, margin, a6_height - band_height + 5.0 * mm, inner, 22, 12,
              1, true);
}

void cut_marks(cairo_t* cr) {
    cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
    cairo_set_line_width(cr, 0.3);
    cairo_move_to(cr, a6_width, 0);
    cairo_line_to(cr, a6_width, a4_height);
    cairo_move_to(cr, 0, a6_height);
    cairo_line_to(cr, a4_width, a6_height);
    cairo_stroke(cr);
}

void check(cairo_status_t status, const std::filesystem::path& out) {
    if (status != CAIRO_STATUS_SUCCESS) {
        throw std::runtime_error("badges: cannot write " + out.string() + ": " +
                                 cairo_status_to_string(status) +
                                 "; check that the folder exists and is writable");
    }
}

cairo_status_t append_png_bytes(void* context, const unsigned char* data, unsigned int length) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(context);
    out->insert(out->end(), data, data + length);
    return CAIRO_STATUS_SUCCESS;
}

}  // namespace

std::string event_dates_text(const core::event_config& event) {
    using namespace std::chrono;
    if (event.sessions.empty()) return {};
    static constexpr const char* months[] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    auto first = event.sessions.front().start;
    auto last = event.sessions.front().end;
    for (const auto& s : event.sessions) {
        first = std::min(first, s.start);
        last = std::max(last, s.end);
    }
    const year_month_day a{event.zone.day_of(first)};
    const year_month_day b{event.zone.day_of(last)};
    auto day_of = [](const year_month_day& d) { return std::to_string(static_cast<unsigned>(d.day())); };
    auto month_of = [](const year_month_day& d) { return std::string(months[static_cast<unsigned>(d.month()) - 1]); };
    auto year_of = [](const year_month_day& d) { return std::to_string(static_cast<int>(d.year())); };
    if (a == b) return day_of(a) + " " + month_of(a) + " " + year_of(a);
    if (a.year() == b.year() && a.month() == b.month())
        return day_of(a) + "\u2013" + day_of(b) + " " + month_of(b) + " " + year_of(b);
    if (a.year() == b.year()) return day_of(a) + " " + month_of(a) + " \u2013 " + day_of(b) + " " + month_of(b) + " " + year_of(b);
    return day_of(a) + " " + month_of(a) + " " + year_of(a) + " \u2013 " + day_of(b) + " " + month_of(b) + " " + year_of(b);
}

std::vector<std::uint8_t> badge_png(const badge_print& badge, double dpi) {
    if (dpi < 36.0 || dpi > 1200.0) {
        throw std::invalid_argument("badge_png: dpi must be between 36 and 1200");
    }
    (void)qr_code::encode(badge.token);
    const double scale = dpi / 72.0;
    const std::unique_ptr<cairo_surface_t, surface_deleter> surface(cairo_image_surface_create(
        CAIRO_FORMAT_RGB24, static_cast<int>(a6_width * scale), static_cast<int>(a6_height * scale)
    ));
    {
        const std::unique_ptr<cairo_t, cairo_deleter> cr(cairo_create(surface.get()));
        cairo_scale(cr.get(), scale, scale);
        draw_badge(cr.get(), badge);
        if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) {
            throw std::runtime_error(std::string("badge_png: ") +
                                     cairo_status_to_string(cairo_status(cr.get())));
        }
    }
    std::vector<std::uint8_t> png;
    const cairo_status_t status =
        cairo_surface_write_to_png_stream(surface.get(), append_png_bytes, &png);
    if (status != CAIRO_STATUS_SUCCESS) {
        throw std::runtime_error(std::string("badge_png: ") + cairo_status_to_string(status));
    }
    return png;
}

int badge_page_count(std::size_t count, page_layout layout) {
    const std::size_t per_page = layout == page_layout::a4_four_up ? 4 : 1;
    return static_cast<int>((count + per_page - 1) / per_page);
}

void write_badges_pdf(
    const std::filesystem::path& out,
    const std::vector<badge_print>& badges,
    page_layout layout
) {
    if (badges.empty()) {
        throw std::invalid_argument("badges: no badges to write to " + out.string());
    }
    // Encode every token first, so a bad one fails before the file is touched.
    for (const badge_print& badge : badges) {
        (void)qr_code::encode(badge.token);
    }
    const bool four_up = layout == page_layout::a4_four_up;
    const std::unique_ptr<cairo_surface_t, surface_deleter> surface(cairo_pdf_surface_create(
        out.c_str(), four_up ? a4_width : a6_width, four_up ? a4_height : a6_height
    ));
    check(cairo_surface_status(surface.get()), out);
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, "admit badges");
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "admit");
    {
        const std::unique_ptr<cairo_t, cairo_deleter> cr(cairo_create(surface.get()));
        const std::size_t per_page = four_up ? 4 : 1;
        for (std::size_t i = 0; i < badges.size(); ++i) {
            const std::size_t slot = i % per_page;
            cairo_save(cr.get());
            cairo_translate(cr.get(), static_cast<double>(slot % 2) * a6_width,
                            static_cast<double>(slot / 2) * a6_height);
            draw_badge(cr.get(), badges[i]);
            cairo_restore(cr.get());
            if (slot + 1 == per_page || i + 1 == badges.size()) {
                if (four_up) cut_marks(cr.get());
                cairo_show_page(cr.get());
            }
        }
        check(cairo_status(cr.get()), out);
    }
    cairo_surface_finish(surface.get());
    check(cairo_surface_status(surface.get()), out);
}

}  // namespace admit::badges
