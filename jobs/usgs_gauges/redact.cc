#include "redact.h"

#include <cctype>
#include <string_view>

namespace kfm::jobs::usgs {
namespace {

constexpr const char* kMask = "***";

// Query parameters that carry credentials (the Water Data API accepts ?api_key=).
bool IsCredentialName(const std::string& name) {
  std::string flat;
  for (const char c : name) {
    if (c != '_' && c != '-')
      flat += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return flat == "apikey" || flat == "token" || flat == "accesstoken" || flat == "key";
}

}  // namespace

std::string Redact(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), kMask);
    }
  }
  // name=value after '?' or '&': mask the value of credential names.
  for (size_t at = text.find_first_of("?&"); at != std::string::npos;
       at = text.find_first_of("?&", at + 1)) {
    const size_t equals = text.find('=', at + 1);
    if (equals == std::string::npos) break;
    const std::string name = text.substr(at + 1, equals - at - 1);
    if (name.find_first_of(" ?&/'\"\n") != std::string::npos || !IsCredentialName(name)) continue;
    // The value: unreserved and percent-encoded characters (RFC 3986), and '*' of a mask.
    size_t end = equals + 1;
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) ||
            std::string_view("-._~%+*").find(text[end]) != std::string_view::npos)) {
      ++end;
    }
    text.replace(equals + 1, end - equals - 1, kMask);
  }
  return text;
}

}  // namespace kfm::jobs::usgs
