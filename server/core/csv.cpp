// The one CSV reader: RFC 4180 as spreadsheets export it (see csv.hpp).
#include "core/csv.hpp"

namespace admit::core {

std::string_view without_utf8_bom(std::string_view text) {
    constexpr std::string_view bom = "\xEF\xBB\xBF";
    if (text.starts_with(bom)) text.remove_prefix(bom.size());
    return text;
}

csv_table split_csv(std::string_view text) {
    csv_table out;
    std::size_t line = 1;
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        csv_record record;
        record.line = line;
        std::string field;
        bool record_done = false;
        while (!record_done) {
            field.clear();
            if (i < n && text[i] == '"') {
                // Quoted field: runs to the closing quote, "" is a quote.
                const std::size_t open_line = line;
                ++i;
                bool closed = false;
                while (i < n) {
                    const char c = text[i];
                    if (c == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (c == '\n') {
                        ++line;
                    }
                    field += c;
                    ++i;
                }
                if (!closed) {
                    out.problems.push_back(
                        {open_line,
                         "a quoted field is never closed; add the closing '\"' (a quote inside a "
                         "field is written as \"\")"}
                    );
                    return out;
                }
                // Anything between the closing quote and the separator is a mistake.
                std::size_t junk = i;
                while (junk < n && text[junk] != ',' && text[junk] != '\n' && text[junk] != '\r') {
                    ++junk;
                }
                if (junk != i) {
                    out.problems.push_back(
                        {line, "text after a closing quote (\"" +
                                   std::string(text.substr(i, junk - i)) +
                                   "\"); quote the whole field and double any quote inside it"}
                    );
                    i = junk;
                }
            } else {
                while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    field += text[i];
                    ++i;
                }
            }
            record.fields.push_back(field);
            if (i < n && text[i] == ',') {
                ++i;
                continue;
            }
            // End of record: CRLF, LF, lone CR or end of text.
            if (i < n && text[i] == '\r') {
                ++i;
            }
            if (i < n && text[i] == '\n') {
                ++i;
            }
            ++line;
            record_done = true;
        }
        // Blank lines (a lone empty field) carry nothing; skip them.
        if (!(record.fields.size() == 1 && record.fields[0].empty())) {
            out.records.push_back(std::move(record));
        }
    }
    return out;
}

}  // namespace admit::core
