#include "store/disk_reserve.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <system_error>

#include <spdlog/spdlog.h>

namespace admit::store {

disk_reserve::disk_reserve(std::filesystem::path file, std::uintmax_t bytes)
    : file_(std::move(file)), bytes_(bytes) {}

bool disk_reserve::ensure() {
    if (bytes_ == 0 || held_) return held_;
    std::error_code ec;
    if (std::filesystem::file_size(file_, ec) >= bytes_ && !ec) {
        held_ = true;  // made by an earlier run
        return true;
    }
    const auto space = std::filesystem::space(file_.parent_path(), ec);
    if (ec || space.available < 3 * bytes_) return false;
    if (!write_file()) return false;
    held_ = true;
    if (released_) {
        spdlog::warn(
            "disk space is back: made the {} MiB reserve {} again, for the next time the disk "
            "fills",
            bytes_ >> 20, file_.string()
        );
    }
    released_ = false;
    return true;
}

// Zeros really written (not a sparse file), into a temporary name renamed
// when complete, so that a half-made reserve never looks whole.
bool disk_reserve::write_file() {
    const auto partial = std::filesystem::path(file_.string() + ".partial");
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    static const std::string zeros(64 * 1024, '\0');
    std::uintmax_t written = 0;
    bool ok = true;
    while (ok && written < bytes_) {
        const auto piece =
            static_cast<std::size_t>(std::min<std::uintmax_t>(zeros.size(), bytes_ - written));
        const auto n = ::write(fd, zeros.data(), piece);
        ok = n > 0;
        if (ok) written += static_cast<std::uintmax_t>(n);
    }
    ok = ok && ::fdatasync(fd) == 0;
    ::close(fd);
    std::error_code ec;
    if (ok) std::filesystem::rename(partial, file_, ec);
    if (!ok || ec) {
        std::filesystem::remove(partial, ec);
        return false;
    }
    return true;
}

std::uintmax_t disk_reserve::release() {
    if (!held_) return 0;
    std::error_code ec;
    std::filesystem::remove(file_, ec);
    held_ = false;
    released_ = true;
    return ec ? 0 : bytes_;
}

}  // namespace admit::store
