// A prepared SQLite statement owned by value (finalized on destruction), with typed binds and
// column reads. Belongs to the connection that prepared it: not thread-safe, like the
// connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kfm::store {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql) {
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt_, nullptr) != SQLITE_OK) {
      stmt_ = nullptr;
    }
  }
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept {
    if (this != &other) {
      sqlite3_finalize(stmt_);
      stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  [[nodiscard]] bool valid() const { return stmt_ != nullptr; }
  [[nodiscard]] sqlite3_stmt* get() const { return stmt_; }

  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  // Binds are 1-based, as in SQLite.
  void Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void Bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void Bind(int i, int v) { sqlite3_bind_int(stmt_, i, v); }
  void Bind(int i, bool v) { sqlite3_bind_int(stmt_, i, v ? 1 : 0); }
  void Bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void Bind(int i, const std::optional<std::int64_t>& v) {
    if (v) {
      sqlite3_bind_int64(stmt_, i, *v);
    } else {
      sqlite3_bind_null(stmt_, i);
    }
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }

  // Columns are 0-based.
  [[nodiscard]] std::string Text(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, i));
  }
  [[nodiscard]] std::int64_t Int(int i) const { return sqlite3_column_int64(stmt_, i); }
  [[nodiscard]] double Real(int i) const { return sqlite3_column_double(stmt_, i); }
  [[nodiscard]] bool IsNull(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  [[nodiscard]] std::optional<std::int64_t> OptionalInt(int i) const {
    if (IsNull(i)) return std::nullopt;
    return Int(i);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace kfm::store
