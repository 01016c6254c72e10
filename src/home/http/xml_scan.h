// A tiny XML scanner for the replies of S3 (ListBucketResult, Error,
// InitiateMultipartUploadResult) and WebDAV (PROPFIND multistatus). It finds
// elements by local name (ignoring namespace prefixes), which is all those
// flat, well-known documents need. It is not a general XML parser: no DTDs,
// no CDATA, and an element must not contain an element of the same name.
//
// Thread safety: pure functions.
#ifndef COVEN_HOME_HTTP_XML_SCAN_H_
#define COVEN_HOME_HTTP_XML_SCAN_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coven::home::http {

/// The raw inner text of every element named `local_name` (any prefix), in
/// document order. A self-closing element yields an empty view.
std::vector<std::string_view> XmlElements(std::string_view xml,
                                          std::string_view local_name);

/// The unescaped text of the first element named `local_name`, if any.
std::optional<std::string> XmlText(std::string_view xml,
                                   std::string_view local_name);

/// Replaces the five predefined entities and numeric character references.
std::string XmlUnescape(std::string_view text);

/// Escapes & < > " ' for element text.
std::string XmlEscape(std::string_view text);

}  // namespace coven::home::http

#endif  // COVEN_HOME_HTTP_XML_SCAN_H_
