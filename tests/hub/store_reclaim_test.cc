// A claim nobody used passes to the next founder; a used one never does,
// and a reclaimed space's former founder can no longer write its marker
// (both stores).
#include <string>

#include "hub/store/paths.h"
#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

// kSpace is claimed by Key32(1) and holds nothing.
TEST_P(HubStoreTest, AnUnusedClaimPassesToTheNextFounder) {
  Result<bool> empty = store_->SpaceIsEmpty(kSpace);
  ASSERT_STORE_OK(empty);
  EXPECT_TRUE(*empty);
  EXPECT_EQ(store_->SpaceIsEmpty("other").status().code(),
            StatusCode::kNotFound);

  // Only the claim as seen is taken over.
  EXPECT_EQ(store_->ReclaimSpace(kSpace, Key32(3), Key32(2)).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->ReclaimSpace("other", Key32(1), Key32(2)).code(),
            StatusCode::kNotFound);
  ASSERT_STORE_OK(store_->ReclaimSpace(kSpace, Key32(1), Key32(2)));
  Result<Space> space = store_->GetSpace(kSpace);
  ASSERT_STORE_OK(space);
  EXPECT_EQ(space->founder, Key32(2));

  // The former founder's marker is refused; the new founder's is written.
  EXPECT_EQ(store_->PutMarker(kSpace, AsBytes("old"), Key32(1)).code(),
            StatusCode::kPermissionDenied);
  ASSERT_STORE_OK(store_->PutMarker(kSpace, AsBytes("new"), Key32(2)));
  empty = store_->SpaceIsEmpty(kSpace);
  ASSERT_STORE_OK(empty);
  EXPECT_FALSE(*empty);
  // Now used: never taken over again.
  EXPECT_EQ(store_->ReclaimSpace(kSpace, Key32(2), Key32(1)).code(),
            StatusCode::kFailedPrecondition);
  space = store_->GetSpace(kSpace);
  ASSERT_STORE_OK(space);
  EXPECT_EQ(space->founder, Key32(2));
  EXPECT_EQ(space->marker, ToBytes("new"));
}

TEST_P(HubStoreTest, AClaimHoldingAnythingIsNeverTakenOver) {
  const std::string spaces[] = {"with-member", "with-object", "with-log"};
  for (const std::string& name : spaces) {
    ASSERT_STORE_OK(store_->CreateSpace(name, Key32(1)));
  }
  ASSERT_STORE_OK(store_->AppendMember("with-member", 1, AsBytes("m1")));
  ASSERT_STORE_OK(store_->PutObject("with-object", "keys/a", AsBytes("wrap")));
  TestPush push = MakePush(0xa, 1, 1);
  push.space = "with-log";
  ASSERT_STORE_OK(store_->PushLog(push));
  for (const std::string& name : spaces) {
    Result<bool> empty = store_->SpaceIsEmpty(name);
    ASSERT_STORE_OK(empty);
    EXPECT_FALSE(*empty) << name;
    EXPECT_EQ(store_->ReclaimSpace(name, Key32(1), Key32(2)).code(),
              StatusCode::kFailedPrecondition)
        << name;
    Result<Space> space = store_->GetSpace(name);
    ASSERT_STORE_OK(space);
    EXPECT_EQ(space->founder, Key32(1)) << name;
  }
  // A member log lets any member's device write the marker again.
  ASSERT_STORE_OK(
      store_->PutMarker("with-member", AsBytes("marker"), Key32(9)));
}

}  // namespace
}  // namespace coven::hub::store::testing
