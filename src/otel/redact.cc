#include "otel/redact.h"

#include <array>
#include <cctype>

namespace kfm::otel {
namespace {

// The option's name without leading dashes, e.g. "--api-key" -> "api-key";
// empty when `word` is not an option.
std::string_view OptionName(std::string_view word) {
  if (word.size() < 2 || word[0] != '-') return {};
  word.remove_prefix(word[1] == '-' ? 2 : 1);
  return word;
}

}  // namespace

bool LooksSecret(std::string_view name) {
  std::string folded;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') continue;
    folded.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  static constexpr std::array<std::string_view, 9> kWords = {
      "token", "secret",     "password",   "passwd",   "apikey",
      "auth",  "credential", "privatekey", "accesskey"};
  for (std::string_view w : kWords) {
    if (folded.find(w) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> RedactCommand(const std::vector<std::string> &argv) {
  std::vector<std::string> out;
  out.reserve(argv.size());
  bool hide_next = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string &word = argv[i];
    if (hide_next) {
      out.emplace_back(kRedacted);
      hide_next = false;
      continue;
    }
    const size_t eq = word.find('=');
    const std::string_view option = OptionName(word);
    if (!option.empty()) {
      const std::string_view name = option.substr(0, option.find('='));
      if (LooksSecret(name)) {
        if (eq != std::string::npos) {
          out.push_back(word.substr(0, eq + 1) + std::string(kRedacted));
        } else {
          out.push_back(word);
          hide_next = i > 0;  // the option's value is the next word (never argv[0])
        }
        continue;
      }
    } else if (i > 0 && eq != std::string::npos && eq > 0 &&
               LooksSecret(std::string_view(word).substr(0, eq)) &&
               word.find("://") == std::string::npos) {
      out.push_back(word.substr(0, eq + 1) + std::string(kRedacted));
      continue;
    }
    out.push_back(RedactUrl(word));
  }
  return out;
}

std::string RedactUrl(std::string_view url) {
  const std::string word(url);
  const size_t scheme = word.find("://");
  if (scheme == std::string::npos) return word;
  const size_t authority = scheme + 3;
  const size_t end = word.find_first_of("/?#", authority);
  const size_t at = word.rfind('@', end == std::string::npos ? word.size() : end);
  if (at == std::string::npos || at < authority) return word;
  const size_t colon = word.find(':', authority);
  if (colon == std::string::npos || colon > at) return word;
  return word.substr(0, colon + 1) + std::string(kRedacted) + word.substr(at);
}

}  // namespace kfm::otel
