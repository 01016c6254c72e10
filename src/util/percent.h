// Percent-encoding for URL paths and query values, shared by the home URL
// parser (core) and the network homes.
//
// Thread safety: pure functions.
#ifndef COVEN_UTIL_PERCENT_H_
#define COVEN_UTIL_PERCENT_H_

#include <string>
#include <string_view>

namespace coven::util {

/// Percent-encodes `text` for a URL path segment or a query value: every
/// byte except A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex). With
/// `keep_slash`, '/' is kept (for paths).
std::string PercentEncode(std::string_view text, bool keep_slash = false);

/// Decodes %XX escapes; invalid escapes are kept verbatim.
std::string PercentDecode(std::string_view text);

}  // namespace coven::util

#endif  // COVEN_UTIL_PERCENT_H_
