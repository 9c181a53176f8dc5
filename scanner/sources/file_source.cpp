#include "sources/file_source.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

namespace admit::scanner {

namespace {

bool is_image_name(const std::filesystem::path& file) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".pgm";
}

}  // namespace

file_source file_source::from_folder(const std::filesystem::path& folder) {
    std::error_code ec;
    std::filesystem::directory_iterator it(folder, ec);
    if (ec) {
        throw std::runtime_error(
            folder.string() + ": cannot read folder (" + ec.message() +
            "); give a folder of PNG/JPEG images"
        );
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : it) {
        if (entry.is_regular_file(ec) && is_image_name(entry.path())) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return file_source(std::move(files));
}

next_frame file_source::next() {
    if (position_ >= files_.size()) {
        return next_frame::end();
    }
    const std::filesystem::path& file = files_[position_++];
    image_load loaded = load_grey_image(file);
    next_frame result;
    result.origin = file.string();
    if (loaded.image) {
        result.what = next_frame::kind::frame;
        result.image = std::move(*loaded.image);
    } else {
        result.what = next_frame::kind::problem;
        result.problem = std::move(loaded.error);
    }
    return result;
}

}  // namespace admit::scanner
