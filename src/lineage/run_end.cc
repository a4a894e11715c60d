#include "lineage/run_end.h"

#include "lineage/prov.h"
#include "lineage/run_files.h"
#include "lineage/stac.h"
#include "otel/bundle.h"

namespace kfm::lineage {

void WriteRunEndLineage(const std::filesystem::path& home, const std::string& run_id,
                        std::vector<std::string>& warnings) {
  auto run = LoadRunLineage(home, run_id);
  if (!run.ok()) {
    // No energy document: no node finished, so there is nothing to describe.
    if (run.status().code() == Status::Code::kNotFound) return;
    warnings.push_back("PROV-O not written: " + run.status().message());
    return;
  }
  const std::filesystem::path file = ProvPath(home, run_id);
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  Status written =
      ec ? Status::IoError(file.parent_path().string() + ": " + ec.message())
         : otel::WriteFileAtomically(file, BuildProvGraph(*run).ToJsonLd().dump(2) + "\n");
  if (!written.ok()) warnings.push_back("PROV-O not written: " + written.message());
  if (Status s = WriteStacItems(home, *run, &warnings); !s.ok())
    warnings.push_back("STAC item not written: " + s.message());
}

}  // namespace kfm::lineage
