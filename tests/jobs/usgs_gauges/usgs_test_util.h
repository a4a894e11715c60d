// Helpers of the usgs_gauges tests: fixture paths and parsing a document the way the job does.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "json_input.h"
#include "observation.h"
#include "subprocess.h"

namespace kfm::jobs::usgs::testing {

inline std::string Fixture(const std::string& name) {
  return std::string(KFM_USGS_FIXTURES) + "/" + name;
}

inline std::string FixtureText(const std::string& name) {
  return kfm::testing::ReadFile(Fixture(name));
}

inline UtcTime Utc(int y, unsigned m, unsigned d, int hh, int mm) {
  using namespace std::chrono;
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm};
}

}  // namespace kfm::jobs::usgs::testing
