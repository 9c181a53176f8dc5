#pragma once
// Payloads from a handheld USB scanner in keyboard mode: it "types" each QR's
// text followed by Enter, so stdin carries one payload per line. No image, no
// decoding: the text goes straight to the duplicate filter and the verdict.

#include <istream>
#include <optional>
#include <string>

namespace admit::scanner {

// Reads one payload per line; trims the line ending (LF, CRLF, or CR alone as
// some scanners send) and surrounding spaces/tabs, and skips blank lines.
// Thread safety: one thread at a time; in must outlive the source.
class line_source {
public:
    explicit line_source(std::istream& in) : in_(in) {}

    // The next payload, or nullopt at end of input.
    std::optional<std::string> next();

private:
    std::istream& in_;
};

}  // namespace admit::scanner
