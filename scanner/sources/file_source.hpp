#pragma once
// Frames from image files: a list given on the command line, or every image
// in a folder (sorted by name, so runs repeat). For demos, tests and replaying
// photos taken at the door.

#include <cstddef>
#include <filesystem>
#include <vector>

#include "sources/frame_source.hpp"

namespace admit::scanner {

// Reads each file once, in order; a missing or undecodable file is a problem
// result naming the file, then the source moves on.
// Thread safety: one thread at a time (see frame_source).
class file_source : public frame_source {
public:
    explicit file_source(std::vector<std::filesystem::path> files) : files_(std::move(files)) {}

    // Every regular file in folder with an image extension (.png .jpg .jpeg
    // .bmp .pgm, any case), sorted by name. Throws std::runtime_error when the
    // folder cannot be read (start-up).
    static file_source from_folder(const std::filesystem::path& folder);

    next_frame next() override;

    const std::vector<std::filesystem::path>& files() const { return files_; }

private:
    std::vector<std::filesystem::path> files_;
    std::size_t position_ = 0;
};

}  // namespace admit::scanner
