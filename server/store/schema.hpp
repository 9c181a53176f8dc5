#pragma once
// The store's schema as a numbered list of migration steps, tracked with
// PRAGMA user_version. Internal to admit_store (it speaks SQLiteCpp); the rest
// of admit sees only scan_store.hpp.
// Thread safety: free functions over a connection the caller owns.

#include <string>

namespace SQLite {
class Database;
}

namespace admit::store {

// The schema version this code writes and understands.
int schema_version();

// Brings a read-write connection up to schema_version(), one transaction per
// step. Throws store_error when the file was written by a newer admit.
void migrate(SQLite::Database& db, const std::string& file);

// For read-only connections: throws store_error unless the file is exactly at
// schema_version() (a read-only store cannot migrate it).
void check_schema(SQLite::Database& db, const std::string& file);

}  // namespace admit::store
