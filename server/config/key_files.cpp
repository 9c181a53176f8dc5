// The badge signing keys on disk. The secret key signs every badge of the
// event, so it is created 0600 in a 0700 directory (never briefly readable
// by others) and replaced only on request: new keys revoke every printed badge.
#include "config/key_files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace admit::config {
namespace {

namespace fs = std::filesystem;

fs::path keys_dir(const fs::path& data_dir) {
    return data_dir / "keys";
}

std::string keygen_hint(const fs::path& data_dir) {
    return fmt::format("run `admit keygen --data {}`", data_dir.string());
}

// Writes text to path with the given mode via a temporary file and a rename,
// so a crash never leaves half a key behind.
void write_file(const fs::path& path, const std::string& text, mode_t mode) {
    const fs::path tmp = path.string() + ".tmp";
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        throw std::runtime_error(
            fmt::format("{}: cannot create: {}", tmp.string(), std::strerror(errno))
        );
    }
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw std::runtime_error(
                fmt::format("{}: cannot write: {}", tmp.string(), std::strerror(err))
            );
        }
        written += static_cast<std::size_t>(n);
    }
    // The umask may have taken bits off; set the mode exactly.
    const bool ok = ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        throw std::runtime_error(
            fmt::format("{}: cannot write: {}", path.string(), std::strerror(ok ? errno : err))
        );
    }
}

std::string read_key_text(const fs::path& path, const fs::path& data_dir) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        throw std::runtime_error(fmt::format(
            "{}: no such file; {} to create the event's badge keys",
            path.string(),
            keygen_hint(data_dir)
        ));
    }
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        throw std::runtime_error(fmt::format(
            "{}: cannot read the file; check its permissions (the server's user must own it)",
            path.string()
        ));
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
        s.pop_back();
    }
    return s;
}

}  // namespace

void write_badge_keys(const fs::path& data_dir, const core::badge_keys& keys, bool overwrite) {
    const fs::path dir = keys_dir(data_dir);
    const fs::path pub = dir / "badge.pub";
    const fs::path secret = dir / "badge.key";
    std::error_code ec;
    if (!overwrite && (fs::exists(pub, ec) || fs::exists(secret, ec))) {
        throw std::runtime_error(fmt::format(
            "{}: badge keys already exist; new keys revoke every badge already issued, so "
            "replace them only on purpose (admit keygen --force)",
            dir.string()
        ));
    }
    fs::create_directories(dir, ec);
    if (ec) {
        throw std::runtime_error(
            fmt::format("{}: cannot create the directory: {}", dir.string(), ec.message())
        );
    }
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) {
        throw std::runtime_error(
            fmt::format("{}: cannot set mode 0700: {}", dir.string(), ec.message())
        );
    }
    // The secret first: a public key without its secret would be useless.
    write_file(secret, core::key_to_text(keys.secret) + "\n", 0600);
    write_file(pub, core::key_to_text(keys.pub) + "\n", 0644);
}

core::public_key read_public_key(const fs::path& data_dir) {
    const fs::path path = keys_dir(data_dir) / "badge.pub";
    const std::string text = read_key_text(path, data_dir);
    auto key = core::public_key_from_text(text);
    if (!key) {
        throw std::runtime_error(fmt::format(
            "{}: not a public key (expected 43 base64url characters); restore it from a copy "
            "or {} --force (this revokes every badge)",
            path.string(),
            keygen_hint(data_dir)
        ));
    }
    return *key;
}

core::badge_keys read_badge_keys(const fs::path& data_dir) {
    const fs::path path = keys_dir(data_dir) / "badge.key";
    core::badge_keys keys;
    keys.pub = read_public_key(data_dir);
    auto secret = core::secret_key_from_text(read_key_text(path, data_dir));
    if (!secret) {
        throw std::runtime_error(fmt::format(
            "{}: not a secret key; restore it from a copy or {} --force (this revokes every "
            "badge)",
            path.string(),
            keygen_hint(data_dir)
        ));
    }
    keys.secret = *secret;
    // Badges signed with a secret key that does not match badge.pub would fail everywhere.
    core::public_key derived{};
    if (sodium_init() < 0 ||
        crypto_sign_ed25519_sk_to_pk(derived.data(), keys.secret.data()) != 0 ||
        derived != keys.pub) {
        throw std::runtime_error(fmt::format(
            "{}: badge.key and badge.pub do not belong together; restore both from the same "
            "copy",
            keys_dir(data_dir).string()
        ));
    }
    return keys;
}

}  // namespace admit::config
