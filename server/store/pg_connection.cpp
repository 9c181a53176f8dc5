#include "store/pg_connection.hpp"

#include <libpq-fe.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "store/scan_store.hpp"

namespace admit::store::pg {
namespace {

std::string trimmed(const char* message) {
    std::string text = message ? message : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    // libpq's multi-line messages read better on one line in a log.
    for (auto& c : text)
        if (c == '\n') c = ' ';
    return text.empty() ? "unknown error" : text;
}

struct conninfo_free {
    void operator()(PQconninfoOption* options) const noexcept { PQconninfoFree(options); }
};

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> out;
    std::size_t from = 0;
    for (;;) {
        const auto comma = text.find(',', from);
        out.push_back(text.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
        if (comma == std::string::npos) return out;
        from = comma + 1;
    }
}

// "db1:5432,db2:5433" for a multi-host connection string (host=db1,db2
// port=5432,5433, or one port for every host), as libpq pairs them.
std::string hosts_with_ports(const std::string& host, const std::string& port) {
    const auto hosts = split_commas(host);
    const auto ports = split_commas(port);
    std::string out;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        const auto& p = ports.size() == hosts.size() ? ports[i] : ports.front();
        if (i > 0) out += ',';
        out += p.empty() ? hosts[i] : hosts[i] + ":" + p;
    }
    return out;
}

}  // namespace

void result_clear::operator()(pg_result* r) const noexcept { PQclear(r); }

int result::rows() const { return PQntuples(r_.get()); }

bool result::is_null(int row, int column) const { return PQgetisnull(r_.get(), row, column) != 0; }

std::string_view result::text(int row, int column) const {
    return {PQgetvalue(r_.get(), row, column),
            static_cast<std::size_t>(PQgetlength(r_.get(), row, column))};
}

std::int64_t result::int64(int row, int column) const {
    const auto t = text(row, column);
    std::int64_t value = 0;
    std::from_chars(t.data(), t.data() + t.size(), value);
    return value;
}

std::string_view result::command_status() const { return PQcmdStatus(r_.get()); }

bool result::boolean(int row, int column) const {
    const auto t = text(row, column);
    return !t.empty() && t[0] == 't';
}

params& params::text(std::string_view value) {
    values_.emplace_back(std::string(value));
    return *this;
}

params& params::integer(std::int64_t value) {
    values_.emplace_back(std::to_string(value));
    return *this;
}

params& params::boolean(bool value) {
    values_.emplace_back(value ? "t" : "f");
    return *this;
}

params& params::null() {
    values_.emplace_back(std::nullopt);
    return *this;
}

std::vector<const char*> params::pointers() const {
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
    return out;
}

std::string describe_url(const std::string& url) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, conninfo_free> options(PQconninfoParse(url.c_str(), &error));
    if (!options) {
        std::string why = trimmed(error);
        PQfreemem(error);
        return fmt::format("PostgreSQL (unreadable connection string: {})", why);
    }
    std::string db, host, port, user;
    for (auto* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        const std::string_view key = o->keyword;
        if (key == "dbname") db = o->val;
        if (key == "host" || (key == "hostaddr" && host.empty())) host = o->val;
        if (key == "port") port = o->val;
        if (key == "user") user = o->val;
    }
    std::string out = fmt::format("PostgreSQL database {}", db.empty() ? "(default)" : db);
    if (!host.empty()) out += " on " + hosts_with_ports(host, port);
    if (!user.empty()) out += " as " + user;
    return out;
}

connection::connection(const std::string& url) : url_(url), name_(describe_url(url)) {
    conn_ = PQconnectdb(url_.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
        const std::string why = trimmed(PQerrorMessage(conn_));
        PQfinish(conn_);
        conn_ = nullptr;
        throw store_error(fmt::format("cannot connect to {}: {}", name_, why));
    }
    // Notices (e.g. "relation already exists, skipping") are not for the log.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

connection::~connection() {
    if (conn_ != nullptr) PQfinish(conn_);
}

int connection::backend_pid() const { return PQbackendPID(conn_); }

bool connection::healthy() const { return conn_ != nullptr && set_up_ && PQstatus(conn_) == CONNECTION_OK; }

void connection::on_connect(std::function<void(connection&)> hook) {
    on_connect_ = std::move(hook);
    if (on_connect_) on_connect_(*this);
}

void connection::reconnect() {
    // With several hosts (a standby, say) PQreset tries each in turn and keeps
    // the first that target_session_attrs accepts: after a failover, the new primary.
    set_up_ = false;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
        fail("reconnect to", trimmed(PQerrorMessage(conn_)));
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    // Until the hook has run (prepared statements), the connection counts as
    // lost, so a hook cut short is run again by the next reconnect.
    if (on_connect_) on_connect_(*this);
    set_up_ = true;
    spdlog::info("connected again to {} (server {}:{})", name_, PQhost(conn_), PQport(conn_));
}

void connection::fail(const char* operation, const std::string& why) {
    throw store_error(fmt::format("cannot {} {}: {}", operation, name_, why));
}

result connection::check(const char* operation, pg_result* raw, int expected_status) {
    result r(raw);
    if (raw == nullptr) fail(operation, trimmed(PQerrorMessage(conn_)));
    const auto status = PQresultStatus(raw);
    if (status == expected_status || (expected_status == PGRES_COMMAND_OK && status == PGRES_TUPLES_OK)) {
        last_sqlstate_.clear();
        return r;
    }
    const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
    last_sqlstate_ = state ? state : "";
    fail(operation, trimmed(PQresultErrorMessage(raw)));
}

result connection::exec(const char* operation, const std::string& sql) {
    return check(operation, PQexec(conn_, sql.c_str()), PGRES_COMMAND_OK);
}

result connection::exec(const char* operation, const std::string& sql, const params& p) {
    const auto values = p.pointers();
    return check(
        operation,
        PQexecParams(conn_, sql.c_str(), p.size(), nullptr, values.data(), nullptr, nullptr, 0),
        PGRES_COMMAND_OK
    );
}

void connection::prepare(const char* name, const std::string& sql) {
    check("prepare statements for", PQprepare(conn_, name, sql.c_str(), 0, nullptr), PGRES_COMMAND_OK);
}

result connection::exec_prepared(const char* operation, const char* name, const params& p) {
    const auto values = p.pointers();
    return check(
        operation,
        PQexecPrepared(conn_, name, p.size(), values.data(), nullptr, nullptr, 0),
        PGRES_COMMAND_OK
    );
}

void connection::copy_in(const char* operation, const std::string& copy_sql, const std::string& rows) {
    check(operation, PQexec(conn_, copy_sql.c_str()), PGRES_COPY_IN);
    if (PQputCopyData(conn_, rows.data(), static_cast<int>(rows.size())) != 1 ||
        PQputCopyEnd(conn_, nullptr) != 1) {
        fail(operation, trimmed(PQerrorMessage(conn_)));
    }
    // The COPY's own result; drain the rest first so the connection is free again.
    PGresult* copied = PQgetResult(conn_);
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
    check(operation, copied, PGRES_COMMAND_OK);
}

void append_copy_text(std::string& out, std::string_view value) {
    for (const char c : value) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            default: out += c;
        }
    }
}

std::string array_literal(const std::vector<std::string>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out += ',';
        out += '"';
        for (const char c : values[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

}  // namespace admit::store::pg
