#include "home/http/range_reply.h"

namespace coven::home::http {

std::string RangeHeaderValue(std::uint64_t offset, std::uint64_t length) {
  return "bytes=" + std::to_string(offset) + "-" +
         std::to_string(offset + length - 1);
}

Status RangePastEnd(std::string_view home, std::string_view path,
                    std::uint64_t offset, std::uint64_t length) {
  return OutOfRangeError(std::string(home) + ": get range \"" +
                         std::string(path) + "\": " + std::to_string(offset) +
                         "+" + std::to_string(length) +
                         " passes the end of the object");
}

std::optional<Result<Bytes>> RangeFromReply(int status, Bytes& body,
                                            std::uint64_t offset,
                                            std::uint64_t length,
                                            const Status& past_end) {
  if (status == 206) {
    if (body.size() != length) return Result<Bytes>(past_end);
    return Result<Bytes>(std::move(body));
  }
  if (status == 200) {
    if (offset + length > body.size()) return Result<Bytes>(past_end);
    return Result<Bytes>(
        Bytes(body.begin() + offset, body.begin() + offset + length));
  }
  if (status == 416) return Result<Bytes>(past_end);
  return std::nullopt;
}

}  // namespace coven::home::http
