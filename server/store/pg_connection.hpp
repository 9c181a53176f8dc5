#pragma once
// A thin RAII layer over libpq, internal to admit_store: one connection, its
// results, parameters as text, COPY, and every failure turned into a
// store_error that names the database (never its password) and what was
// being done. libpq itself is the well-kept library here; libpqxx 6.4 from
// Debian adds little we need and lags C++20.
// Thread safety: one connection per thread, like PGconn.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace admit::store::pg {

struct result_clear {
    void operator()(pg_result* r) const noexcept;
};

// A query's rows, as text (libpq's text format).
class result {
public:
    explicit result(pg_result* r) : r_(r) {}
    int rows() const;
    bool is_null(int row, int column) const;
    std::string_view text(int row, int column) const;
    std::int64_t int64(int row, int column) const;
    bool boolean(int row, int column) const;  // 't' / 'f'
    std::string_view command_status() const;  // "COMMIT", "INSERT 0 1", ...

private:
    std::unique_ptr<pg_result, result_clear> r_;
};

// Parameters of one statement, kept as text; std::nullopt is SQL NULL.
class params {
public:
    params& text(std::string_view value);
    params& integer(std::int64_t value);
    params& boolean(bool value);
    params& null();

    int size() const { return static_cast<int>(values_.size()); }
    std::vector<const char*> pointers() const;

private:
    std::vector<std::optional<std::string>> values_;
};

class connection {
public:
    // Connects; throws store_error "cannot connect to <db>: <why>".
    explicit connection(const std::string& url);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // "PostgreSQL database admit on 127.0.0.1:5432 as admit": for messages.
    const std::string& name() const { return name_; }
    pg_conn* raw() const { return conn_; }
    int backend_pid() const;

    // True while the connection is usable. reconnect() makes a new one (same
    // URL) and runs the on-connect hook (prepared statements are per connection).
    bool healthy() const;
    void reconnect();
    void on_connect(std::function<void(connection&)> hook);

    // Run a statement; any error throws store_error "cannot <operation> <db>: <why>".
    result exec(const char* operation, const std::string& sql);
    result exec(const char* operation, const std::string& sql, const params& p);
    void prepare(const char* name, const std::string& sql);
    result exec_prepared(const char* operation, const char* name, const params& p);
    // COPY ... FROM STDIN with `rows` already in COPY text format.
    void copy_in(const char* operation, const std::string& copy_sql, const std::string& rows);

    // The server's SQLSTATE of the last failure ("23505": unique violation), or empty.
    const std::string& last_sqlstate() const { return last_sqlstate_; }

private:
    result check(const char* operation, pg_result* r, int expected_status);
    [[noreturn]] void fail(const char* operation, const std::string& why);

    std::string url_;
    std::string name_;
    pg_conn* conn_ = nullptr;
    std::function<void(connection&)> on_connect_;
    bool set_up_ = true;  // false from a reset until its on-connect hook has run
    std::string last_sqlstate_;
};

// The URL's database, host, port and user, without the password.
std::string describe_url(const std::string& url);

// Appends `value` escaped for COPY's text format (backslash, tab, newlines).
void append_copy_text(std::string& out, std::string_view value);
// A text[] literal for `values`: {"a","b"} with quotes and backslashes escaped.
std::string array_literal(const std::vector<std::string>& values);

}  // namespace admit::store::pg
