#pragma once
// The event's badge signing keys in a data directory:
//   <data_dir>/keys/badge.pub  public key, base64url text (kiosks get a copy)
//   <data_dir>/keys/badge.key  secret key, base64url text, mode 0600
// Thread safety: free functions over files.

#include <filesystem>

#include "core/badge.hpp"

namespace admit::config {

// Writes both files; refuses (throws std::runtime_error) to overwrite existing keys unless overwrite.
void write_badge_keys(const std::filesystem::path& data_dir, const core::badge_keys& keys, bool overwrite);
// Throw std::runtime_error naming the file and what to do ("run `admit keygen --data DIR`").
core::public_key read_public_key(const std::filesystem::path& data_dir);
core::badge_keys read_badge_keys(const std::filesystem::path& data_dir);

}  // namespace admit::config
