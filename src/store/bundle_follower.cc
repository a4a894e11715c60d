#include "store/bundle_follower.h"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "otel/bundle.h"
#include "store/history.h"

namespace kfm::store {

BundleFollower::BundleFollower(std::filesystem::path home, std::string run_id)
    : home_(std::move(home)), run_id_(std::move(run_id)) {}

BundleFollower::~BundleFollower() = default;

std::string BundleFollower::CatchUp() {
  std::string warning = Ingest();
  if (warning.empty() || warning == last_warning_) return "";
  last_warning_ = warning;
  return warning;
}

std::string BundleFollower::Ingest() {
  const std::filesystem::path spans = otel::PathsForRun(home_, run_id_).spans;
  const int fd = ::open(spans.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";  // nothing written yet
  std::string text;
  char chunk[1 << 16];
  for (;;) {
    const ssize_t got = ::pread(fd, chunk, sizeof chunk, static_cast<off_t>(offset_ + text.size()));
    if (got <= 0) break;
    text.append(chunk, static_cast<std::size_t>(got));
  }
  ::close(fd);
  // Only whole lines: a writer may be appending the next one right now.
  const std::size_t complete = text.rfind('\n');
  if (complete == std::string::npos) return "";
  text.resize(complete + 1);
  if (history_ == nullptr) {
    auto opened = History::Open(DefaultHistoryPath(home_));
    if (!opened.ok()) return "history not updated: " + opened.status().message();
    history_ = std::make_unique<History>(std::move(*opened));
  }
  auto counts = history_->IngestText(text, spans.string(), next_line_);
  if (!counts.ok()) return "history not updated: " + counts.status().message();
  offset_ += text.size();
  for (char c : text) next_line_ += c == '\n';
  new_spans_ += counts->new_spans();
  return "";
}

std::string IngestRunBundle(const std::filesystem::path& home, const std::string& run_id) {
  BundleFollower follower(home, run_id);
  return follower.CatchUp();
}

}  // namespace kfm::store
