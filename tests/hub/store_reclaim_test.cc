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

  // Whatever the former founder had been admitted to write just before is
  // refused by the store: its marker, a key wrap, a genesis.
  EXPECT_EQ(store_->PutMarker(kSpace, AsBytes("old"), Key32(1)).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(
      store_->PutObject(kSpace, "keys/a", AsBytes("wrap"), Key32(1)).code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(store_->AppendMember(kSpace, 1, AsBytes("m1"), Key32(1)).code(),
            StatusCode::kPermissionDenied);
  empty = store_->SpaceIsEmpty(kSpace);
  ASSERT_STORE_OK(empty);
  EXPECT_TRUE(*empty);
  // The new founder's are written.
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
  ASSERT_STORE_OK(
      store_->AppendMember("with-member", 1, AsBytes("m1"), Key32(1)));
  ASSERT_STORE_OK(
      store_->PutObject("with-object", "keys/a", AsBytes("wrap"), Key32(1)));
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
  // Once a member log exists, the member log decides (the hub checked the
  // writer against it): the store takes any device's writes.
  ASSERT_STORE_OK(
      store_->PutMarker("with-member", AsBytes("marker"), Key32(9)));
  ASSERT_STORE_OK(
      store_->PutObject("with-member", "keys/b", AsBytes("wrap"), Key32(9)));
  ASSERT_STORE_OK(
      store_->AppendMember("with-member", 2, AsBytes("m2"), Key32(9)));
  // Without one, only the founder writes.
  EXPECT_EQ(
      store_->PutObject("with-log", "keys/b", AsBytes("wrap"), Key32(9)).code(),
      StatusCode::kPermissionDenied);
}

// An init cut short after its marker, before its genesis: the founder,
// trying again (with a new library's marker), replaces its own marker; no
// other device can, and once the member log exists nobody can.
TEST_P(HubStoreTest, ItsFounderReplacesTheMarkerOfASpaceWithoutAMemberLog) {
  ASSERT_STORE_OK(store_->PutMarker(kSpace, AsBytes("library-a"), Key32(1)));
  EXPECT_EQ(store_->PutMarker(kSpace, AsBytes("library-x"), Key32(2)).code(),
            StatusCode::kAlreadyExists);
  ASSERT_STORE_OK(store_->PutMarker(kSpace, AsBytes("library-b"), Key32(1)));
  Result<Bytes> marker = store_->GetObject(kSpace, kMarkerPath, 0);
  ASSERT_STORE_OK(marker);
  EXPECT_EQ(*marker, ToBytes("library-b"));
  // Still never reclaimed: it holds a marker.
  EXPECT_EQ(store_->ReclaimSpace(kSpace, Key32(1), Key32(2)).code(),
            StatusCode::kFailedPrecondition);

  ASSERT_STORE_OK(store_->AppendMember(kSpace, 1, AsBytes("m1"), Key32(1)));
  EXPECT_EQ(store_->PutMarker(kSpace, AsBytes("library-c"), Key32(1)).code(),
            StatusCode::kAlreadyExists);
  ASSERT_STORE_OK(store_->PutMarker(kSpace, AsBytes("library-b"), Key32(1)));
  Result<Space> space = store_->GetSpace(kSpace);
  ASSERT_STORE_OK(space);
  EXPECT_EQ(space->marker, ToBytes("library-b"));
}

}  // namespace
}  // namespace coven::hub::store::testing
