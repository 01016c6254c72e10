// Names of the reference API (the coven todo example) that apps spell out.
#include <gtest/gtest.h>

#include <type_traits>

#include "coven/members.h"

namespace coven::testing {
namespace {

TEST(ApiNamesTest, MemberRoleIsReachableUnderSyncMembership) {
  static_assert(std::is_same_v<coven::sync::membership::MemberRole,
                               coven::members::MemberRole>);
  EXPECT_EQ(coven::sync::membership::MemberRole::Writer,
            coven::members::MemberRole::Writer);
}

}  // namespace
}  // namespace coven::testing
