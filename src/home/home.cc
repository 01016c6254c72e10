#include "coven/home.h"

#include <string>
#include <utility>

namespace coven::home {
namespace {

constexpr std::size_t kListPageSize = 1000;
constexpr std::size_t kMaxPathLength = 512;

bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsValidSegment(std::string_view segment) {
  if (segment.empty() || segment == "." || segment == "..") return false;
  for (char c : segment) {
    if (!IsPathChar(c)) return false;
  }
  return true;
}

}  // namespace

bool IsValidPath(std::string_view path) {
  if (path.empty() || path.size() > kMaxPathLength) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? path.npos : slash - start);
    if (!IsValidSegment(segment)) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

Result<std::vector<ObjectInfo>> ListAll(Home& home, std::string_view prefix,
                                        std::string_view start_after) {
  std::vector<ObjectInfo> all;
  std::string cursor(start_after);
  while (true) {
    COVEN_ASSIGN_OR_RETURN(ListPage page,
                           home.List(prefix, cursor, kListPageSize));
    bool progressed = false;
    for (ObjectInfo& object : page.objects) {
      // Pages are ascending, so anything not after the cursor is a duplicate
      // (some stores repeat entries across or within pages) or out of range.
      if (object.path <= cursor) continue;
      if (!std::string_view(object.path).starts_with(prefix)) continue;
      cursor = object.path;
      all.push_back(std::move(object));
      progressed = true;
    }
    if (!page.truncated) return all;
    if (!progressed) {
      return UnavailableError(
          home.Describe() + " returned a truncated listing page of prefix \"" +
          std::string(prefix) + "\" with nothing after \"" + cursor +
          "\"; the listing cannot advance, retry later");
    }
  }
}

}  // namespace coven::home
