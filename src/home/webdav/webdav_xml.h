// The WebDAV PROPFIND reply (207 multistatus) coven reads, parsed with
// http::ParseXml. A pure function over the reply body, so that tests and
// fuzz/xml_reply_fuzz.cc can feed it hostile bytes.
#ifndef COVEN_HOME_WEBDAV_WEBDAV_XML_H_
#define COVEN_HOME_WEBDAV_WEBDAV_XML_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coven/status.h"

namespace coven::home {

/// One DAV:response of a multistatus.
struct DavEntry {
  std::string href;          ///< DAV:href as sent (URL or path, %-encoded).
  bool collection = false;   ///< Has a DAV:collection resource type.
  std::uint64_t length = 0;  ///< DAV:getcontentlength; 0 when missing.
};

/// Parses a PROPFIND reply body. Only elements in the "DAV:" namespace count
/// (whatever their prefix); responses without a DAV:href are skipped.
/// Errors: kInvalidArgument when the body is not acceptable XML (see
/// http::ParseXml) or its root is not DAV:multistatus; the message completes
/// "the server's reply is ..." (http::XmlReplyError).
Result<std::vector<DavEntry>> ParseDavMultistatus(std::string_view xml);

}  // namespace coven::home

#endif  // COVEN_HOME_WEBDAV_WEBDAV_XML_H_
