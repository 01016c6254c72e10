// The member log as a home holds it now, read slot by slot (no cache, no
// device state): what a test checks a device's changes against.
#ifndef COVEN_TESTS_HOME_MEMBER_LOG_H_
#define COVEN_TESTS_HOME_MEMBER_LOG_H_

#include <gtest/gtest.h>

#include "coven/home.h"
#include "members/member_log.h"

namespace coven::testing {

/// Appends every slot under members/ of `home`, in order; a listing error
/// fails the calling test and returns what was read.
inline members::MemberLog ReadHomeMemberLog(home::Home& home) {
  members::MemberLog log;
  auto listed = home::ListAll(home, "members/", 100000);
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();
  if (!listed.ok()) return log;
  for (const auto& info : *listed) {
    auto bytes = home.Get(info.path, 1 << 20);
    if (bytes.ok()) log.Append(*bytes);
  }
  return log;
}

}  // namespace coven::testing

#endif  // COVEN_TESTS_HOME_MEMBER_LOG_H_
