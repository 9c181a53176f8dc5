#pragma once
// Pairing phones and tablets as stations. A staff member asks for a pairing
// code for one configured station (POST /api/pairing); the code is short
// lived and good for one claim. The phone's station page claims it (POST
// /api/pairing/claim, no token: the code is the proof) and gets a device
// credential of its own for that station, which its hello then carries in
// place of the station's configured token. Unpairing (POST
// /api/pairing/{device}/revoke) makes the credential worthless at the next
// hello. Only hashes of credentials are kept, in <data>/paired-stations.json,
// so paired phones survive a server restart; codes live in memory only.
// Thread safety: every member is safe from any thread. accepts() runs on the
// station threads at hello: it only copies a pointer under mutex_, which is
// never held across I/O. Claims and revocations (POSTs, on the work pool)
// take write_mutex_ across the file write, then publish the new list.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"
namespace admit::service {

struct http_reply;  // service/api.hpp

class pairing {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds code_lifetime{120};

    // Reads <data_dir>/paired-stations.json when present (throws
    // std::runtime_error naming the file when it is not readable JSON).
    pairing(const core::event_config& event, std::filesystem::path data_dir,
            std::function<clock::time_point()> now = &clock::now);

    // The pairing routes, after the caller decided the role (staff for
    // everything but the claim).
    http_reply route(std::string_view method, std::string_view path, std::string_view body, bool staff);

    // True when token is a live device credential paired with this station.
    bool accepts(std::string_view station_id, std::string_view token) const;

private:
    struct pending_code {
        std::string code;
        std::string station_id;
        std::string label;
        clock::time_point expires;
    };
    struct device {
        std::string id;          // "phone-<hex>", shown on the desk
        std::string station_id;
        std::string label;       // what the staff member typed ("door 2 iPad")
        std::string token_hash;  // config::hash_token of the credential
        std::string paired_at;   // ISO time, for the desk's list
    };

    http_reply new_code(std::string_view body);
    http_reply claim(std::string_view body);
    http_reply revoke(const std::string& device_id);
    http_reply list() const;
    using device_list = std::vector<device>;
    std::shared_ptr<const device_list> devices() const;
    // Writes the list to the file (throws std::runtime_error), then publishes it. Under write_mutex_.
    void save_and_publish(std::shared_ptr<const device_list> next);
    void load();

    const core::event_config& event_;
    std::filesystem::path file_;
    std::function<clock::time_point()> now_;
    std::mutex write_mutex_;       // serialises claims and revocations across the file write
    mutable std::mutex mutex_;     // codes_ and the devices_ pointer; never held across I/O
    std::vector<pending_code> codes_;
    std::shared_ptr<const device_list> devices_ = std::make_shared<const device_list>();
};

}  // namespace admit::service
