// Tests config/key_files: keys survive a round trip through the data
// directory, the secret is private, and mistakes name the file and the fix.
#include "config/key_files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include "support/temp_dir.hpp"

namespace admit::config {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777U;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(key_files, written_keys_read_back_and_sign_verifiable_badges) {
    test::temp_dir dir;
    const auto keys = core::badge_keys::generate();
    write_badge_keys(dir.path() / "data", keys, false);

    const auto read = read_badge_keys(dir.path() / "data");
    EXPECT_EQ(read.pub, keys.pub);
    EXPECT_EQ(read.secret, keys.secret);
    EXPECT_EQ(read_public_key(dir.path() / "data"), keys.pub);

    const core::badge_claims claims{"seoul-smart-city-2023", "del-0001", "delegate", 1};
    const auto check = core::verify_badge(core::sign_badge(claims, read.secret), read.pub);
    EXPECT_EQ(check.why, core::reason::ok);
}

TEST(key_files, secret_key_is_private_and_directory_closed) {
    test::temp_dir dir;
    const mode_t old = ::umask(0);  // the most permissive umask must not leak the key
    write_badge_keys(dir.path(), core::badge_keys::generate(), false);
    ::umask(old);
    EXPECT_EQ(mode_of(dir.path() / "keys"), 0700U);
    EXPECT_EQ(mode_of(dir.path() / "keys" / "badge.key"), 0600U);
    EXPECT_EQ(mode_of(dir.path() / "keys" / "badge.pub"), 0644U);
    // Only the two key files, no temporaries left behind.
    EXPECT_EQ(
        std::distance(fs::directory_iterator{dir.path() / "keys"}, fs::directory_iterator{}), 2
    );
}

TEST(key_files, existing_keys_are_kept_unless_overwrite) {
    test::temp_dir dir;
    const auto first = core::badge_keys::generate();
    write_badge_keys(dir.path(), first, false);
    const auto second = core::badge_keys::generate();

    const std::string message = error_of([&] { write_badge_keys(dir.path(), second, false); });
    EXPECT_NE(message.find("already exist"), std::string::npos) << message;
    EXPECT_NE(message.find("--force"), std::string::npos) << message;
    EXPECT_EQ(read_public_key(dir.path()), first.pub);

    write_badge_keys(dir.path(), second, true);
    EXPECT_EQ(read_public_key(dir.path()), second.pub);
    EXPECT_EQ(mode_of(dir.path() / "keys" / "badge.key"), 0600U);
}

TEST(key_files, missing_keys_say_to_run_keygen) {
    test::temp_dir dir;
    const std::string message = error_of([&] { read_public_key(dir.path()); });
    EXPECT_NE(message.find((dir.path() / "keys" / "badge.pub").string()), std::string::npos);
    EXPECT_NE(message.find("admit keygen --data " + dir.path().string()), std::string::npos)
        << message;
}

TEST(key_files, garbage_key_file_is_refused) {
    test::temp_dir dir;
    write_badge_keys(dir.path(), core::badge_keys::generate(), false);
    dir.write("keys/badge.pub", "not a key\n");
    const std::string message = error_of([&] { read_public_key(dir.path()); });
    EXPECT_NE(message.find("not a public key"), std::string::npos) << message;
}

TEST(key_files, mismatched_pair_is_refused) {
    test::temp_dir dir;
    write_badge_keys(dir.path(), core::badge_keys::generate(), false);
    const auto other = core::badge_keys::generate();
    dir.write("keys/badge.pub", core::key_to_text(other.pub) + "\n");
    const std::string message = error_of([&] { read_badge_keys(dir.path()); });
    EXPECT_NE(message.find("do not belong together"), std::string::npos) << message;
}

}  // namespace
}  // namespace admit::config
