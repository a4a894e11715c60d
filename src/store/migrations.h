// The history's schema, as an ordered list of migrations: migration N takes a file from
// PRAGMA user_version N-1 to N inside one transaction. Used by History::Open; tests build
// older files with MigrateTo. Not thread-safe (takes the connection).
#pragma once

#include <filesystem>

#include "kfm/status.h"

struct sqlite3;

namespace kfm::store {

// Migrates the open database `db` (at `file`, for messages) from its user_version up to
// `target`. A file newer than this build knows is refused with a message naming it.
Status MigrateTo(sqlite3* db, const std::filesystem::path& file, int target);

}  // namespace kfm::store
