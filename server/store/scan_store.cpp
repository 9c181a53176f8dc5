#include "store/scan_store.hpp"

#include "store/pg_connection.hpp"
#include "store/pg_store.hpp"

namespace admit::store {

std::vector<core::scan_record> scan_store::find_scans(const std::vector<std::string>& scan_ids) {
    std::vector<core::scan_record> found;
    for (const auto& id : scan_ids) {
        if (auto r = find_scan(id)) found.push_back(std::move(*r));
    }
    return found;
}

std::unique_ptr<scan_store> open_store(const store_location& location, open_mode mode) {
    if (location.is_postgres()) return std::make_unique<pg_store>(location.postgres_url, mode);
    return open_sqlite_store(location.data_dir, mode, location.disk_reserve_bytes);
}

std::string describe(const store_location& location) {
    if (location.is_postgres()) return pg::describe_url(location.postgres_url);
    return (location.data_dir / "admit.db").string();
}

std::unique_ptr<change_listener> open_change_listener(const store_location& location) {
    if (!location.is_postgres()) return nullptr;
    return open_postgres_listener(location.postgres_url);
}

}  // namespace admit::store
