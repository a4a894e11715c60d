#include "lineage/run_end.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "lineage/prov.h"
#include "lineage/run_files.h"
#include "lineage/stac.h"
#include "otel/bundle.h"

namespace kfm::lineage {

namespace {

// An exclusive flock on `<prov file>.lock` held for the object's life. Processes of one run
// (several `kfm-energy run` wrappers) each rebuild the lineage when they end: holding the lock
// from reading the documents to writing, the last writer has read every node before it.
class ProvLock {
 public:
  explicit ProvLock(const std::filesystem::path& file) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    fd_ = ::open((file.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~ProvLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  ProvLock(const ProvLock&) = delete;
  ProvLock& operator=(const ProvLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

void WriteRunEndLineage(const std::filesystem::path& home, const std::string& run_id,
                        std::vector<std::string>& warnings) {
  if (!otel::CheckPathComponent("run id", run_id).ok()) return;  // refused at start already
  const ProvLock lock(ProvPath(home, run_id));
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
