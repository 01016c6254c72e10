// Helpers shared by the S3 home's files.
#ifndef COVEN_HOME_S3_S3_UTIL_H_
#define COVEN_HOME_S3_S3_UTIL_H_

#include <string>

#include "coven/bytes.h"
#include "coven/s3_home.h"
#include "home/http/http_client.h"

namespace coven::home {

/// Lower-case hex SHA-256 of `data`, the x-amz-content-sha256 value.
std::string S3Sha256Hex(ByteView data);

/// A response that survived S3Home::Send's retries.
struct S3Home::Sent {
  http::HttpResponse response;
  bool retried = false;  ///< An earlier attempt may have reached the server.
};

}  // namespace coven::home

#endif  // COVEN_HOME_S3_S3_UTIL_H_
