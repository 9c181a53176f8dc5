#pragma once
// The dashboard and help-desk files the server may send: a table, made once
// at start, of every regular file inside the web folder. A request path is
// split and percent-decoded by Boost.URL and then looked up in the table, so
// anything not in it is 404 whatever its form: absolute paths ("//etc/passwd"),
// "..", encoded separators (%2f, %5c), NULs, overlong UTF-8, and links that
// point out of the folder (a link is listed only when its target lies inside).
// Files added to the folder after start are not served until a restart.
// Thread safety: immutable after construction; find() is safe from any thread.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

namespace admit::service {

class web_files {
public:
    struct file {
        std::filesystem::path path;  // canonical, inside the web folder
        std::string content_type;
    };

    // Lists the folder. A folder that does not exist gives an empty table (the
    // server then answers 404 for every file and says so at start).
    explicit web_files(const std::filesystem::path& web_dir);

    // The file for a request target ("/js/app.js?token=..."); "/" and "/dir/"
    // mean their index.html. nullptr when the target names no listed file.
    const file* find(std::string_view target) const;

    std::size_t size() const { return files_.size(); }
    const std::filesystem::path& root() const { return root_; }

private:
    std::filesystem::path root_;                    // canonical web folder
    std::unordered_map<std::string, file> files_;  // "/js/app.js" -> file
};

// Refuses (std::runtime_error) a web folder that holds the data folder or is
// inside it: the badge signing key must never be reachable as a static file.
void check_web_dir_apart(const std::filesystem::path& web_dir, const std::filesystem::path& data_dir);

// The Content-Type for a file name's extension.
std::string content_type_for(const std::filesystem::path& file);

}  // namespace admit::service
