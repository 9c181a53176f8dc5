#include "core/recent_reads.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

namespace admit::core {

const counted_read* recent_reads::duplicated(
    std::string_view attendee_id,
    std::string_view payload,
    std::string_view hall_id,
    direction dir,
    time_point read_at,
    std::chrono::milliseconds window
) const {
    if (window <= std::chrono::milliseconds::zero() || attendee_id.empty()) return nullptr;
    const auto it = reads_.find(attendee_id);
    if (it == reads_.end() || it->second.hall_id != hall_id || it->second.dir != dir ||
        it->second.payload != payload)
        return nullptr;
    const auto apart = read_at - it->second.read_at;
    return (apart <= window && -apart <= window) ? &it->second : nullptr;
}

std::string recent_reads::key_of(const scan_record& r) {
    if (r.kind != scan_kind::badge || r.duplicate || r.attendee_id.empty() || r.hall_id.empty()) return {};
    return r.attendee_id;
}

std::optional<counted_read> recent_reads::remember(const scan_record& r) {
    const auto k = key_of(r);
    if (k.empty()) return std::nullopt;
    counted_read fresh{r.scan_id, r.hall_id, r.dir, r.payload, r.read_time(), r.result};
    const auto it = reads_.find(k);
    if (it == reads_.end()) {
        reads_.emplace(k, std::move(fresh));
        return std::nullopt;
    }
    auto previous = std::move(it->second);
    it->second = std::move(fresh);
    return previous;
}

void recent_reads::restore(const std::string& k, std::optional<counted_read> previous) {
    if (previous) {
        reads_[k] = std::move(*previous);
    } else {
        reads_.erase(k);
    }
}

void recent_reads::forget_before(time_point before) {
    boost::unordered::erase_if(reads_, [&](const auto& entry) { return entry.second.read_at < before; });
}

}  // namespace admit::core
