// RegisterDevice by a device the space's member log does not admit, in a
// space without a member log: it takes over the claim only when the space
// holds nothing, and it asks that with a read, so a stranger registering
// into a used space never reaches the store's write path (ReclaimSpace).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "hub/store/forwarding_store.h"
#include "hub_test_util.h"

namespace coven::hub::testing {
namespace {

// The store, counting the calls of ReclaimSpace (a write transaction).
class ReclaimCountingStore final : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Status ReclaimSpace(std::string_view name,
                      const std::array<std::uint8_t, 32>& previous,
                      const std::array<std::uint8_t, 32>& founder) override {
    ++reclaims;
    return ForwardingStore::ReclaimSpace(name, previous, founder);
  }
  std::atomic<int> reclaims{0};
};

class HubRegisterReclaimTest : public HubCoreFixture {
 protected:
  void SetUp() override {
    HubCoreFixture::SetUp();
    core_.reset();
    counting_ = std::make_shared<ReclaimCountingStore>(store_);
    store_ = counting_;
    auto core = HubCore::Create(store_, clock_,
                                std::make_shared<SeededEntropy>(42), {});
    ASSERT_TRUE(core.ok()) << core.status().ToString();
    core_ = std::move(*core);
  }

  std::shared_ptr<ReclaimCountingStore> counting_;
};

TEST_F(HubRegisterReclaimTest, AStrangerIntoAClaimHoldingObjectsTakesNoWrite) {
  ASSERT_TRUE(Register("todos", "alice.d1").ok());
  const server::Key32 alice = KeyPair("alice.d1").public_key();
  // The founder wrote a key wrap, and no member log yet.
  ASSERT_TRUE(
      store_->PutObject("todos", "keys/a", AsBytes("wrap"), alice).ok());

  auto stranger = Register("todos", "mallory.d1");
  EXPECT_EQ(stranger.status().code(), StatusCode::kPermissionDenied)
      << stranger.status().ToString();
  EXPECT_EQ(counting_->reclaims.load(), 0)
      << "a stranger's registration took the store's write path";
  Result<store::Space> space = store_->GetSpace("todos");
  ASSERT_TRUE(space.ok()) << space.status().ToString();
  EXPECT_EQ(space->founder, alice);
  Result<Bytes> wrap = store_->GetObject("todos", "keys/a", 0);
  ASSERT_TRUE(wrap.ok()) << wrap.status().ToString();
  EXPECT_EQ(*wrap, ToBytes("wrap"));
  // The founder still registers.
  EXPECT_TRUE(Register("todos", "alice.d1").ok());
}

TEST_F(HubRegisterReclaimTest, AnEmptyClaimStillPassesToTheNextFounder) {
  ASSERT_TRUE(Register("todos", "alice.d1").ok());
  auto taken = Register("todos", "bob.d1");
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ(counting_->reclaims.load(), 1);
  Result<store::Space> space = store_->GetSpace("todos");
  ASSERT_TRUE(space.ok()) << space.status().ToString();
  EXPECT_EQ(space->founder, KeyPair("bob.d1").public_key());
}

}  // namespace
}  // namespace coven::hub::testing
