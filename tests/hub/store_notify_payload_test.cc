// The NOTIFY payload the PostgreSQL store's Announce sends and its Watch
// parses (hub/store/postgres_listener.h).
#include <gtest/gtest.h>

#include "hub/store/postgres_listener.h"

namespace coven::hub::store {
namespace {

TEST(HubStoreNotifyPayload, RoundTrips) {
  Change log;
  log.space = "space\twith a tab";
  log.author = 0xffffffffffffffffull;
  log.log_seq = 12;
  EXPECT_EQ(ChangePayload(log), "space\twith a tab\t18446744073709551615\t12");
  const Change parsed = ParseChangePayload(ChangePayload(log));
  EXPECT_EQ(parsed.space, log.space);
  EXPECT_EQ(parsed.author, log.author);
  EXPECT_EQ(parsed.log_seq, 12u);
  EXPECT_FALSE(parsed.members);

  Change members;
  members.space = "s";
  members.members = true;
  EXPECT_EQ(ChangePayload(members), "s\tmembers");
  const Change parsed_members = ParseChangePayload("s\tmembers");
  EXPECT_EQ(parsed_members.space, "s");
  EXPECT_TRUE(parsed_members.members);
}

TEST(HubStoreNotifyPayload, AnythingElseMeansReadEverything) {
  for (const char* bad : {"", "s", "\tmembers", "s\t1", "s\tx\t2", "s\t1\t",
                          "\t1\t2", "s\t-1\t2"}) {
    const Change change = ParseChangePayload(bad);
    EXPECT_TRUE(change.space.empty()) << bad;
    EXPECT_EQ(change.author, 0u) << bad;
    EXPECT_FALSE(change.members) << bad;
  }
}

}  // namespace
}  // namespace coven::hub::store
