#include "ogc_pager.h"

#include <cctype>
#include <set>
#include <vector>

#include "json_input.h"
#include "ogc_reader.h"

namespace kfm::jobs::usgs {
namespace {

bool HasScheme(const std::string& href) {
  if (href.empty() || !std::isalpha(static_cast<unsigned char>(href[0]))) return false;
  for (const char c : href) {
    if (c == ':') return true;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.')
      return false;
  }
  return false;
}

// Offset where the authority of an absolute URL ends (its path, query or fragment starts).
size_t AuthorityEnd(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url.size();
  const size_t end = url.find_first_of("/?#", scheme + 3);
  return end == std::string::npos ? url.size() : end;
}

// RFC 3986 5.2.4 on a path that starts with '/'.
std::string RemoveDotSegments(const std::string& path) {
  std::vector<std::string> kept;
  bool ends_as_directory = false;
  for (size_t start = 1;;) {
    const size_t end = path.find('/', start);
    const bool last = end == std::string::npos;
    const std::string segment = path.substr(start, last ? std::string::npos : end - start);
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
      ends_as_directory = last;
    } else if (segment == ".") {
      ends_as_directory = last;
    } else {
      kept.push_back(segment);
    }
    if (last) break;
    start = end + 1;
  }
  std::string out;
  for (const std::string& segment : kept) out += "/" + segment;
  if (out.empty() || ends_as_directory) out += "/";
  return out;
}

}  // namespace

std::string ResolveHref(const std::string& base, const std::string& href) {
  if (HasScheme(href)) return href;
  const size_t scheme_end = base.find("://");
  if (href.rfind("//", 0) == 0) return base.substr(0, scheme_end + 1) + href;
  const size_t authority_end = AuthorityEnd(base);
  const std::string origin = base.substr(0, authority_end);
  const size_t query = base.find_first_of("?#", authority_end);
  const std::string path = query == std::string::npos
                               ? base.substr(authority_end)
                               : base.substr(authority_end, query - authority_end);
  if (href.empty()) return base;
  if (href[0] == '#') return base.substr(0, base.find('#')) + href;
  if (href[0] == '?') return origin + (path.empty() ? "/" : path) + href;
  // Split off the href's query so that dot segments are only looked for in its path.
  const size_t href_query = href.find_first_of("?#");
  const std::string href_path = href.substr(0, href_query);
  const std::string href_rest = href_query == std::string::npos ? "" : href.substr(href_query);
  std::string merged;
  if (href_path.empty()) {
    merged = path.empty() ? "/" : path;
  } else if (href_path[0] == '/') {
    merged = href_path;
  } else {
    const size_t slash = path.rfind('/');
    merged = (slash == std::string::npos ? "/" : path.substr(0, slash + 1)) + href_path;
  }
  return origin + RemoveDotSegments(merged) + href_rest;
}

std::string UrlOrigin(const std::string& url) {
  std::string origin = url.substr(0, AuthorityEnd(url));
  for (char& c : origin) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto strip = [&](const char* scheme, const char* port) {
    if (origin.rfind(scheme, 0) == 0 && origin.size() > std::string(port).size() &&
        origin.compare(origin.size() - std::string(port).size(), std::string::npos, port) == 0)
      origin.resize(origin.size() - std::string(port).size());
  };
  strip("http://", ":80");
  strip("https://", ":443");
  return origin;
}

Result<PagingResult> ReadOgcPages(const std::string& url, const Fetcher& fetch,
                                  const PagingOptions& options) {
  const std::string origin = UrlOrigin(url);
  PagingResult result;
  std::set<std::string> seen{url};
  std::string page_url = url;
  while (true) {
    auto text = fetch(page_url);
    if (!text.ok()) return text.status();
    auto doc = ParseJson(*text, page_url);
    if (!doc.ok()) return doc.status();
    if (!LooksLikeOgcFeatures(*doc))
      return FieldError(*text, page_url, JsonPath().Key("features"),
                        "missing: not a GeoJSON FeatureCollection (OGC API Features page)");
    auto page = ReadOgcPage(*doc, *text, page_url);
    if (!page.ok()) return page.status();
    ++result.pages;
    InputBatch& batch = page->batch;
    const bool empty_page = batch.observations.empty() && batch.no_data == 0;
    result.batch.no_data += batch.no_data;
    for (auto& obs : batch.observations) result.batch.observations.push_back(std::move(obs));
    for (auto& site : batch.sites) result.batch.sites.push_back(std::move(site));
    // A page without features ends the walk even where it links on (as the USGS clients do).
    if (!page->next_href || empty_page) break;

    const std::string next = ResolveHref(page_url, *page->next_href);
    const auto refuse = [&](const std::string& why) {
      return FieldError(*text, page_url, JsonPath().Key("links").Index(page->next_link).Key("href"),
                        "next link '" + *page->next_href + "' " + why);
    };
    const size_t at = next.find('@');
    if (at != std::string::npos && at < next.find_first_of("/?#", next.find("://") + 3))
      return refuse("carries user credentials; not followed");
    if (UrlOrigin(next) != origin)
      return refuse("leaves " + origin + " for " + UrlOrigin(next) +
                    "; not followed (the API key and the request would go to another host)");
    if (!seen.insert(next).second) return refuse("points back at a page already read");
    if (result.pages >= options.max_pages)
      return Status::InvalidArgument(url + ": more than " + std::to_string(options.max_pages) +
                                     " pages; narrow the query or raise --max-pages");
    page_url = next;
  }
  return result;
}

}  // namespace kfm::jobs::usgs
