// The store suite: spaces, markers, member logs, create-once objects,
// challenges, the token key, listings and Watch (both stores).
#include <atomic>
#include <string>

#include "hub/store/paths.h"
#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

TEST_P(HubStoreTest, SpacesAndMarker) {
  EXPECT_EQ(store_->CreateSpace(kSpace, Key32(2)).code(),
            StatusCode::kAlreadyExists);
  Result<Space> space = store_->GetSpace(kSpace);
  ASSERT_STORE_OK(space);
  EXPECT_EQ(space->founder, Key32(1));  // The first claim stands.
  EXPECT_FALSE(space->marker.has_value());
  EXPECT_EQ(store_->GetSpace("other").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetObject(kSpace, kMarkerPath, 0).status().code(),
            StatusCode::kNotFound);

  ASSERT_STORE_OK(store_->PutMarker(kSpace, AsBytes("marker-1"), Key32(1)));
  ASSERT_STORE_OK(store_->PutMarker(kSpace, AsBytes("marker-1"), Key32(1)));
  // Another device's marker (its founder replaces it while the space has no
  // member log: store_reclaim_test.cc).
  EXPECT_EQ(store_->PutMarker(kSpace, AsBytes("marker-2"), Key32(2)).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->PutMarker("other", AsBytes("marker-1"), Key32(1)).code(),
            StatusCode::kNotFound);
  space = store_->GetSpace(kSpace);
  ASSERT_STORE_OK(space);
  EXPECT_EQ(space->marker, ToBytes("marker-1"));
  Result<Bytes> marker = store_->GetObject(kSpace, kMarkerPath, 0);
  ASSERT_STORE_OK(marker);
  EXPECT_EQ(*marker, ToBytes("marker-1"));
  EXPECT_EQ(store_->GetObject(kSpace, kMarkerPath, 3).status().code(),
            StatusCode::kResourceExhausted);
}

TEST_P(HubStoreTest, MemberLogAppends) {
  Result<std::vector<Bytes>> log = store_->MemberLog(kSpace);
  ASSERT_STORE_OK(log);
  EXPECT_TRUE(log->empty());
  ASSERT_STORE_OK(store_->AppendMember(kSpace, 1, AsBytes("m1"), Key32(1)));
  EXPECT_EQ(store_->AppendMember(kSpace, 3, AsBytes("m3"), Key32(1)).code(),
            StatusCode::kFailedPrecondition);  // A gap.
  ASSERT_STORE_OK(store_->AppendMember(kSpace, 2, AsBytes("m2"), Key32(1)));
  ASSERT_STORE_OK(
      store_->AppendMember(kSpace, 2, AsBytes("m2"), Key32(1)));  // Same.
  EXPECT_EQ(store_->AppendMember(kSpace, 2, AsBytes("other"), Key32(1)).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->AppendMember("other", 1, AsBytes("m1"), Key32(1)).code(),
            StatusCode::kNotFound);
  log = store_->MemberLog(kSpace);
  ASSERT_STORE_OK(log);
  EXPECT_EQ(*log, (std::vector<Bytes>{ToBytes("m1"), ToBytes("m2")}));
  // The slots after a given one only (what a hub's refresh reads).
  log = store_->MemberLogAfter(kSpace, 1);
  ASSERT_STORE_OK(log);
  EXPECT_EQ(*log, (std::vector<Bytes>{ToBytes("m2")}));
  log = store_->MemberLogAfter(kSpace, 2);
  ASSERT_STORE_OK(log);
  EXPECT_TRUE(log->empty());
  log = store_->MemberLogAfter(kSpace, ~0ull);
  ASSERT_STORE_OK(log);
  EXPECT_TRUE(log->empty());
  EXPECT_EQ(store_->MemberLogAfter("other", 0).status().code(),
            StatusCode::kNotFound);
  Result<Bytes> entry = store_->GetObject(kSpace, MemberPath(2), 0);
  ASSERT_STORE_OK(entry);
  EXPECT_EQ(*entry, ToBytes("m2"));
  EXPECT_EQ(store_->GetObject(kSpace, MemberPath(3), 0).status().code(),
            StatusCode::kNotFound);
}

TEST_P(HubStoreTest, PutObjectIsCreateOnce) {
  ASSERT_STORE_OK(
      store_->PutObject(kSpace, "keys/a", AsBytes("key-a"), Key32(1)));
  ASSERT_STORE_OK(
      store_->PutObject(kSpace, "keys/a", AsBytes("key-a"), Key32(1)));
  EXPECT_EQ(
      store_->PutObject(kSpace, "keys/a", AsBytes("key-b"), Key32(1)).code(),
      StatusCode::kAlreadyExists);
  EXPECT_EQ(
      store_->PutObject("other", "keys/a", AsBytes("key-a"), Key32(1)).code(),
      StatusCode::kNotFound);
  for (const char* path : {"", "coven-library.json", "heads/x", "log/x",
                           "members/0000000000000001"}) {
    EXPECT_EQ(store_->PutObject(kSpace, path, AsBytes("x"), Key32(1)).code(),
              StatusCode::kInvalidArgument)
        << path;
  }
  Result<Bytes> read = store_->GetObject(kSpace, "keys/a", 0);
  ASSERT_STORE_OK(read);
  EXPECT_EQ(*read, ToBytes("key-a"));
  EXPECT_EQ(store_->GetObject(kSpace, "keys/a", 4).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(store_->GetObject(kSpace, "keys/b", 0).status().code(),
            StatusCode::kNotFound);
  // Misspelled paths of the other kinds are simply not there.
  for (const char* path : {"heads/A1", "log/00000000000000a1/1", "members/1",
                           "heads/00000000000000A1"}) {
    EXPECT_EQ(store_->GetObject(kSpace, path, 0).status().code(),
              StatusCode::kNotFound)
        << path;
  }
}

// Far from any bound, at a time before every challenge's expiry.
const ChallengeBounds kNoBounds{0, 1'000, 1'000};

TEST_P(HubStoreTest, ChallengesAreSingleUseAndExpire) {
  Challenge challenge;
  challenge.bytes = Key32(7);
  challenge.space = kSpace;
  challenge.device = Key32(8);
  challenge.expires_ms = 1'000'000;
  ASSERT_STORE_OK(store_->PutChallenge(challenge, kNoBounds));
  Result<StoreRef> other = OpenAnother();
  ASSERT_STORE_OK(other);
  // Taken once, on any process.
  Result<Challenge> taken = (*other)->TakeChallenge(Key32(7), 999'999);
  ASSERT_STORE_OK(taken);
  EXPECT_EQ(taken->space, kSpace);
  EXPECT_EQ(taken->device, Key32(8));
  EXPECT_EQ(taken->expires_ms, 1'000'000);
  EXPECT_EQ(store_->TakeChallenge(Key32(7), 999'999).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ((*other)->TakeChallenge(Key32(7), 999'999).status().code(),
            StatusCode::kNotFound);
  // Expired: never taken.
  challenge.bytes = Key32(9);
  ASSERT_STORE_OK(store_->PutChallenge(challenge, kNoBounds));
  EXPECT_EQ(store_->TakeChallenge(Key32(9), 1'000'000).status().code(),
            StatusCode::kNotFound);
  ASSERT_STORE_OK(
      store_->PutChallenge(challenge, kNoBounds));  // Swept, so new again.
  EXPECT_EQ(store_->PutChallenge(challenge, kNoBounds).code(),
            StatusCode::kAlreadyExists);
}

// GetChallenge needs no key: what it makes the store hold is bounded per
// space and in all, and expired challenges go when a new one comes.
TEST_P(HubStoreTest, WaitingChallengesAreBounded) {
  Challenge challenge;
  challenge.space = kSpace;
  challenge.device = Key32(8);
  challenge.expires_ms = 1'000'000;
  const ChallengeBounds bounds{999'000, 3, 5};
  for (std::uint8_t i = 1; i <= 3; ++i) {
    challenge.bytes = Key32(i);
    ASSERT_STORE_OK(store_->PutChallenge(challenge, bounds));
  }
  challenge.bytes = Key32(4);
  Status over = store_->PutChallenge(challenge, bounds);
  EXPECT_EQ(over.code(), StatusCode::kResourceExhausted) << over.ToString();
  EXPECT_EQ(store_->TakeChallenge(Key32(4), 999'000).status().code(),
            StatusCode::kNotFound);
  // Other spaces fill up to the bound of the whole store.
  challenge.space = "other";
  for (std::uint8_t i = 5; i <= 6; ++i) {
    challenge.bytes = Key32(i);
    ASSERT_STORE_OK(store_->PutChallenge(challenge, bounds));
  }
  challenge.bytes = Key32(7);
  EXPECT_EQ(store_->PutChallenge(challenge, bounds).code(),
            StatusCode::kResourceExhausted);
  // Once those expired, they make room.
  challenge.expires_ms = 3'000'000;
  ASSERT_STORE_OK(
      store_->PutChallenge(challenge, ChallengeBounds{2'000'000, 3, 5}));
  Result<Challenge> taken = store_->TakeChallenge(Key32(7), 2'000'000);
  ASSERT_STORE_OK(taken);
}

TEST_P(HubStoreTest, TokenKeyIsMadeOnceAndShared) {
  std::atomic<int> made{0};
  auto make = [&](std::uint8_t fill) {
    return [&made, fill] {
      ++made;
      return Key32(fill);
    };
  };
  Result<std::array<std::uint8_t, 32>> first = store_->TokenKey(make(0x11));
  ASSERT_STORE_OK(first);
  EXPECT_EQ(*first, Key32(0x11));
  Result<StoreRef> other = OpenAnother();
  ASSERT_STORE_OK(other);
  Result<std::array<std::uint8_t, 32>> second = (*other)->TokenKey(make(0x22));
  ASSERT_STORE_OK(second);
  EXPECT_EQ(*second, Key32(0x11));
  EXPECT_EQ(made.load(), 1);
  other->reset();
  // Still there after reopening.
  store_.reset();
  Result<StoreRef> reopened = OpenAnother();
  ASSERT_STORE_OK(reopened);
  Result<std::array<std::uint8_t, 32>> third =
      (*reopened)->TokenKey(make(0x33));
  ASSERT_STORE_OK(third);
  EXPECT_EQ(*third, Key32(0x11));
}

TEST_P(HubStoreTest, ListPathsAcrossKinds) {
  ASSERT_STORE_OK(store_->PutMarker(kSpace, AsBytes("marker"), Key32(1)));
  ASSERT_STORE_OK(store_->PushLog(MakePush(0xb, 1, 2, 0, ToBytes("hb"))));
  ASSERT_STORE_OK(store_->PushLog(MakePush(0xa, 1, 1)));  // No head.
  ASSERT_STORE_OK(store_->AppendMember(kSpace, 1, AsBytes("m1"), Key32(1)));
  ASSERT_STORE_OK(store_->PutObject(kSpace, "keys/x", AsBytes("kx"), Key32(1)));
  ASSERT_STORE_OK(
      store_->PutObject(kSpace, "keys/y", AsBytes("kyy"), Key32(1)));
  ASSERT_STORE_OK(
      store_->PutObject(kSpace, "zz/other", AsBytes("o"), Key32(1)));
  const std::vector<std::string> every = {
      "coven-library.json",
      "heads/000000000000000b",
      "keys/x",
      "keys/y",
      "log/000000000000000a/0000000000000001",
      "log/000000000000000b/0000000000000001",
      "log/000000000000000b/0000000000000002",
      "members/0000000000000001",
      "zz/other"};
  auto list = [&](std::string_view prefix, std::string_view after,
                  std::uint32_t limit) {
    Result<std::vector<PathInfo>> paths =
        store_->ListPaths(kSpace, prefix, after, limit);
    EXPECT_TRUE(paths.ok()) << paths.status().ToString();
    std::vector<std::string> names;
    if (paths.ok()) {
      for (const PathInfo& info : *paths) names.push_back(info.path);
    }
    return names;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(list("", "", 100), every);
  // Sizes as stored.
  Result<std::vector<PathInfo>> sized = store_->ListPaths(kSpace, "", "", 100);
  ASSERT_STORE_OK(sized);
  EXPECT_EQ((*sized)[0].size, 6u);
  EXPECT_EQ((*sized)[1].size, 2u);
  EXPECT_EQ((*sized)[3].size, 3u);
  EXPECT_EQ((*sized)[4].size, ObjectBytes(0xa, 1).size());
  // Paging by start_after walks every path once, whatever the page size.
  for (std::uint32_t limit : {1u, 2u, 4u}) {
    Names paged;
    std::string after;
    while (true) {
      Names page = list("", after, limit);
      ASSERT_LE(page.size(), limit);
      if (page.empty()) break;
      paged.insert(paged.end(), page.begin(), page.end());
      after = page.back();
    }
    EXPECT_EQ(paged, every) << limit;
  }
  // Every start_after (each path, and the spaces between them) and every
  // prefix of every path agree with filtering the full list.
  std::vector<std::string> probes = {"",
                                     "a",
                                     "h",
                                     "heads",
                                     "heads/",
                                     "log/0",
                                     "log/000000000000000a/",
                                     "log/000000000000000a/x",
                                     "log/g",
                                     "log/000000000000000B",
                                     "members/z",
                                     "~"};
  for (const std::string& path : every) {
    for (std::size_t n = 0; n <= path.size(); ++n) {
      probes.push_back(path.substr(0, n));
    }
  }
  for (const std::string& probe : probes) {
    Names after, under;
    for (const std::string& path : every) {
      if (path > probe) after.push_back(path);
      if (path.starts_with(probe)) under.push_back(path);
    }
    EXPECT_EQ(list("", probe, 100), after) << "start_after " << probe;
    EXPECT_EQ(list(probe, "", 100), under) << "prefix " << probe;
  }
  EXPECT_EQ(list("log/", "log/000000000000000a/0000000000000001", 1),
            (Names{"log/000000000000000b/0000000000000001"}));
  EXPECT_EQ(list("keys/", "", 100), (Names{"keys/x", "keys/y"}));
  EXPECT_EQ(list("", "", 0), Names{});
  EXPECT_EQ(store_->ListPaths("other", "", "", 10).status().code(),
            StatusCode::kNotFound);
}

TEST_P(HubStoreTest, WatchSeesAnnounce) {
  ChangeLog seen;
  store_->Watch(seen.Watcher());
  Change change;
  change.space = kSpace;
  change.author = 0xabc;
  change.log_seq = 7;
  store_->Announce(change);
  Change members;
  members.space = kSpace;
  members.members = true;
  store_->Announce(members);
  EXPECT_TRUE(seen.WaitFor([](const Change& c) {
    return c.space == kSpace && c.author == 0xabc && c.log_seq == 7 &&
           !c.members;
  }));
  EXPECT_TRUE(seen.WaitFor(
      [](const Change& c) { return c.space == kSpace && c.members; }));
  store_->Watch(nullptr);
}

}  // namespace
}  // namespace coven::hub::store::testing
