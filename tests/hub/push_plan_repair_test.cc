// DamagedCopies: which pushed objects replace their stored copy. Only a
// copy whose bytes no longer match its recorded hash, and only with pushed
// bytes that do; never an intact copy, never over a fork.
#include <gtest/gtest.h>

#include <algorithm>

#include "hub/store/push_plan.h"

namespace coven::hub::store {
namespace {

StoredCopy CopyOf(std::uint64_t seq, const Bytes& recorded, Bytes held) {
  return StoredCopy{
      .seq = seq, .hash = LogObjectHash(recorded), .data = std::move(held)};
}

TEST(DamagedCopiesTest, ReplacesOnlyDamagedCopiesWithMatchingBytes) {
  const Bytes one = ToBytes("object one");
  const Bytes two = ToBytes("object two");
  const Bytes three = ToBytes("object three");
  const Bytes fork = ToBytes("other three");
  LogPush push;
  push.space = "s";
  push.author = 7;
  push.objects = {{1, one}, {2, two}, {3, fork}};
  const std::vector<StoredCopy> stored = {
      CopyOf(1, one, one),                      // Intact.
      CopyOf(2, two, ToBytes("object twO")),    // Damaged: replaced.
      CopyOf(3, three, ToBytes("object thr")),  // Damaged, but a fork.
      CopyOf(4, one, two)};                     // Damaged, not pushed.
  const std::vector<const LogObject*> damaged = DamagedCopies(push, stored);
  ASSERT_EQ(damaged.size(), 1u);
  EXPECT_EQ(damaged[0]->seq, 2u);
  EXPECT_TRUE(std::equal(damaged[0]->data.begin(), damaged[0]->data.end(),
                         two.begin(), two.end()));
}

}  // namespace
}  // namespace coven::hub::store
