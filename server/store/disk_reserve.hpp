#pragma once
// Disk space held back for a full disk: a file of zeros in the data directory
// (reserve.bin). When a commit fails for want of space the store deletes it,
// so that the WAL can be checkpointed and emptied and the next commits have
// room at once, without anyone freeing space by hand; when the disk has room
// again it is made again. Internal to admit_store.
// Thread safety: one thread at a time (the store's).

#include <cstdint>
#include <filesystem>

namespace admit::store {

class disk_reserve {
public:
    // bytes 0: no reserve (ensure() and release() do nothing).
    disk_reserve(std::filesystem::path file, std::uintmax_t bytes);

    bool held() const { return held_; }
    // Makes the file when it is missing and the disk has room for it and twice
    // as much besides (a reserve must never take the last free space); true
    // when it is in place. Says so in the log when it comes back after a release.
    bool ensure();
    // Deletes the file; the bytes freed (0 when none was held).
    std::uintmax_t release();
    const std::filesystem::path& file() const { return file_; }

private:
    bool write_file();

    std::filesystem::path file_;
    std::uintmax_t bytes_;
    bool held_ = false;
    bool released_ = false;  // released since it was last made: its return is news
};

}  // namespace admit::store
