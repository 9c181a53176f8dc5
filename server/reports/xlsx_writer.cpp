// The workbook is SpreadsheetML written by hand: the handful of parts Excel
// needs ([Content_Types].xml, the package and workbook relationships,
// workbook.xml, styles.xml) and one worksheet per sheet. Cells are inline
// strings (a shared-string table would have to hold every distinct string,
// e.g. every scan id, in memory) and numbers; times are date-time serials
// with a date-time number format. A million-scan export formats about
// 25 million cells, so the per-cell path is appends to one buffer and
// std::to_chars.
#include "reports/xlsx_writer.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "reports/report_time.hpp"

namespace admit::reports {

namespace {

constexpr std::size_t max_text = 32767;           // Excel's limit per cell
constexpr std::size_t flush_at = 256 * 1024;      // XML bytes buffered per sheet
constexpr std::size_t out_chunk = 256 * 1024;     // deflate output buffer
constexpr int deflate_level = 1;                  // XML compresses well even at 1
constexpr std::uint64_t zip64_from = 0xFFFFFFFF;  // a size past 4 GiB needs ZIP64

// Style indexes into cellXfs of styles.xml below.
constexpr std::string_view style_header = "1";
constexpr std::string_view style_time = "2";
constexpr std::string_view style_minutes = "3";
constexpr std::string_view style_rate = "4";

constexpr std::string_view xml_declaration =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
constexpr std::string_view ns_main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr std::string_view ns_rel =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

constexpr std::string_view styles_xml =
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<numFmts count=\"3\">"
    "<numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm:ss\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"0.0\"/>"
    "<numFmt numFmtId=\"166\" formatCode=\"0.0%\"/>"
    "</numFmts>"
    "<fonts count=\"2\">"
    "<font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
    "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
    "</fonts>"
    "<fills count=\"3\">"
    "<fill><patternFill patternType=\"none\"/></fill>"
    "<fill><patternFill patternType=\"gray125\"/></fill>"
    "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FFE8EEF4\"/>"
    "<bgColor indexed=\"64\"/></patternFill></fill>"
    "</fills>"
    "<borders count=\"2\">"
    "<border><left/><right/><top/><bottom/><diagonal/></border>"
    "<border><left/><right/><top/><bottom style=\"thin\"><color auto=\"1\"/></bottom>"
    "<diagonal/></border>"
    "</borders>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/>"
    "</cellStyleXfs>"
    "<cellXfs count=\"5\">"
    "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
    "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"2\" borderId=\"1\" xfId=\"0\" applyFont=\"1\" "
    "applyFill=\"1\" applyBorder=\"1\"/>"
    "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" "
    "applyNumberFormat=\"1\"/>"
    "<xf numFmtId=\"165\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" "
    "applyNumberFormat=\"1\"/>"
    "<xf numFmtId=\"166\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" "
    "applyNumberFormat=\"1\"/>"
    "</cellXfs>"
    "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
    "<dxfs count=\"0\"/>"
    "<tableStyles count=\"0\" defaultTableStyle=\"TableStyleMedium9\" "
    "defaultPivotStyle=\"PivotStyleLight16\"/>"
    "</styleSheet>";

std::string_view numeric_style(column_type type) {
    switch (type) {
        case column_type::time:
            return style_time;
        case column_type::minutes:
            return style_minutes;
        case column_type::rate:
            return style_rate;
        default:
            return {};
    }
}

// "A", "B", ..., "Z", "AA", ...
std::string column_letters(std::size_t index) {
    std::string letters;
    for (std::size_t n = index + 1; n > 0; n = (n - 1) / 26) {
        letters.insert(letters.begin(), static_cast<char>('A' + (n - 1) % 26));
    }
    return letters;
}

// Which bytes the escaping loop must look at: markup, control characters,
// '_' (Excel's _xHHHH_ escapes) and everything outside ASCII (UTF-8 check).
constexpr std::array<bool, 256> special_bytes = [] {
    std::array<bool, 256> t{};
    for (std::size_t c = 0; c < 256; ++c) {
        t[c] = c < 0x20 || c >= 0x80 || c == '&' || c == '<' || c == '>' || c == '_';
    }
    t['\t'] = false;
    t['\n'] = false;
    return t;
}();

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The length of the valid UTF-8 sequence at s[i] that is also an XML
// character (no surrogates, no U+FFFE/U+FFFF), or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto at = [&](std::size_t k) {
        return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
    };
    const unsigned b0 = at(0);
    const auto cont = [&](std::size_t k) { return (at(k) & 0xC0u) == 0x80u; };
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        const unsigned b1 = at(1);
        if (!cont(1) || !cont(2)) return 0;
        if (b0 == 0xE0 && b1 < 0xA0) return 0;                    // overlong
        if (b0 == 0xED && b1 >= 0xA0) return 0;                   // surrogate
        if (b0 == 0xEF && b1 == 0xBF && at(2) >= 0xBE) return 0;  // U+FFFE, U+FFFF
        return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        const unsigned b1 = at(1);
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (b0 == 0xF0 && b1 < 0x90) return 0;   // overlong
        if (b0 == 0xF4 && b1 >= 0x90) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

// Appends s as XML element text that Excel reads back as s: &, < and > as
// entities; CR as &#13; (an XML parser turns a raw CR into LF); the other
// control characters XML 1.0 forbids as Excel's _xHHHH_; an '_' that would
// start such an escape as _x005F_; bytes that are not UTF-8 as U+FFFD.
void append_xml_text(std::string& out, std::string_view s) {
    std::size_t plain = 0;  // start of the run not yet appended
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (!special_bytes[c]) {
            ++i;
            continue;
        }
        if (c >= 0x80) {
            if (const auto n = utf8_length(s, i); n != 0) {
                i += n;
                continue;
            }
        } else if (c == '_' && !(i + 6 < s.size() && s[i + 1] == 'x' && is_hex(s[i + 2]) && is_hex(s[i + 3]) && is_hex(s[i + 4]) && is_hex(s[i + 5]) && s[i + 6] == '_')) {
            ++i;
            continue;
        }
        out.append(s.substr(plain, i - plain));
        switch (c) {
            case '&':
                out.append("&amp;");
                break;
            case '<':
                out.append("&lt;");
                break;
            case '>':
                out.append("&gt;");
                break;
            case '\r':
                out.append("&#13;");
                break;
            case '_':
                out.append("_x005F_");
                break;
            default:
                if (c < 0x20) {
                    out.append(fmt::format("_x{:04X}_", c));
                } else {
                    out.append("\xEF\xBF\xBD");  // U+FFFD for a byte that is not UTF-8
                }
                break;
        }
        plain = ++i;
    }
    out.append(s.substr(plain));
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void append_inline_string(std::string& out, std::string_view text) {
    // Excel's cell limit; cut before a UTF-8 continuation byte, never inside a character.
    auto n = std::min(text.size(), max_text);
    while (n < text.size() && n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) {
        --n;
    }
    text = text.substr(0, n);
    // Without xml:space Excel drops leading and trailing blanks.
    if (!text.empty() && (is_space(text.front()) || is_space(text.back()))) {
        out.append(" t=\"inlineStr\"><is><t xml:space=\"preserve\">");
    } else {
        out.append(" t=\"inlineStr\"><is><t>");
    }
    append_xml_text(out, text);
    out.append("</t></is></c>");
}

template <typename Number>
void append_number(std::string& out, Number v) {
    std::array<char, 32> buf{};
    const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), v).ptr;
    out.append(buf.data(), end);
}

// Excel's column width in characters of the default font, as Excel stores
// it for a width typed by hand (Calibri 11: 7 pixels per digit, 5 of padding).
double stored_width(double width) {
    if (width <= 0) return 0;
    if (width < 1) return std::floor(width * 12 + 0.5) / 12;
    return (std::floor(width * 7 + 0.5) + 5) / 7;
}

std::string escaped(std::string_view s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// "'scans (2)'" for a formula: quoted, quotes doubled.
std::string quoted_sheet(std::string_view name) {
    std::string out = "'";
    for (const char c : name) {
        out += c;
        if (c == '\'') out += '\'';
    }
    return out + "'";
}

// Sheet names have at most 31 characters: cut the table name to make room
// for " (2)", never inside a UTF-8 character.
std::string part_name(const std::string& table, std::size_t number) {
    if (number == 1) return table;
    const auto suffix = fmt::format(" ({})", number);
    auto n = std::min(table.size(), 31 - suffix.size());
    while (n > 0 && n < table.size() && (static_cast<unsigned char>(table[n]) & 0xC0) == 0x80) --n;
    return table.substr(0, n) + suffix;
}

struct file_closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

struct xlsx_writer::part {
    std::string name;
    std::uint32_t rows = 0;  // written so far, the header included
    // The compressed worksheet XML (raw deflate), in a file that has no name.
    std::unique_ptr<std::FILE, file_closer> file;
    z_stream zs{};
    bool deflating = false;
    uLong crc = crc32(0, nullptr, 0);
    std::uint64_t size = 0;        // uncompressed
    std::uint64_t compressed = 0;  // bytes in file

    part() = default;
    part(const part&) = delete;
    part& operator=(const part&) = delete;
    ~part() {
        if (deflating) deflateEnd(&zs);
    }
};

xlsx_writer::xlsx_writer(
    const std::filesystem::path& file,
    const std::filesystem::path& tmp_dir,
    const std::vector<table_spec>& tables,
    const core::local_clock& zone,
    std::uint32_t max_rows
)
    : file_(file),
      tmp_dir_(tmp_dir),
      zone_(zone),
      max_rows_(std::clamp<std::uint32_t>(max_rows, 2, xlsx_max_rows)),
      out_(out_chunk) {
    sheets_.resize(tables.size());
    for (const auto& t : tables) {
        auto& s = sheets_[static_cast<std::size_t>(t.id)];
        s.spec = &t;
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
            s.cell_refs.push_back("<c r=\"" + column_letters(c));
        }
        s.xml.reserve(flush_at + 64 * 1024);
        start_part(s);
    }
}

xlsx_writer::~xlsx_writer() = default;

void xlsx_writer::start_part(sheet& s) {
    auto p = std::make_unique<part>();
    p->name = part_name(s.spec->name, s.parts.size() + 1);
    // A temporary file in the output folder, unlinked at once: nothing is
    // left behind whatever happens, and two exports never share one.
    auto pattern = (tmp_dir_ / ".admit-xlsx-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
        throw std::runtime_error(fmt::format(
            "cannot create a temporary file in {}: {}; check that the folder is writable",
            tmp_dir_.string(), std::strerror(errno)
        ));
    }
    ::unlink(pattern.c_str());
    p->file.reset(::fdopen(fd, "w+b"));
    if (!p->file) {
        ::close(fd);
        throw std::runtime_error(fmt::format(
            "cannot open a temporary file in {}: {}", tmp_dir_.string(), std::strerror(errno)
        ));
    }
    // Raw deflate (no zlib header): the zip entry's data as is.
    if (deflateInit2(&p->zs, deflate_level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("cannot start zlib for the workbook");
    }
    p->deflating = true;
    const bool first_sheet = s.spec == sheets_.front().spec && s.parts.empty();
    s.parts.push_back(std::move(p));

    auto& x = s.xml;
    x.append(xml_declaration);
    x.append(fmt::format(
        "<worksheet xmlns=\"{}\" xmlns:r=\"{}\"><sheetViews><sheetView {}workbookViewId=\"0\">"
        "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
        "<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/>"
        "</sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>",
        ns_main, ns_rel, first_sheet ? "tabSelected=\"1\" " : ""
    ));
    const auto& columns = s.spec->columns;
    if (!columns.empty()) {
        x.append("<cols>");
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const auto style = numeric_style(columns[c].type);
            x.append(fmt::format(
                "<col min=\"{0}\" max=\"{0}\" width=\"{1}\"{2}{3}{4} customWidth=\"1\"/>", c + 1,
                stored_width(columns[c].width), style.empty() ? "" : " style=\"", style,
                style.empty() ? "" : "\""
            ));
        }
        x.append("</cols>");
    }
    x.append("<sheetData><row r=\"1\">");
    for (std::size_t c = 0; c < columns.size(); ++c) {
        x.append(s.cell_refs[c]);
        x.append("1\" s=\"");
        x.append(style_header);
        x.push_back('"');
        append_inline_string(x, columns[c].name);
    }
    x.append("</row>");
    s.parts.back()->rows = 1;
}

void xlsx_writer::finish_part(sheet& s) {
    auto& p = *s.parts.back();
    s.xml.append("</sheetData>");
    if (!s.spec->columns.empty()) {
        s.xml.append(fmt::format(
            "<autoFilter ref=\"A1:{}{}\"/>", column_letters(s.spec->columns.size() - 1), p.rows
        ));
    }
    s.xml.append("</worksheet>");
    deflate_pending(s, true);
    deflateEnd(&p.zs);
    p.deflating = false;
}

void xlsx_writer::deflate_pending(sheet& s, bool finish) {
    auto& p = *s.parts.back();
    auto* in = reinterpret_cast<Bytef*>(s.xml.data());
    p.crc = crc32(p.crc, in, static_cast<uInt>(s.xml.size()));
    p.size += s.xml.size();
    p.zs.next_in = in;
    p.zs.avail_in = static_cast<uInt>(s.xml.size());
    const int flush = finish ? Z_FINISH : Z_NO_FLUSH;
    int status = Z_OK;
    do {
        p.zs.next_out = out_.data();
        p.zs.avail_out = static_cast<uInt>(out_.size());
        status = deflate(&p.zs, flush);
        const auto produced = out_.size() - p.zs.avail_out;
        if (produced != 0 && std::fwrite(out_.data(), 1, produced, p.file.get()) != produced) {
            throw std::runtime_error(fmt::format(
                "cannot write the workbook's temporary file in {}: {}; check the free space",
                tmp_dir_.string(), std::strerror(errno)
            ));
        }
        p.compressed += produced;
    } while (p.zs.avail_out == 0 || (finish && status != Z_STREAM_END));
    s.xml.clear();
}

void xlsx_writer::row(table_id table, std::span<const cell> cells) {
    auto& s = sheets_[static_cast<std::size_t>(table)];
    if (s.parts.back()->rows >= max_rows_) {
        finish_part(s);
        start_part(s);
    }
    auto& p = *s.parts.back();
    const auto r = ++p.rows;
    std::array<char, 16> row_buf{};
    const auto row_end = std::to_chars(row_buf.data(), row_buf.data() + row_buf.size(), r).ptr;
    const std::string_view row_text(
        row_buf.data(), static_cast<std::size_t>(row_end - row_buf.data())
    );

    auto& x = s.xml;
    x.append("<row r=\"");
    x.append(row_text);
    x.append("\">");
    const auto n = std::min(cells.size(), s.spec->columns.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto& v = cells[i];
        if (std::holds_alternative<std::monostate>(v)) continue;
        const auto* text = std::get_if<std::string_view>(&v);
        if (text != nullptr && text->empty()) continue;
        const auto* d = std::get_if<double>(&v);
        if (d != nullptr && !std::isfinite(*d)) continue;  // no such number in a sheet
        x.append(s.cell_refs[i]);
        x.append(row_text);
        x.push_back('"');
        if (text != nullptr) {
            append_inline_string(x, *text);
            continue;
        }
        auto style = numeric_style(s.spec->columns[i].type);
        if (d != nullptr && style.empty()) style = style_minutes;
        if (std::holds_alternative<core::time_point>(v)) style = style_time;
        if (!style.empty()) {
            x.append(" s=\"");
            x.append(style);
            x.push_back('"');
        }
        x.append("><v>");
        if (const auto* integer = std::get_if<std::int64_t>(&v)) {
            append_number(x, *integer);
        } else if (d != nullptr) {
            append_number(x, *d);
        } else if (const auto* t = std::get_if<core::time_point>(&v)) {
            append_number(x, excel_serial(*t, zone_));
        }
        x.append("</v></c>");
    }
    x.append("</row>");
    if (x.size() >= flush_at) deflate_pending(s, false);
}

void xlsx_writer::close() {
    if (closed_) return;
    closed_ = true;
    for (auto& s : sheets_) finish_part(s);

    // Every sheet in table order, each followed by its continuations.
    std::vector<const part*> parts;
    for (const auto& s : sheets_) {
        for (const auto& p : s.parts) parts.push_back(p.get());
    }
    std::string content_types = fmt::format(
        "{}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        "<Default Extension=\"rels\" "
        "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        "<Override PartName=\"/xl/workbook.xml\" "
        "ContentType=\"application/"
        "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        "<Override PartName=\"/xl/styles.xml\" "
        "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
        xml_declaration
    );
    std::string workbook_rels = fmt::format(
        "{}<Relationships "
        "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        xml_declaration
    );
    std::string sheet_list;
    std::string filters;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto n = i + 1;
        content_types += fmt::format(
            "<Override PartName=\"/xl/worksheets/sheet{}.xml\" "
            "ContentType=\"application/"
            "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>",
            n
        );
        workbook_rels += fmt::format(
            "<Relationship Id=\"rId{}\" Type=\"{}/worksheet\" Target=\"worksheets/sheet{}.xml\"/>",
            n, ns_rel, n
        );
        sheet_list += fmt::format(
            "<sheet name=\"{}\" sheetId=\"{}\" r:id=\"rId{}\"/>", escaped(parts[i]->name), n, n
        );
    }
    for (std::size_t i = 0, k = 0; i < sheets_.size(); ++i) {
        const auto& s = sheets_[i];
        for (const auto& p : s.parts) {
            if (!s.spec->columns.empty()) {
                // Excel keeps each sheet's autofilter range in this hidden name.
                filters += fmt::format(
                    "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"{}\" "
                    "hidden=\"1\">{}!$A$1:${}${}</definedName>",
                    k, escaped(quoted_sheet(p->name)), column_letters(s.spec->columns.size() - 1),
                    p->rows
                );
            }
            ++k;
        }
    }
    content_types += "</Types>";
    workbook_rels += fmt::format(
        "<Relationship Id=\"rId{}\" Type=\"{}/styles\" Target=\"styles.xml\"/></Relationships>",
        parts.size() + 1, ns_rel
    );
    const std::string package_rels = fmt::format(
        "{}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" Type=\"{}/officeDocument\" Target=\"xl/workbook.xml\"/>"
        "</Relationships>",
        xml_declaration, ns_rel
    );
    const std::string workbook = fmt::format(
        "{}<workbook xmlns=\"{}\" xmlns:r=\"{}\"><bookViews><workbookView activeTab=\"0\"/>"
        "</bookViews><sheets>{}</sheets>{}{}{}</workbook>",
        xml_declaration, ns_main, ns_rel, sheet_list, filters.empty() ? "" : "<definedNames>",
        filters, filters.empty() ? "" : "</definedNames>"
    );
    const std::string styles = std::string(xml_declaration) + std::string(styles_xml);

    const auto fail = [&](zipFile zf, std::string_view what) {
        if (zf != nullptr) zipClose(zf, nullptr);
        std::error_code ignored;
        std::filesystem::remove(file_, ignored);
        return std::runtime_error(fmt::format(
            "cannot write {}: {}; check that the folder is writable and has free space",
            file_.string(), what
        ));
    };
    zipFile zf = zipOpen64(file_.c_str(), APPEND_STATUS_CREATE);
    if (zf == nullptr) throw fail(nullptr, std::strerror(errno));
    // A fixed time stamp: the same log gives the same workbook, byte for byte.
    zip_fileinfo info{};
    info.tmz_date.tm_year = 1980;
    info.tmz_date.tm_mday = 1;
    const auto add_text = [&](const char* name, const std::string& text) {
        if (zipOpenNewFileInZip64(
                zf, name, &info, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED, deflate_level, 0
            ) != ZIP_OK ||
            zipWriteInFileInZip(zf, text.data(), static_cast<unsigned>(text.size())) != ZIP_OK ||
            zipCloseFileInZip(zf) != ZIP_OK) {
            throw fail(zf, name);
        }
    };
    add_text("[Content_Types].xml", content_types);
    add_text("_rels/.rels", package_rels);
    add_text("xl/workbook.xml", workbook);
    add_text("xl/_rels/workbook.xml.rels", workbook_rels);
    add_text("xl/styles.xml", styles);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& p = *parts[i];
        const auto name = fmt::format("xl/worksheets/sheet{}.xml", i + 1);
        // ZIP64 only where a size needs it: plain zip entries are what every reader knows.
        const int zip64 = p.size >= zip64_from || p.compressed >= zip64_from ? 1 : 0;
        if (zipOpenNewFileInZip2_64(
                zf, name.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED, deflate_level,
                1, zip64
            ) != ZIP_OK) {
            throw fail(zf, name);
        }
        std::rewind(p.file.get());
        for (std::uint64_t left = p.compressed; left > 0;) {
            const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, out_.size()));
            if (std::fread(out_.data(), 1, want, p.file.get()) != want ||
                zipWriteInFileInZip(zf, out_.data(), static_cast<unsigned>(want)) != ZIP_OK) {
                throw fail(zf, name);
            }
            left -= want;
        }
        if (zipCloseFileInZipRaw64(zf, p.size, p.crc) != ZIP_OK) throw fail(zf, name);
    }
    if (zipClose(zf, nullptr) != ZIP_OK) throw fail(nullptr, "closing the zip");
    for (auto& s : sheets_) s.parts.clear();  // the temporary files go with them
}

}  // namespace admit::reports
