// The store suite: pushing and pulling author logs (both stores).
#include <gmock/gmock.h>

#include <string>

#include "hub/store/paths.h"
#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

constexpr std::uint64_t kAuthor = 0xa1;

using ::testing::HasSubstr;

TEST_P(HubStoreTest, PushThenPull) {
  Result<LogPushResult> pushed =
      store_->PushLog(MakePush(kAuthor, 1, 3, 0, ToBytes("head-3")));
  ASSERT_STORE_OK(pushed);
  EXPECT_EQ(pushed->stored, 3u);
  EXPECT_EQ(pushed->already_had, 0u);
  EXPECT_EQ(pushed->log_seq, 3u);
  EXPECT_TRUE(pushed->head_replaced);

  const std::vector<StoredObject> all = PullAll(*store_, kAuthor);
  ASSERT_EQ(all.size(), 3u);
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    EXPECT_EQ(all[seq - 1].seq, seq);
    EXPECT_EQ(all[seq - 1].data, ObjectBytes(kAuthor, seq));
    EXPECT_EQ(all[seq - 1].size, ObjectBytes(kAuthor, seq).size());
    EXPECT_FALSE(all[seq - 1].too_large);
  }
  Result<std::vector<HeadRow>> heads = store_->ListHeads(kSpace);
  ASSERT_STORE_OK(heads);
  ASSERT_EQ(heads->size(), 1u);
  EXPECT_EQ((*heads)[0].author, kAuthor);
  EXPECT_EQ((*heads)[0].log_seq, 3u);
  EXPECT_EQ((*heads)[0].head, ToBytes("head-3"));
}

TEST_P(HubStoreTest, PushesSurviveReopening) {
  ASSERT_STORE_OK(store_->PushLog(MakePush(kAuthor, 1, 4, 0, ToBytes("h4"))));
  ASSERT_STORE_OK(store_->AppendMember(kSpace, 1, AsBytes("m1"), Key32(1)));
  store_.reset();
  Result<StoreRef> reopened = OpenAnother();
  ASSERT_STORE_OK(reopened);
  store_ = *reopened;
  EXPECT_EQ(PullAll(*store_, kAuthor).size(), 4u);
  Result<Bytes> head = store_->GetObject(kSpace, HeadPath(kAuthor), 0);
  ASSERT_STORE_OK(head);
  EXPECT_EQ(*head, ToBytes("h4"));
  Result<std::vector<Bytes>> members = store_->MemberLog(kSpace);
  ASSERT_STORE_OK(members);
  EXPECT_EQ(members->size(), 1u);
  // And the log goes on where it stopped.
  Result<LogPushResult> next = store_->PushLog(MakePush(kAuthor, 5, 5));
  ASSERT_STORE_OK(next);
  EXPECT_EQ(next->log_seq, 5u);
}

TEST_P(HubStoreTest, RetriedPushIsStoredOnce) {
  ASSERT_STORE_OK(store_->PushLog(MakePush(kAuthor, 1, 3)));
  Result<LogPushResult> again = store_->PushLog(MakePush(kAuthor, 1, 3));
  ASSERT_STORE_OK(again);
  EXPECT_EQ(again->stored, 0u);
  EXPECT_EQ(again->already_had, 3u);
  EXPECT_EQ(again->log_seq, 3u);
  // Overlapping the head: the old part is a retry, the rest is new.
  Result<LogPushResult> overlap = store_->PushLog(MakePush(kAuthor, 2, 5));
  ASSERT_STORE_OK(overlap);
  EXPECT_EQ(overlap->already_had, 2u);
  EXPECT_EQ(overlap->stored, 2u);
  EXPECT_EQ(overlap->log_seq, 5u);
  const std::vector<StoredObject> all = PullAll(*store_, kAuthor);
  ASSERT_EQ(all.size(), 5u);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq, i + 1);
  Result<std::vector<PathInfo>> paths =
      store_->ListPaths(kSpace, "log/", "", 100);
  ASSERT_STORE_OK(paths);
  EXPECT_EQ(paths->size(), 5u);
}

TEST_P(HubStoreTest, ForkIsRefusedAndNothingStored) {
  ASSERT_STORE_OK(store_->PushLog(MakePush(kAuthor, 1, 3, 0, ToBytes("h3"))));
  TestPush fork = MakePush(kAuthor, 2, 4, 0, ToBytes("h4"));
  fork.SetData(1, ObjectBytes(kAuthor, 3, /*variant=*/1));  // Seq 3.
  Result<LogPushResult> refused = store_->PushLog(fork);
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(refused.status().message(), HasSubstr("fork"));
  // A fork of the same size as the original, too (hash, not size, decides).
  TestPush same_size = MakePush(kAuthor, 3, 3);
  same_size.MutableData(0)[0] ^= 1;
  EXPECT_EQ(store_->PushLog(same_size).status().code(),
            StatusCode::kAlreadyExists);

  Result<Bytes> three = store_->GetObject(kSpace, LogPath(kAuthor, 3), 0);
  ASSERT_STORE_OK(three);
  EXPECT_EQ(*three, ObjectBytes(kAuthor, 3));
  EXPECT_EQ(store_->GetObject(kSpace, LogPath(kAuthor, 4), 0).status().code(),
            StatusCode::kNotFound);
  Result<std::vector<HeadRow>> heads = store_->ListHeads(kSpace);
  ASSERT_STORE_OK(heads);
  ASSERT_EQ(heads->size(), 1u);
  EXPECT_EQ((*heads)[0].log_seq, 3u);
  EXPECT_EQ((*heads)[0].head, ToBytes("h3"));
}

TEST_P(HubStoreTest, GapIsRefusedNamingTheHead) {
  ASSERT_STORE_OK(store_->PushLog(MakePush(kAuthor, 1, 2)));
  Result<LogPushResult> gap = store_->PushLog(MakePush(kAuthor, 4, 5));
  EXPECT_EQ(gap.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(gap.status().message(), HasSubstr("head is 2"));
  EXPECT_EQ(store_->GetObject(kSpace, LogPath(kAuthor, 4), 0).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(PullAll(*store_, kAuthor).size(), 2u);
  // A new author must start at 1.
  EXPECT_EQ(store_->PushLog(MakePush(kAuthor + 1, 2, 2)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(PullAll(*store_, kAuthor + 1).size(), 0u);
}

TEST_P(HubStoreTest, BatchIsAllOrNothing) {
  ASSERT_STORE_OK(store_->PushLog(MakePush(kAuthor, 1, 3)));
  // Its third object (seq 3) forks: seqs 4..6 must not be stored either.
  TestPush batch = MakePush(kAuthor, 1, 6, 0, ToBytes("h6"));
  batch.SetData(2, ObjectBytes(kAuthor, 3, 2));
  EXPECT_EQ(store_->PushLog(batch).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(PullAll(*store_, kAuthor).size(), 3u);
  Result<std::vector<PathInfo>> paths = store_->ListPaths(kSpace, "", "", 100);
  ASSERT_STORE_OK(paths);
  EXPECT_EQ(paths->size(), 3u);  // log/ only: no head was written.
  EXPECT_EQ(store_->GetObject(kSpace, HeadPath(kAuthor), 0).status().code(),
            StatusCode::kNotFound);
}

TEST_P(HubStoreTest, RefusesBadPushes) {
  EXPECT_EQ(store_->PushLog(MakePush(kAuthor, 0, 1)).status().code(),
            StatusCode::kInvalidArgument);
  TestPush too_big = MakePush(kAuthor, 1, 1);
  too_big.objects[0].seq = kMaxSeq;
  EXPECT_EQ(store_->PushLog(too_big).status().code(),
            StatusCode::kInvalidArgument);
  TestPush holes = MakePush(kAuthor, 1, 3);
  holes.objects.erase(holes.objects.begin() + 1);
  EXPECT_EQ(store_->PushLog(holes).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PushLog(MakePush(kAuthor, 1, 0)).status().code(),
            StatusCode::kInvalidArgument);  // Nothing at all.
  TestPush elsewhere = MakePush(kAuthor, 1, 1);
  elsewhere.space = "no-such-space";
  EXPECT_EQ(store_->PushLog(elsewhere).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(PullAll(*store_, kAuthor).size(), 0u);
}

TEST_P(HubStoreTest, HeadOnlyPush) {
  // No log yet: a head alone is refused.
  Result<LogPushResult> early =
      store_->PushLog(MakePush(kAuthor, 1, 0, 0, ToBytes("h0")));
  EXPECT_EQ(early.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->GetObject(kSpace, HeadPath(kAuthor), 0).status().code(),
            StatusCode::kNotFound);
  ASSERT_STORE_OK(store_->PushLog(MakePush(kAuthor, 1, 2)));
  // Objects without a head: still no head to read.
  EXPECT_EQ(store_->GetObject(kSpace, HeadPath(kAuthor), 0).status().code(),
            StatusCode::kNotFound);
  Result<LogPushResult> head =
      store_->PushLog(MakePush(kAuthor, 1, 0, 0, ToBytes("h2")));
  ASSERT_STORE_OK(head);
  EXPECT_TRUE(head->head_replaced);
  EXPECT_EQ(head->stored, 0u);
  EXPECT_EQ(head->log_seq, 2u);
  Result<Bytes> read = store_->GetObject(kSpace, HeadPath(kAuthor), 0);
  ASSERT_STORE_OK(read);
  EXPECT_EQ(*read, ToBytes("h2"));
}

TEST_P(HubStoreTest, HeadIsReplacedButNotByAnOlderRetry) {
  ASSERT_STORE_OK(store_->PushLog(MakePush(kAuthor, 1, 2, 0, ToBytes("h2"))));
  ASSERT_STORE_OK(store_->PushLog(MakePush(kAuthor, 3, 4, 0, ToBytes("h4"))));
  Result<Bytes> head = store_->GetObject(kSpace, HeadPath(kAuthor), 0);
  ASSERT_STORE_OK(head);
  EXPECT_EQ(*head, ToBytes("h4"));
  // A late retry of the first batch must not put its older head back.
  Result<LogPushResult> retry =
      store_->PushLog(MakePush(kAuthor, 1, 2, 0, ToBytes("h2")));
  ASSERT_STORE_OK(retry);
  EXPECT_FALSE(retry->head_replaced);
  EXPECT_EQ(retry->already_had, 2u);
  head = store_->GetObject(kSpace, HeadPath(kAuthor), 0);
  ASSERT_STORE_OK(head);
  EXPECT_EQ(*head, ToBytes("h4"));
  // The same last batch again does (it may carry a re-sealed head).
  Result<LogPushResult> same =
      store_->PushLog(MakePush(kAuthor, 3, 4, 0, ToBytes("h4b")));
  ASSERT_STORE_OK(same);
  EXPECT_TRUE(same->head_replaced);
  head = store_->GetObject(kSpace, HeadPath(kAuthor), 0);
  ASSERT_STORE_OK(head);
  EXPECT_EQ(*head, ToBytes("h4b"));
}

TEST_P(HubStoreTest, PullLogBounds) {
  TestPush push;
  push.space = kSpace;
  push.author = kAuthor;
  for (std::uint64_t seq = 1; seq <= 10; ++seq) {
    // Seq 6 is large; every other object is 100 bytes.
    push.Add(seq, ObjectBytes(kAuthor, seq, 0, seq == 6 ? 1000 : 100));
  }
  ASSERT_STORE_OK(store_->PushLog(push));
  LogRange range;
  range.space = kSpace;
  range.author = kAuthor;
  auto pull = [&](const LogRange& r) {
    Result<std::vector<StoredObject>> page = store_->PullLog(r);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::uint64_t> seqs;
    if (page.ok()) {
      for (const StoredObject& o : *page) seqs.push_back(o.seq);
    }
    return seqs;
  };
  using Seqs = std::vector<std::uint64_t>;
  range.max_objects = 3;
  EXPECT_EQ(pull(range), (Seqs{1, 2, 3}));
  range.max_objects = 256;
  range.max_bytes = 250;
  EXPECT_EQ(pull(range), (Seqs{1, 2}));
  range.max_bytes = 50;  // Less than one object: still one.
  EXPECT_EQ(pull(range), (Seqs{1}));
  range.after_seq = 5;  // Seq 6 alone is over max_bytes: still one.
  EXPECT_EQ(pull(range), (Seqs{6}));
  range.max_bytes = 4u << 20;
  range.after_seq = 2;
  range.through_seq = 4;
  EXPECT_EQ(pull(range), (Seqs{3, 4}));
  range.through_seq = 20;  // Past the head: to the head.
  range.after_seq = 8;
  EXPECT_EQ(pull(range), (Seqs{9, 10}));
  range.through_seq = 0;
  range.after_seq = 10;
  EXPECT_EQ(pull(range), (Seqs{}));

  // Over max_object_bytes: listed with its size, without data.
  range.after_seq = 4;
  range.max_object_bytes = 500;
  range.max_objects = 3;
  Result<std::vector<StoredObject>> page = store_->PullLog(range);
  ASSERT_STORE_OK(page);
  ASSERT_EQ(page->size(), 3u);
  EXPECT_FALSE((*page)[0].too_large);
  EXPECT_EQ((*page)[0].data, ObjectBytes(kAuthor, 5, 0, 100));
  EXPECT_TRUE((*page)[1].too_large);
  EXPECT_EQ((*page)[1].seq, 6u);
  EXPECT_EQ((*page)[1].size, 1000u);
  EXPECT_TRUE((*page)[1].data.empty());
  EXPECT_EQ((*page)[2].data, ObjectBytes(kAuthor, 7, 0, 100));

  // An author with no log: nothing; a space that does not exist: kNotFound.
  range.author = kAuthor + 1;
  EXPECT_EQ(pull(range), (Seqs{}));
  range.space = "no-such-space";
  EXPECT_EQ(store_->PullLog(range).status().code(), StatusCode::kNotFound);
}

TEST_P(HubStoreTest, AuthorsKeepUnsignedOrder) {
  // Authors at and above 2^63 sort after the small ones, as unsigned.
  const std::uint64_t authors[] = {
      0xffffffffffffffffull, 1, 0x8000000000000000ull, 0x7fffffffffffffffull};
  for (std::uint64_t author : authors) {
    ASSERT_STORE_OK(store_->PushLog(MakePush(author, 1, 1, 0, ToBytes("h"))));
  }
  Result<std::vector<HeadRow>> heads = store_->ListHeads(kSpace);
  ASSERT_STORE_OK(heads);
  ASSERT_EQ(heads->size(), 4u);
  EXPECT_EQ((*heads)[0].author, 1u);
  EXPECT_EQ((*heads)[1].author, 0x7fffffffffffffffull);
  EXPECT_EQ((*heads)[2].author, 0x8000000000000000ull);
  EXPECT_EQ((*heads)[3].author, 0xffffffffffffffffull);
  EXPECT_EQ(PullAll(*store_, 0xffffffffffffffffull).size(), 1u);
}

}  // namespace
}  // namespace coven::hub::store::testing
