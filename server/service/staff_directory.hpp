#pragma once
// Who the help-desk people are: the staff credentials in the store (`admit
// staff add NAME`), as a map from credential hash to name that requests read
// without touching the store. A thread of its own re-reads the store's staff
// table every `every` (default 1 s), so a credential added or revoked by the
// admin tool, or by another server sharing the store, counts within about a
// second; a store that cannot be read keeps the last map (and is logged).
// Thread safety: name_of() from any thread (it copies a shared pointer under
// a mutex); refresh() serialises itself.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "store/scan_store.hpp"

namespace admit::service {

class staff_directory {
public:
    explicit staff_directory(
        store::store_location where, std::chrono::milliseconds every = std::chrono::seconds(1)
    );
    ~staff_directory();
    staff_directory(const staff_directory&) = delete;
    staff_directory& operator=(const staff_directory&) = delete;

    // The name whose credential hashes to `token_hash`, if it is in force.
    std::optional<std::string> name_of(const std::string& token_hash) const;
    // Re-reads the store now.
    void refresh();

private:
    using by_hash = std::unordered_map<std::string, std::string>;
    void run();

    store::store_location where_;
    std::chrono::milliseconds every_;
    mutable std::mutex map_mutex_;  // guards map_ (the pointer, not the map: that is immutable)
    std::shared_ptr<const by_hash> map_ = std::make_shared<by_hash>();
    std::mutex refresh_mutex_;      // one refresh at a time; guards reader_
    std::unique_ptr<store::scan_store> reader_;
    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    bool stopping_ = false;  // guarded by stop_mutex_
    std::thread thread_;
};

}  // namespace admit::service
