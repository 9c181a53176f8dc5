// The outbox in SQLite. Every write is its own transaction with
// synchronous=FULL: a scan the kiosk has shown is on disk before it is shown.
#include "kiosk/outbox.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sodium.h>

#include <stdexcept>

namespace admit::scanner {

namespace {

constexpr const char* schema = R"(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    scan_id TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    direction INTEGER NOT NULL,
    device_time_ms INTEGER NOT NULL,
    offline INTEGER NOT NULL,
    shown_admitted INTEGER,
    shown_reason INTEGER,
    shown_warning INTEGER,
    shown_explanation TEXT,
    hall_delta INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS held (
    scan_id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    direction INTEGER NOT NULL,
    device_time_ms INTEGER NOT NULL,
    offline INTEGER NOT NULL,
    why TEXT NOT NULL,
    held_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS presence (
    attendee_id TEXT PRIMARY KEY,
    hall_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
)";

outbox_entry entry_of(SQLite::Statement& q) {
    outbox_entry e;
    e.seq = q.getColumn(0).getInt64();
    e.scan_id = q.getColumn(1).getString();
    e.payload = q.getColumn(2).getString();
    e.dir = q.getColumn(3).getInt() == 1 ? core::direction::exit : core::direction::entry;
    e.device_time_ms = q.getColumn(4).getInt64();
    e.offline = q.getColumn(5).getInt() != 0;
    if (!q.getColumn(6).isNull()) {
        core::verdict v;
        v.admitted = q.getColumn(6).getInt() != 0;
        const auto code = q.getColumn(7).getInt();
        v.why = code >= 1 && code <= core::reason_max ? static_cast<core::reason>(code)
                                                      : core::reason::ok;
        v.warning = q.getColumn(8).getInt() != 0;
        v.explanation = q.getColumn(9).getString();
        e.shown = std::move(v);
    }
    e.hall_delta = q.getColumn(10).getInt();
    return e;
}

// 48 random bits as 12 hex digits: two kiosks of one station collide with
// odds of about 1 in 10^14, whatever happened to their state folders.
std::string new_instance_id() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start (no random source)");
    unsigned char bytes[6];
    randombytes_buf(bytes, sizeof bytes);
    std::string hex;
    for (const unsigned char b : bytes) hex += fmt::format("{:02x}", b);
    return hex;
}

constexpr const char* entry_columns =
    "seq, scan_id, payload, direction, device_time_ms, offline, shown_admitted, shown_reason, "
    "shown_warning, shown_explanation, hall_delta";

}  // namespace

outbox::outbox(const std::filesystem::path& state_dir, std::string station_id)
    : station_id_(std::move(station_id)) {
    const auto file = state_dir / "outbox.db";
    try {
        std::filesystem::create_directories(state_dir);
        db_ = std::make_unique<SQLite::Database>(
            file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE
        );
        db_->exec("PRAGMA journal_mode=WAL");
        db_->exec("PRAGMA synchronous=FULL");
        db_->setBusyTimeout(5000);
        db_->exec(schema);
        // A random instance id made when the state folder is new: a replacement
        // kiosk (empty state, same station) never reuses the old kiosk's ids.
        const auto instance = meta("instance_id");
        instance_id_ = instance ? *instance : new_instance_id();
        if (!instance) set_meta("instance_id", instance_id_);
        // A new boot id per start: the in-memory counter restarts at 1, the ids stay unique.
        const auto previous = meta("boot_id");
        boot_id_ = previous ? std::stoll(*previous) + 1 : 1;
        set_meta("boot_id", std::to_string(boot_id_));
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format(
            "{}: cannot open the kiosk outbox: {}; check --state and its permissions",
            file.string(), e.what()
        ));
    }
}

outbox::outbox(const std::filesystem::path& state_dir, read_only_tag) {
    const auto file = state_dir / "outbox.db";
    try {
        db_ = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READONLY);
        db_->setBusyTimeout(5000);
    } catch (const std::exception& e) {
        throw std::runtime_error(
            fmt::format("{}: cannot open the kiosk outbox: {}", file.string(), e.what())
        );
    }
}

std::unique_ptr<outbox> outbox::open_read_only(const std::filesystem::path& state_dir) {
    return std::unique_ptr<outbox>(new outbox(state_dir, read_only_tag{}));
}

outbox::~outbox() = default;

std::optional<std::string> outbox::meta(const std::string& key) const {
    SQLite::Statement q(*db_, "SELECT value FROM meta WHERE key = ?");
    q.bind(1, key);
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getString();
}

void outbox::set_meta(const std::string& key, const std::string& value) {
    SQLite::Statement q(*db_, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)");
    q.bind(1, key);
    q.bind(2, value);
    q.exec();
}

std::string outbox::next_scan_id() {
    std::lock_guard lock(mutex_);
    return fmt::format("{}-{}-{}-{}", station_id_, instance_id_, boot_id_, ++counter_);
}

std::optional<outbox_entry> outbox::hold(const std::string& scan_id, const std::string& why, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    SQLite::Transaction tx(*db_);
    auto entry = remove_locked(scan_id);
    if (!entry) return std::nullopt;
    SQLite::Statement q(
        *db_,
        "INSERT OR REPLACE INTO held(scan_id, payload, direction, device_time_ms, offline, why, held_at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    );
    q.bind(1, entry->scan_id);
    q.bind(2, entry->payload);
    q.bind(3, entry->dir == core::direction::exit ? 1 : 0);
    q.bind(4, entry->device_time_ms);
    q.bind(5, entry->offline ? 1 : 0);
    q.bind(6, why);
    q.bind(7, now_ms);
    q.exec();
    tx.commit();
    return entry;
}

std::size_t outbox::held_count() const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(db_->execAndGet("SELECT count(*) FROM held").getInt64());
}

std::int64_t outbox::add(const outbox_entry& entry) {
    std::lock_guard lock(mutex_);
    SQLite::Statement q(
        *db_,
        "INSERT INTO outbox(scan_id, payload, direction, device_time_ms, offline, shown_admitted, "
        "shown_reason, shown_warning, shown_explanation, hall_delta) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    );
    q.bind(1, entry.scan_id);
    q.bind(2, entry.payload);
    q.bind(3, entry.dir == core::direction::exit ? 1 : 0);
    q.bind(4, entry.device_time_ms);
    q.bind(5, entry.offline ? 1 : 0);
    if (entry.shown) {
        q.bind(6, entry.shown->admitted ? 1 : 0);
        q.bind(7, static_cast<int>(entry.shown->why));
        q.bind(8, entry.shown->warning ? 1 : 0);
        q.bind(9, entry.shown->explanation);
    }
    q.bind(10, entry.hall_delta);
    q.exec();
    return db_->getLastInsertRowid();
}

bool outbox::mark_offline(const std::string& scan_id, const core::verdict& shown, int hall_delta) {
    std::lock_guard lock(mutex_);
    SQLite::Statement q(
        *db_,
        "UPDATE outbox SET offline = 1, shown_admitted = ?, shown_reason = ?, shown_warning = ?, "
        "shown_explanation = ?, hall_delta = ? WHERE scan_id = ?"
    );
    q.bind(1, shown.admitted ? 1 : 0);
    q.bind(2, static_cast<int>(shown.why));
    q.bind(3, shown.warning ? 1 : 0);
    q.bind(4, shown.explanation);
    q.bind(5, hall_delta);
    q.bind(6, scan_id);
    return q.exec() > 0;
}

std::optional<outbox_entry> outbox::remove(const std::string& scan_id) {
    std::lock_guard lock(mutex_);
    return remove_locked(scan_id);
}

std::vector<std::optional<outbox_entry>> outbox::remove(const std::vector<std::string>& scan_ids) {
    std::lock_guard lock(mutex_);
    // One commit (one fsync) for a whole verdict batch: a replay of thousands stays quick.
    SQLite::Transaction tx(*db_);
    std::vector<std::optional<outbox_entry>> out;
    out.reserve(scan_ids.size());
    for (const auto& id : scan_ids) out.push_back(remove_locked(id));
    tx.commit();
    return out;
}

std::optional<outbox_entry> outbox::remove_locked(const std::string& scan_id) {
    SQLite::Statement q(
        *db_, fmt::format("SELECT {} FROM outbox WHERE scan_id = ?", entry_columns)
    );
    q.bind(1, scan_id);
    if (!q.executeStep()) return std::nullopt;
    auto e = entry_of(q);
    q.reset();
    SQLite::Statement del(*db_, "DELETE FROM outbox WHERE scan_id = ?");
    del.bind(1, scan_id);
    del.exec();
    return e;
}

std::vector<outbox_entry> outbox::after(std::int64_t after_seq, std::size_t limit) const {
    std::lock_guard lock(mutex_);
    SQLite::Statement q(
        *db_, fmt::format("SELECT {} FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", entry_columns)
    );
    q.bind(1, after_seq);
    q.bind(2, static_cast<std::int64_t>(limit));
    std::vector<outbox_entry> out;
    while (q.executeStep()) out.push_back(entry_of(q));
    return out;
}

std::size_t outbox::backlog() const {
    std::lock_guard lock(mutex_);
    SQLite::Statement q(*db_, "SELECT COUNT(*) FROM outbox");
    q.executeStep();
    return static_cast<std::size_t>(q.getColumn(0).getInt64());
}

int outbox::pending_hall_delta() const {
    std::lock_guard lock(mutex_);
    SQLite::Statement q(*db_, "SELECT COALESCE(SUM(hall_delta), 0) FROM outbox WHERE offline = 1");
    q.executeStep();
    return q.getColumn(0).getInt();
}

void outbox::set_last_inside(int inside) {
    std::lock_guard lock(mutex_);
    set_meta("last_inside", std::to_string(inside));
}

std::optional<int> outbox::last_inside() const {
    std::lock_guard lock(mutex_);
    const auto v = meta("last_inside");
    if (!v) return std::nullopt;
    return std::stoi(*v);
}

void outbox::remember_presence(
    const std::string& attendee_id, const std::string& hall_id, std::int64_t at_ms
) {
    std::lock_guard lock(mutex_);
    SQLite::Statement q(
        *db_, "INSERT OR REPLACE INTO presence(attendee_id, hall_id, at_ms) VALUES (?, ?, ?)"
    );
    q.bind(1, attendee_id);
    q.bind(2, hall_id);
    q.bind(3, at_ms);
    q.exec();
}

std::vector<std::pair<std::string, std::string>> outbox::remembered_presence() const {
    std::lock_guard lock(mutex_);
    SQLite::Statement q(*db_, "SELECT attendee_id, hall_id FROM presence ORDER BY attendee_id");
    std::vector<std::pair<std::string, std::string>> out;
    while (q.executeStep())
        out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString());
    return out;
}

void outbox::forget_presence_before(std::int64_t at_ms) {
    std::lock_guard lock(mutex_);
    SQLite::Statement q(*db_, "DELETE FROM presence WHERE at_ms < ?");
    q.bind(1, at_ms);
    q.exec();
}

}  // namespace admit::scanner
