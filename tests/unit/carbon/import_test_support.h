// Helpers shared by the carbon importer tests: fixture paths, temporary input files made by
// editing a fixture, the expected shape of refusals and a round trip through the table files.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "carbon/importers.h"
#include "carbon/table.h"
#include "subprocess.h"

namespace kfm::carbon::import_test {

inline std::filesystem::path Fixture(const std::string& name) {
  return std::filesystem::path(KFM_FIXTURES_DIR) / "carbon" / "import" / name;
}

inline std::string ReadText(const std::filesystem::path& path) {
  return testing::ReadFile(path.string());
}

inline std::filesystem::path WriteText(const std::string& dir, const std::string& name,
                                       const std::string& text) {
  const std::filesystem::path path = std::filesystem::path(dir) / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// `text` with the first `from` replaced by `to` (the test fails if `from` is absent).
inline std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "fixture text lacks: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

inline ImportRequest Request(ImportFormat format, std::vector<std::filesystem::path> files,
                             std::string region = "") {
  ImportRequest request;
  request.format = format;
  request.region = std::move(region);
  request.files = std::move(files);
  request.version = "20261201T083000Z";
  request.retrieved = "2026-12-01";
  return request;
}

inline int64_t Utc(const std::string& text) {
  int64_t s = 0;
  EXPECT_TRUE(ParseUtcSeconds(text, &s)) << text;
  return s;
}

// A refusal for bad input whose message holds every one of `parts` (file:line, field, ...).
inline void ExpectInvalid(const Result<ImportedTable>& result,
                          const std::vector<std::string>& parts) {
  ASSERT_FALSE(result.ok()) << "expected a refusal mentioning " << parts.front();
  EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument) << result.status().message();
  for (const std::string& part : parts) {
    EXPECT_NE(result.status().message().find(part), std::string::npos)
        << "'" << part << "' not in: " << result.status().message();
  }
}

inline bool AnyNoteHas(const ImportedTable& table, const std::string& text) {
  for (const std::string& note : table.notes) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

// WriteTable then LoadTableFile give back the same rows and metadata.
inline void ExpectRoundTrip(const ImportedTable& imported) {
  kfm::testing::TempDir dir;
  auto written = WriteTable(dir.path(), imported.meta, imported.rows);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->filename().string(), imported.meta.id + "@" + imported.meta.version + ".csv");
  auto loaded = LoadTableFile(*written);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->meta.id, imported.meta.id);
  EXPECT_EQ(loaded->meta.source, imported.meta.source);
  EXPECT_EQ(loaded->meta.licence, imported.meta.licence);
  EXPECT_EQ(loaded->meta.basis, imported.meta.basis);
  EXPECT_EQ(loaded->meta.scope, imported.meta.scope);
  EXPECT_EQ(loaded->meta.notes, imported.meta.notes);
  EXPECT_EQ(loaded->row_count(), imported.rows.size());
  for (const Row& row : imported.rows) {
    const auto region = loaded->regions.find(row.region);
    ASSERT_NE(region, loaded->regions.end()) << row.region;
    bool found = false;
    for (const Period& p : region->second) {
      if (p.start_s == row.period.start_s && p.resolution == row.period.resolution) {
        EXPECT_NEAR(p.gco2e_per_kwh, row.period.gco2e_per_kwh, 1e-9);
        found = true;
      }
    }
    EXPECT_TRUE(found) << FormatUtcSeconds(row.period.start_s);
  }
}

// The row of `table` that starts at `iso`, or nullptr.
inline const Row* RowAt(const ImportedTable& table, const std::string& iso) {
  const int64_t start = Utc(iso);
  for (const Row& row : table.rows) {
    if (row.period.start_s == start) return &row;
  }
  return nullptr;
}

}  // namespace kfm::carbon::import_test
