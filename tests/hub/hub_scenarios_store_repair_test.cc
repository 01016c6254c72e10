// claw-sync's scenario 12 continued (research/claw-sync.md §7): bytes of a
// stored object changed but not its recorded hash, against a real coven-hub
// on SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hub/hub_store_access.h"

namespace coven::testing {
namespace {

class HubStoreRepairTest : public HubStoreDumpTest {};

// Bytes of a stored object changed but not its recorded hash (a disk that
// rots a row, or someone who edits only `data`): readers quarantine it; the
// author's next audit finds its object altered and pushes it again; the
// hub, which once counted that push as a retry and kept the bad bytes,
// stores it again, and the readers then apply it.
TEST_P(HubStoreRepairTest, ADamagedObjectIsStoredAgainByItsAuthor) {
  ASSERT_NO_FATAL_FAILURE(UseAHubThatReadsItsStore());
  auto a = Device(library_, space_, 36, /*first=*/true);
  ASSERT_NE(a, nullptr);
  for (const char* id : {"intact", "rotted"}) {
    a->Exec(std::string("INSERT INTO todos VALUES('") + id + "', '" + id +
            "', 0, coven_hlc())");
    a->Sync();
  }
  StoredLogObject rotted = store_->Read(space_);
  ASSERT_FALSE(rotted.data.empty());
  const std::string original = rotted.data;
  rotted.data[rotted.data.size() / 2] ^= 0x10;
  store_->Write(space_, rotted);

  auto c = Device(library_, space_, 37, /*first=*/false);
  ASSERT_NE(c, nullptr);
  auto first = c->manager().sync_now();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->quarantined, 1u);
  EXPECT_EQ(c->Dump("todos", false),
            std::vector<std::string>{"intact|intact|0"});

  // The author's audit (the first round after its interval).
  clock_->Advance(3'600'001);
  auto repaired = a->manager().sync_now();
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  EXPECT_TRUE(store_->Read(space_, rotted.seq).data == original)
      << "the hub kept the damaged bytes";

  auto retried = c->manager().retry_quarantined();
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(c->Dump("todos", false),
            (std::vector<std::string>{"intact|intact|0", "rotted|rotted|0"}));
  EXPECT_TRUE(c->manager().status().quarantined.empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, HubStoreRepairTest, EveryHubStore(),
                         HubStoreName);

}  // namespace
}  // namespace coven::testing
