#include "otel/otlp_exporter.h"

#include <algorithm>
#include <random>
#include <thread>

#include "otel/redact.h"

namespace kfm::otel {

std::chrono::milliseconds Backoff(int attempt) {
  thread_local std::mt19937 random{std::random_device{}()};
  const double base = 1000.0 * static_cast<double>(1 << std::min(attempt - 1, 5));
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  return std::chrono::milliseconds(static_cast<int64_t>(base * jitter(random)));
}

OtlpExporter::OtlpExporter(ExporterConfig config, Spool spool, TransportFactory factory)
    : config_(std::move(config)), spool_(std::move(spool)), factory_(std::move(factory)) {}

bool OtlpExporter::enabled(Signal signal) const {
  return (signal == Signal::kTraces ? config_.traces : config_.metrics).enabled;
}

Result<OtlpTransport*> OtlpExporter::Transport(Signal signal) {
  auto& slot = signal == Signal::kTraces ? traces_ : metrics_;
  if (!slot) {
    auto made = factory_(signal == Signal::kTraces ? config_.traces : config_.metrics);
    if (!made.ok()) return made.status();
    slot = std::move(made).value();
  }
  return slot.get();
}

ExportReport OtlpExporter::Deliver(Signal signal, const std::string& body,
                                   std::chrono::steady_clock::time_point deadline) {
  ExportReport report;
  auto transport = Transport(signal);
  if (!transport.ok()) {
    report.message = transport.status().message();
    report.refused = true;
    return report;
  }
  for (;;) {
    ++report.attempts;
    const SendResult result = (*transport)->Send(signal, body);
    report.message = result.message;
    if (result.outcome == SendResult::Outcome::kAccepted) {
      report.delivered = true;
      report.rejected = result.rejected;
      if (result.rejected > 0) report.message = result.partial_message;
      return report;
    }
    if (result.outcome == SendResult::Outcome::kRefused) {
      report.refused = true;
      return report;
    }
    const auto wait = result.retry_after.value_or(Backoff(report.attempts));
    if (std::chrono::steady_clock::now() + wait >= deadline) {
      report.message += " (gave up after " + std::to_string(report.attempts) +
                        " attempt(s): the export timeout leaves no time to retry)";
      return report;
    }
    std::this_thread::sleep_for(wait);
  }
}

ExportReport OtlpExporter::Export(Signal signal, const std::string& body,
                                  std::chrono::steady_clock::time_point deadline) {
  ExportReport report = Deliver(signal, body, deadline);
  if (!report.delivered) {
    const std::string reason =
        std::string(SignalName(signal)) + " to " +
        RedactUrl((signal == Signal::kTraces ? config_.traces : config_.metrics).endpoint) + ": " +
        report.message;
    report.spooled = spool_.Put(signal, body, reason).ok();
  }
  return report;
}

FlushReport OtlpExporter::Flush(std::chrono::steady_clock::time_point deadline) {
  FlushReport report;
  Spool::Lock lock(spool_.dir());
  const auto entries = spool_.List();
  bool unreachable = false;
  for (const auto& entry : entries) {
    if (unreachable || !enabled(entry.signal) || std::chrono::steady_clock::now() >= deadline) {
      ++report.remaining;
      continue;
    }
    auto body = spool_.Read(entry);
    if (!body.ok()) {
      report.problems.push_back(body.status().message());
      ++report.remaining;
      continue;
    }
    // Each request gets one export timeout (OTEL_EXPORTER_OTLP_TIMEOUT), as during a run: a
    // collector that is down costs one timeout, not the whole flush budget.
    const auto timeout =
        (entry.signal == Signal::kTraces ? config_.traces : config_.metrics).timeout;
    ExportReport sent = Deliver(entry.signal, *body,
                                std::min(deadline, std::chrono::steady_clock::now() + timeout));
    if (sent.delivered) {
      ++report.delivered;
      (void)spool_.Remove(entry);
      if (sent.rejected > 0) {
        report.problems.push_back(entry.file.filename().string() + ": collector rejected " +
                                  std::to_string(sent.rejected) + " item(s): " + sent.message);
      }
    } else {
      ++report.remaining;
      spool_.SetReason(entry, sent.message);
      report.problems.push_back(entry.file.filename().string() + ": " + sent.message);
      // A refusal concerns this request only; an unreachable collector concerns them all.
      unreachable = !sent.refused;
    }
  }
  return report;
}

}  // namespace kfm::otel
