// Paging done on the client, for homes whose servers cannot sort or page a
// listing the way Home::List promises (WebDAV, rclone, S3 servers that list
// in directory-walk order).
#ifndef COVEN_HOME_LOCAL_PAGING_H_
#define COVEN_HOME_LOCAL_PAGING_H_

#include <string_view>
#include <vector>

#include "coven/home.h"

namespace coven::home {

/// Sorts `all` by path, drops repeated paths and returns the page of at
/// most `max_keys` objects after `start_after` (truncated if more follow).
ListPage PageSorted(std::vector<ObjectInfo> all, std::string_view start_after,
                    std::size_t max_keys);

}  // namespace coven::home

#endif  // COVEN_HOME_LOCAL_PAGING_H_
