// The reply of one rc call, shared by the rclone home's files.
#ifndef COVEN_HOME_RCLONE_RCLONE_REPLY_H_
#define COVEN_HOME_RCLONE_RCLONE_REPLY_H_

#include "coven/rclone_home.h"
#include "home/http/http_client.h"

namespace coven::home {

struct RcloneHome::Reply {
  http::HttpResponse response;
  bool retried = false;  ///< An earlier attempt may have reached rclone.
};

}  // namespace coven::home

#endif  // COVEN_HOME_RCLONE_RCLONE_REPLY_H_
