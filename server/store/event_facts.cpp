#include "store/event_facts.hpp"

#include <fmt/format.h>

#include <bit>
#include <cmath>

namespace admit::store {

namespace {
constexpr const char* badge_key_fact = "badge_key_fingerprint";
}  // namespace

std::uint64_t check_event_badge_key(
    scan_store& store,
    const core::public_key& key,
    const std::filesystem::path& key_file,
    const std::string& store_name,
    bool claim,
    bool replace
) {
    const auto ours = core::key_fingerprint(key);
    const auto stored = claim || replace
                            ? store.claim_event_fact(badge_key_fact, std::bit_cast<std::int64_t>(ours), replace)
                            : store.event_fact(badge_key_fact);
    if (!stored) return 0;
    const auto events = std::bit_cast<std::uint64_t>(*stored);
    if (events != ours) {
        throw store_error(fmt::format(
            "the badge key {} (fingerprint {}) is not this event's: {} holds the badges of the key "
            "with fingerprint {}, set by the first server or admin tool that used it. A server with "
            "another key refuses every real badge as BAD_SIGNATURE. Copy the event's keys folder "
            "(badge.pub and badge.key, from the data directory of a server that starts) to {} and "
            "start again (deploy/OPERATIONS.md section 8); to give the whole event a new key, see "
            "section 6b (`admit event-key --adopt`)",
            key_file.string(), core::fingerprint_text(ours), store_name, core::fingerprint_text(events),
            key_file.parent_path().string()
        ));
    }
    return events;
}

std::int64_t shared_rehearsal_origin(
    scan_store& store,
    std::int64_t clock_start_ms,
    double speed,
    std::int64_t real_now_ms,
    bool restart
) {
    // One fact per rehearsal clock: another --clock-start or speed is another clock.
    const auto key = fmt::format(
        "rehearsal_origin:{}:{}", clock_start_ms, static_cast<std::int64_t>(std::llround(speed * 1000))
    );
    return store.claim_event_fact(key, real_now_ms, restart);
}

}  // namespace admit::store
