// Ranged GETs over HTTP: the request header and what a reply means, shared
// by the S3, WebDAV and rclone homes.
#ifndef COVEN_HOME_HTTP_RANGE_REPLY_H_
#define COVEN_HOME_HTTP_RANGE_REPLY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::home::http {

/// "bytes=<offset>-<offset + length - 1>" (length must be > 0).
std::string RangeHeaderValue(std::uint64_t offset, std::uint64_t length);

/// kOutOfRange: "<home>: get range "<path>": <offset>+<length> passes the end
/// of the object".
Status RangePastEnd(std::string_view home, std::string_view path,
                    std::uint64_t offset, std::uint64_t length);

/// Interprets a reply to a ranged GET: 206 must carry exactly `length`
/// bytes (fewer: clamped at the end, so `past_end`); 200 means the server
/// ignored the range, so the body is sliced here; 416 is `past_end`.
/// nullopt for any other status (the caller maps it to an error).
std::optional<Result<Bytes>> RangeFromReply(int status, Bytes& body,
                                            std::uint64_t offset,
                                            std::uint64_t length,
                                            const Status& past_end);

}  // namespace coven::home::http

#endif  // COVEN_HOME_HTTP_RANGE_REPLY_H_
