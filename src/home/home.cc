#include "coven/home.h"

#include <algorithm>
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

Result<ListPage> ListUpTo(Home& home, std::string_view prefix,
                          std::string_view start_after,
                          std::size_t max_entries) {
  ListPage out;
  std::string cursor(start_after);
  while (out.objects.size() < max_entries) {
    const std::size_t want =
        std::min(kListPageSize, max_entries - out.objects.size());
    COVEN_ASSIGN_OR_RETURN(ListPage page, home.List(prefix, cursor, want));
    bool progressed = false;
    for (ObjectInfo& object : page.objects) {
      // Pages are ascending, so anything not after the cursor is a duplicate
      // (some stores repeat entries across or within pages) or out of range.
      if (object.path <= cursor) continue;
      if (!std::string_view(object.path).starts_with(prefix)) continue;
      if (out.objects.size() == max_entries) {
        out.truncated = true;
        return out;
      }
      cursor = object.path;
      out.objects.push_back(std::move(object));
      progressed = true;
    }
    if (!page.truncated) return out;
    if (!progressed) {
      return UnavailableError(
          home.Describe() + " returned a truncated listing page of prefix \"" +
          std::string(prefix) + "\" with nothing after \"" + cursor +
          "\"; the listing cannot advance, retry later");
    }
  }
  // Full: whether more follow takes one more entry to tell.
  COVEN_ASSIGN_OR_RETURN(ListPage next, home.List(prefix, cursor, 1));
  for (const ObjectInfo& object : next.objects) {
    if (object.path > cursor &&
        std::string_view(object.path).starts_with(prefix)) {
      out.truncated = true;
    }
  }
  out.truncated = out.truncated || next.truncated;
  return out;
}

Result<std::vector<ObjectInfo>> ListAll(Home& home, std::string_view prefix,
                                        std::size_t max_entries,
                                        std::string_view start_after) {
  COVEN_ASSIGN_OR_RETURN(ListPage listed,
                         ListUpTo(home, prefix, start_after, max_entries));
  if (listed.truncated) {
    return ResourceExhaustedError(
        home.Describe() + " lists more than " + std::to_string(max_entries) +
        " objects under \"" + std::string(prefix) +
        "\", more than coven ever writes there: remove the files that are "
        "not coven's");
  }
  return std::move(listed.objects);
}

Status TooLargeError(std::string_view home, std::string_view path,
                     std::optional<std::uint64_t> size,
                     std::uint64_t max_bytes) {
  return ResourceExhaustedError(
      std::string(path) + " in " + std::string(home) + " is " +
      (size ? std::to_string(*size) + " bytes" : std::string("larger")) +
      ", over the limit of " + std::to_string(max_bytes) +
      " bytes for this read; it was not read");
}

}  // namespace coven::home
