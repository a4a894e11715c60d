// Walks the pages of an OGC API Features response from a URL: reads a page, follows its
// links[rel=next] (resolved against the page's URL, RFC 3986) until a page has none. A next
// link is only followed on the origin (scheme, host, port) the user named, never with
// user:password@, and never to a page already read, so the API key header goes nowhere else
// and a looping server cannot keep the job busy. Thread-compatible.
#pragma once

#include <functional>
#include <string>

#include "kfm/status.h"
#include "observation.h"

namespace kfm::jobs::usgs {

// The bytes of a source: an http(s) URL or a path.
using Fetcher = std::function<Result<std::string>(const std::string& source)>;

// `href` resolved against the absolute URL `base`: absolute hrefs as they are, "//host/x",
// "/x", "?q", "x" and "../x" relative to `base`.
std::string ResolveHref(const std::string& base, const std::string& href);

// "http://127.0.0.1:8080" for "HTTP://127.0.0.1:8080/a?b": scheme and authority in lower case,
// without a default port (80, 443).
std::string UrlOrigin(const std::string& url);

struct PagingOptions {
  int max_pages = 1000;  // a safety net: 1000 pages of 10,000 features is ten million readings
};

struct PagingResult {
  InputBatch batch;  // every page's readings and sites
  int pages = 0;
};

// Reads `url` and the pages after it. Refusals name the URL of the page, line, column and
// field (a malformed page, a link to another origin or back to a page already read).
Result<PagingResult> ReadOgcPages(const std::string& url, const Fetcher& fetch,
                                  const PagingOptions& options = {});

}  // namespace kfm::jobs::usgs
