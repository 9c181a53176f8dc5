#include "service/staff_directory.hpp"

#include <pthread.h>

#include <spdlog/spdlog.h>

namespace admit::service {

staff_directory::staff_directory(store::store_location where, std::chrono::milliseconds every)
    : where_(std::move(where)), every_(every) {
    refresh();
    thread_ = std::thread([this] { run(); });
}

staff_directory::~staff_directory() {
    {
        std::lock_guard lock(stop_mutex_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::optional<std::string> staff_directory::name_of(const std::string& token_hash) const {
    std::shared_ptr<const by_hash> map;
    {
        std::lock_guard lock(map_mutex_);
        map = map_;
    }
    const auto it = map->find(token_hash);
    if (it == map->end()) return std::nullopt;
    return it->second;
}

void staff_directory::refresh() {
    std::lock_guard lock(refresh_mutex_);
    try {
        if (!reader_) reader_ = store::open_store(where_, store::open_mode::read_only);
        auto fresh = std::make_shared<by_hash>();
        for (auto& c : reader_->staff_list())
            if (!c.revoked) fresh->emplace(std::move(c.token_hash), std::move(c.name));
        std::lock_guard map_lock(map_mutex_);
        map_ = std::move(fresh);
    } catch (const std::exception& e) {
        // Keep the last map: a locked or briefly unreachable store must not sign everyone out.
        spdlog::warn("staff credentials: cannot read them from {}: {}", store::describe(where_), e.what());
        reader_.reset();
    }
}

void staff_directory::run() {
    pthread_setname_np(pthread_self(), "credentials");
    std::unique_lock lock(stop_mutex_);
    while (!stop_cv_.wait_for(lock, every_, [this] { return stopping_; })) {
        lock.unlock();
        refresh();
        lock.lock();
    }
}

}  // namespace admit::service
