// No #include of curl_api.h's macros here: this file defines the wrappers by their own names.
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdarg>
#include <mutex>
#include <string>

namespace kfm::otel {
namespace {

struct CurlFunctions {
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_reset) easy_reset = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  decltype(&::curl_easy_header) easy_header = nullptr;
  decltype(&::curl_getdate) getdate = nullptr;
  std::string error;
};

template <class F>
bool Load(void* library, const char* name, F& into, std::string& error) {
  into = reinterpret_cast<F>(::dlsym(library, name));
  if (into == nullptr) error = std::string("libcurl.so.4 has no ") + name;
  return into != nullptr;
}

const CurlFunctions& Functions() {
  static CurlFunctions f;
  static std::once_flag once;
  std::call_once(once, [] {
    void* library = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      const char* why = ::dlerror();
      f.error = std::string("cannot load libcurl.so.4 (Debian package libcurl4): ") +
                (why != nullptr ? why : "unknown error");
      return;
    }
    std::string& e = f.error;
    const bool ok = Load(library, "curl_global_init", f.global_init, e) &&
                    Load(library, "curl_easy_init", f.easy_init, e) &&
                    Load(library, "curl_easy_cleanup", f.easy_cleanup, e) &&
                    Load(library, "curl_easy_reset", f.easy_reset, e) &&
                    Load(library, "curl_easy_setopt", f.easy_setopt, e) &&
                    Load(library, "curl_easy_perform", f.easy_perform, e) &&
                    Load(library, "curl_easy_getinfo", f.easy_getinfo, e) &&
                    Load(library, "curl_easy_strerror", f.easy_strerror, e) &&
                    Load(library, "curl_slist_append", f.slist_append, e) &&
                    Load(library, "curl_slist_free_all", f.slist_free_all, e) &&
                    Load(library, "curl_easy_header", f.easy_header, e) &&
                    Load(library, "curl_getdate", f.getdate, e);
    if (!ok) f = CurlFunctions{.error = e};
  });
  return f;
}

bool Ready() { return Functions().error.empty(); }

}  // namespace

const std::string& CurlLoadError() { return Functions().error; }

}  // namespace kfm::otel

using kfm::otel::Ready;

CURLcode kfm_curl_global_init(long flags) {
  return Ready() ? kfm::otel::Functions().global_init(flags) : CURLE_FAILED_INIT;
}
CURL* kfm_curl_easy_init() { return Ready() ? kfm::otel::Functions().easy_init() : nullptr; }
void kfm_curl_easy_cleanup(CURL* handle) {
  if (Ready() && handle != nullptr) kfm::otel::Functions().easy_cleanup(handle);
}
void kfm_curl_easy_reset(CURL* handle) {
  if (Ready() && handle != nullptr) kfm::otel::Functions().easy_reset(handle);
}
// Every option value kfm-energy passes (long, curl_off_t, pointer, function pointer) is one
// 64-bit integer-class argument, so it travels through the va_list as a void*.
CURLcode kfm_curl_easy_setopt(CURL* handle, int option, ...) {
  if (!Ready()) return CURLE_FAILED_INIT;
  va_list args;
  va_start(args, option);
  void* value = va_arg(args, void*);
  va_end(args);
  return kfm::otel::Functions().easy_setopt(handle, static_cast<CURLoption>(option), value);
}
CURLcode kfm_curl_easy_perform(CURL* handle) {
  return Ready() ? kfm::otel::Functions().easy_perform(handle) : CURLE_FAILED_INIT;
}
CURLcode kfm_curl_easy_getinfo(CURL* handle, int info, ...) {
  if (!Ready()) return CURLE_FAILED_INIT;
  va_list args;
  va_start(args, info);
  void* out = va_arg(args, void*);
  va_end(args);
  return kfm::otel::Functions().easy_getinfo(handle, static_cast<CURLINFO>(info), out);
}
const char* kfm_curl_easy_strerror(CURLcode code) {
  return Ready() ? kfm::otel::Functions().easy_strerror(code) : kfm::otel::CurlLoadError().c_str();
}
curl_slist* kfm_curl_slist_append(curl_slist* list, const char* text) {
  return Ready() ? kfm::otel::Functions().slist_append(list, text) : list;
}
void kfm_curl_slist_free_all(curl_slist* list) {
  if (Ready()) kfm::otel::Functions().slist_free_all(list);
}
CURLHcode kfm_curl_easy_header(CURL* handle, const char* name, size_t index, unsigned int origin,
                               int request, curl_header** out) {
  return Ready() ? kfm::otel::Functions().easy_header(handle, name, index, origin, request, out)
                 : CURLHE_NOT_BUILT_IN;
}
time_t kfm_curl_getdate(const char* text, const time_t* unused) {
  return Ready() ? kfm::otel::Functions().getdate(text, unused) : -1;
}
