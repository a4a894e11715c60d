#include "http_fetch.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <cctype>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace kfm::jobs {
namespace {

size_t Append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<std::string> ReadPath(const std::string& path, const std::optional<ByteRange>& range) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  if (!range) {
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  in.seekg(0, std::ios::end);
  const int64_t size = in.tellg();
  if (range->first >= size) {
    return Status::InvalidArgument(path + ": byte " + std::to_string(range->first) +
                                   " is past the end (" + std::to_string(size) + " bytes)");
  }
  const int64_t last = std::min(range->last.value_or(size - 1), size - 1);
  std::string bytes(static_cast<size_t>(last - range->first + 1), '\0');
  in.seekg(range->first);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in) return Status::IoError(path + ": read failed");
  return bytes;
}

// "https://host:port" of a URL, lower-cased.
std::string Origin(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t end = url.find_first_of("/?#", scheme + 3);
  std::string origin = url.substr(0, end);
  for (char& c : origin) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return origin;
}

}  // namespace

bool IsUrl(const std::string& source) {
  return source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0;
}

std::string WithSuffix(const std::string& source, const std::string& suffix) {
  if (IsUrl(source)) {
    const size_t query = source.find('?');
    if (query != std::string::npos) return source.substr(0, query) + suffix + source.substr(query);
  }
  return source + suffix;
}

Result<std::string> Fetch(const std::string& source, const FetchOptions& options,
                          const std::optional<ByteRange>& range) {
  if (!IsUrl(source)) return ReadPath(source, range);
  GlobalInit();
  std::string range_text;
  if (range) {
    range_text = std::to_string(range->first) + "-" +
                 (range->last ? std::to_string(*range->last) : std::string());
  }
  Status last_error = Status::Unavailable(source + ": not tried");
  for (int attempt = 0; attempt <= options.retries; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
    // With headers (an API key), redirects are followed here, not by libcurl, which would
    // send the headers to whatever host a redirect names: they go to the first origin only.
    std::string url = source;
    bool send_headers = true;
    std::string body;
    CURLcode code = CURLE_OK;
    long status = 0;
    for (int redirects = 0;; ++redirects) {
      CURL* curl = curl_easy_init();
      if (curl == nullptr) return Status::Internal("curl_easy_init failed");
      body.clear();
      curl_slist* headers = nullptr;
      if (send_headers) {
        for (const auto& [name, value] : options.headers)
          headers = curl_slist_append(headers, (name + ": " + value).c_str());
      }
      curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
      curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, options.headers.empty() ? 1L : 0L);
      curl_easy_setopt(curl, CURLOPT_TIMEOUT, options.timeout_s);
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
      curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
      curl_easy_setopt(curl, CURLOPT_USERAGENT, "kfm-energy-jobs/" KFM_VERSION);
      curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
      if (headers != nullptr) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
      if (range) curl_easy_setopt(curl, CURLOPT_RANGE, range_text.c_str());
      code = curl_easy_perform(curl);
      status = 0;
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
      char* location = nullptr;
      curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location);
      const std::string next = location != nullptr ? location : "";
      curl_slist_free_all(headers);
      curl_easy_cleanup(curl);
      const bool redirect = code == CURLE_OK && status >= 300 && status < 400 && !next.empty();
      if (!redirect || options.headers.empty()) break;
      if (redirects == 10) return Status::InvalidArgument(source + ": more than 10 redirects");
      if (Origin(next) != Origin(url)) send_headers = false;
      url = next;
    }
    if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
      // A bad URL stays bad: no retries, and it is the caller's input that is wrong.
      return Status::InvalidArgument(source + ": " + curl_easy_strerror(code));
    }
    if (code != CURLE_OK) {
      last_error = Status::Unavailable(source + ": " + curl_easy_strerror(code));
      continue;
    }
    if (range && status == 206) return body;
    if (status == 200) {
      if (!range) return body;
      // The server ignored Range and sent everything: cut the range out.
      if (range->first >= static_cast<int64_t>(body.size()))
        return Status::InvalidArgument(source + ": range starts past the end of the body");
      const int64_t last =
          std::min<int64_t>(range->last.value_or(static_cast<int64_t>(body.size()) - 1),
                            static_cast<int64_t>(body.size()) - 1);
      return body.substr(static_cast<size_t>(range->first),
                         static_cast<size_t>(last - range->first + 1));
    }
    const std::string what = source + ": HTTP " + std::to_string(status);
    if (status == 429 || status >= 500) {
      last_error = Status::Unavailable(what);
      continue;
    }
    if (status == 404) return Status::NotFound(what);
    return Status::InvalidArgument(what);
  }
  return last_error;
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

}  // namespace kfm::jobs
