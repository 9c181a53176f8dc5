#pragma once
// Facts every server and the admin tool of one event must agree on, kept in
// the event's store (its meta table) by the first one that starts:
//  - the badge key: a server or admin tool with another key would refuse
//    every real badge as BAD_SIGNATURE (or print badges no door accepts);
//  - the rehearsal clock's origin: servers of one event started at
//    different moments with the same --clock-start run one clock.
// Thread safety: free functions over a store used by one thread.

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/badge.hpp"
#include "store/scan_store.hpp"

namespace admit::store {

// Stores `key`'s fingerprint as the event's when none is stored yet (and
// `claim`; a read-only store only checks), or when `replace` (the operator
// adopted a new key for the whole event). Throws store_error when the event
// uses another key, naming both fingerprints, `key_file` and how to copy the
// keys. `store_name` names the store in that message. Returns the event's
// fingerprint, or 0 when none is stored and it was not claimed.
std::uint64_t check_event_badge_key(
    scan_store& store,
    const core::public_key& key,
    const std::filesystem::path& key_file,
    const std::string& store_name,
    bool claim,
    bool replace = false
);

// The real moment (ms since the Unix epoch) at which the rehearsal clock
// starting at `clock_start_ms` and running `speed` times real time read
// `clock_start_ms`: the one stored by the first server that ran this very
// rehearsal clock, else `real_now_ms` (stored now). `restart`: store
// `real_now_ms` whatever was there (the rehearsal starts over).
std::int64_t shared_rehearsal_origin(
    scan_store& store,
    std::int64_t clock_start_ms,
    double speed,
    std::int64_t real_now_ms,
    bool restart
);

}  // namespace admit::store
