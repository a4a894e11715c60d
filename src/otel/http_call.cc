#include "otel/http_call.h"

#include <algorithm>

#include "otel/curl_api.h"

namespace kfm::otel {
namespace {

size_t CollectAnswer(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t bytes = size * count;
  if (body->size() < kMaxAnswerBytes)
    body->append(data, std::min(bytes, kMaxAnswerBytes - body->size()));
  return bytes;
}

}  // namespace

Result<HttpAnswer> SendHttp(const HttpRequest& request, std::string_view what) {
  if (!CurlLoadError().empty()) {
    return Status::Unavailable(std::string(what) + ": " + CurlLoadError());
  }
  CURL* curl = curl_easy_init();
  if (curl == nullptr)
    return Status::Unavailable(std::string(what) + ": cannot initialise libcurl");
  curl_slist* headers = nullptr;
  for (const auto& header : request.headers) headers = curl_slist_append(headers, header.c_str());
  const std::string credentials = request.basic_user + ":" + request.basic_password;
  HttpAnswer answer;
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (!request.basic_user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERPWD, credentials.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectAnswer);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    return Status::Unavailable(std::string(what) + ": " + curl_easy_strerror(code));
  }
  return answer;
}

}  // namespace kfm::otel
