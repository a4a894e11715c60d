// Keeps the API key out of everything the job prints or writes: every occurrence of a secret
// and the value of any api_key / apikey / token query parameter of a URL become "***".
// Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace kfm::jobs::usgs {

std::string Redact(std::string text, const std::vector<std::string>& secrets);

}  // namespace kfm::jobs::usgs
