#include "home/local_paging.h"

#include <algorithm>

namespace coven::home {

ListPage PageSorted(std::vector<ObjectInfo> all, std::string_view start_after,
                    std::size_t max_keys) {
  std::sort(
      all.begin(), all.end(),
      [](const ObjectInfo& a, const ObjectInfo& b) { return a.path < b.path; });
  all.erase(std::unique(all.begin(), all.end(),
                        [](const ObjectInfo& a, const ObjectInfo& b) {
                          return a.path == b.path;
                        }),
            all.end());
  ListPage page;
  auto it = std::upper_bound(all.begin(), all.end(), start_after,
                             [](std::string_view after, const ObjectInfo& o) {
                               return after < o.path;
                             });
  for (; it != all.end() && page.objects.size() < max_keys; ++it) {
    page.objects.push_back(std::move(*it));
  }
  page.truncated = it != all.end();
  return page;
}

}  // namespace coven::home
