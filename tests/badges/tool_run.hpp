#pragma once
// Runs an external checking tool (zbarimg, pdftotext) and captures its output,
// so badge tests judge our files with decoders we did not write.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace admit::badges::test {

struct tool_output {
    int exit_code = -1;
    std::string out;
};

inline tool_output run_tool(const std::string& command) {
    tool_output result;
    FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
    if (pipe == nullptr) {
        return result;
    }
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        result.out.append(buffer, n);
    }
    result.exit_code = ::pclose(pipe);
    return result;
}

inline bool have_tool(const std::string& name) {
    return run_tool("command -v " + name).exit_code == 0;
}

// A fresh folder under the system temp directory, removed with the fixture.
class temp_folder {
public:
    explicit temp_folder(const std::string& name)
        : path_(std::filesystem::temp_directory_path() /
                ("admit-" + name + "-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~temp_folder() { std::filesystem::remove_all(path_); }
    temp_folder(const temp_folder&) = delete;
    temp_folder& operator=(const temp_folder&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& file, const std::vector<std::uint8_t>& bytes) {
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// zbarimg's reading of an image file: the decoded texts, one per line, or nullopt when
// it found nothing.
inline std::optional<std::string> zbar_decode(const std::filesystem::path& image) {
    const tool_output r = run_tool("zbarimg --raw -q '" + image.string() + "'");
    if (r.exit_code != 0 || r.out.empty()) {
        return std::nullopt;
    }
    std::string text = r.out;
    if (text.back() == '\n') {
        text.pop_back();
    }
    return text;
}

}  // namespace admit::badges::test
