// libcurl, loaded with dlopen the first time an HTTP export needs it. Linked directly, libcurl
// and its dependency tree (TLS, HTTP/2, IDN, LDAP, Kerberos) cost about 6 ms at the start of
// every kfm-energy process, most of which never send anything. Include this header instead of
// <curl/curl.h>: the libcurl names used in this project are redirected to wrappers that load
// the library on first use. Thread-safe.
#pragma once

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include <ctime>
#include <string>

namespace kfm::otel {
// Empty when libcurl.so.4 is loaded (or loads now); otherwise why not, for messages.
const std::string& CurlLoadError();
}  // namespace kfm::otel

CURLcode kfm_curl_global_init(long flags);
CURL* kfm_curl_easy_init();
void kfm_curl_easy_cleanup(CURL* handle);
void kfm_curl_easy_reset(CURL* handle);
// The option and info codes arrive as int: va_start after an enum parameter is undefined.
CURLcode kfm_curl_easy_setopt(CURL* handle, int option, ...);
CURLcode kfm_curl_easy_perform(CURL* handle);
CURLcode kfm_curl_easy_getinfo(CURL* handle, int info, ...);
const char* kfm_curl_easy_strerror(CURLcode code);
curl_slist* kfm_curl_slist_append(curl_slist* list, const char* text);
void kfm_curl_slist_free_all(curl_slist* list);
CURLHcode kfm_curl_easy_header(CURL* handle, const char* name, size_t index, unsigned int origin,
                               int request, curl_header** out);
time_t kfm_curl_getdate(const char* text, const time_t* unused);

#define curl_global_init kfm_curl_global_init
#define curl_easy_init kfm_curl_easy_init
#define curl_easy_cleanup kfm_curl_easy_cleanup
#define curl_easy_reset kfm_curl_easy_reset
#undef curl_easy_setopt
#define curl_easy_setopt kfm_curl_easy_setopt
#define curl_easy_perform kfm_curl_easy_perform
#undef curl_easy_getinfo
#define curl_easy_getinfo kfm_curl_easy_getinfo
#define curl_easy_strerror kfm_curl_easy_strerror
#define curl_slist_append kfm_curl_slist_append
#define curl_slist_free_all kfm_curl_slist_free_all
#define curl_easy_header kfm_curl_easy_header
#define curl_getdate kfm_curl_getdate
