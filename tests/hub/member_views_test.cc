// MemberViews: the hub's verified member logs, brought up to date from the
// store. A refresh reads and verifies only the slots after the verified
// ones, and keeps the view it has when the log did not grow.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hub/server/access.h"
#include "hub_test_util.h"

namespace coven::hub::testing {
namespace {

constexpr char kViewsSpace[] = "todos";
constexpr std::int64_t kViewsMaxAgeMs = 1000;

// The store and the manual clock of HubCoreFixture; the views of its own.
class MemberViewsTest : public HubCoreFixture {
 protected:
  void SetUp() override {
    HubCoreFixture::SetUp();
    if (HasFatalFailure()) return;
    views_ =
        std::make_unique<server::MemberViews>(store_, clock_, kViewsMaxAgeMs);
    ASSERT_TRUE(store_->CreateSpace(kViewsSpace, server::Key32{}).ok());
    chain_.Genesis();
    for (int i = 2; i <= 6; ++i) {
      chain_.AddDevice("alice", "alice", "alice.d" + std::to_string(i));
    }
  }

  // Stores slots [first, last] of the chain (1-based).
  void StoreSlots(std::size_t first, std::size_t last) {
    for (std::size_t slot = first; slot <= last; ++slot) {
      ASSERT_TRUE(store_
                      ->AppendMember(kViewsSpace, slot,
                                     chain_.slots()[slot - 1], server::Key32{})
                      .ok());
    }
  }

  std::shared_ptr<const members::MemberLog> View() {
    auto log = views_->Get(kViewsSpace);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? *log : nullptr;
  }

  std::unique_ptr<server::MemberViews> views_;
  Chain chain_;
};

TEST_F(MemberViewsTest, KeepsItsViewWhileTheLogDoesNotGrow) {
  StoreSlots(1, 3);
  const auto first = View();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->size(), 3u);
  // Stale, but nothing new in the store: the same verified view, not a
  // replay of every slot.
  clock_->Advance(kViewsMaxAgeMs * 3);
  EXPECT_EQ(View(), first);
  views_->Invalidate(kViewsSpace);
  EXPECT_EQ(View(), first);
}

TEST_F(MemberViewsTest, AppendsOnlyTheNewSlotsOnACopy) {
  StoreSlots(1, 2);
  const auto first = View();
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(first->size(), 2u);

  // A slot stored by another hub process: seen once the view is stale.
  StoreSlots(3, 4);
  EXPECT_EQ(View(), first);
  clock_->Advance(kViewsMaxAgeMs);
  const auto second = View();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->size(), 4u);
  EXPECT_EQ(first->size(), 2u);  // Callers holding the old view keep it.

  // A slot announced (Invalidate): seen at once.
  StoreSlots(5, 6);
  views_->Invalidate(kViewsSpace);
  const auto third = View();
  ASSERT_NE(third, nullptr);
  ASSERT_EQ(third->size(), 6u);

  // The same verdicts and state as a replay of the whole log.
  members::MemberLog replay;
  for (const Bytes& slot : chain_.slots()) replay.Append(slot);
  EXPECT_EQ(third->slot_hashes(), replay.slot_hashes());
  EXPECT_EQ(third->head_hash(), replay.head_hash());
  ASSERT_EQ(third->verdicts().size(), replay.verdicts().size());
  for (std::size_t i = 0; i < replay.verdicts().size(); ++i) {
    EXPECT_TRUE(third->verdicts()[i].status.ok()) << "slot " << i + 1;
  }
  for (int i = 1; i <= 6; ++i) {
    const auto device =
        members::testing::KeyPair("alice.d" + std::to_string(i)).public_key();
    EXPECT_TRUE(third->current().AuthorizeWrite(device).ok()) << i;
  }
}

TEST_F(MemberViewsTest, SaysOnceWhenAStoredSlotDoesNotVerify) {
  std::vector<std::string> blocked;
  views_->OnBlocked([&](std::string_view space, const members::MemberLog& log) {
    blocked.push_back(std::string(space) + "@" +
                      std::to_string(*log.blocked_at()));
  });
  StoreSlots(1, 2);
  const auto whole = View();
  ASSERT_NE(whole, nullptr);
  EXPECT_TRUE(blocked.empty());
  // A device the log does not list may have been admitted at an entry the
  // hub lost (a store restored from an old backup): it is told so.
  std::string lost;
  const auto stranger = members::testing::KeyPair("bob.d1").public_key();
  EXPECT_EQ(
      server::AccessOf(*whole, server::Key32{}, stranger, std::nullopt, &lost),
      server::Access::kNone);
  EXPECT_NE(lost.find("older backup"), std::string::npos) << lost;
  // Bytes planted in the store at slot 3 (the store keeps what it is
  // given; the hub checks slots before it stores them).
  ASSERT_TRUE(store_
                  ->AppendMember(kViewsSpace, 3, ToBytes("not an entry"),
                                 server::Key32{})
                  .ok());
  views_->Invalidate(kViewsSpace);
  auto log = View();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->blocked_at(), std::optional<std::uint64_t>(3));
  ASSERT_EQ(blocked, std::vector<std::string>{"todos@3"});
  // Still blocked after more slots: not said again.
  ASSERT_TRUE(
      store_->AppendMember(kViewsSpace, 4, chain_.slots()[3], server::Key32{})
          .ok());
  views_->Invalidate(kViewsSpace);
  ASSERT_NE(View(), nullptr);
  EXPECT_EQ(blocked.size(), 1u);
}

}  // namespace
}  // namespace coven::hub::testing
