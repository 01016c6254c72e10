// GetLogPiece: a log object read piece by piece, as the hub serves a large
// object (GetObject with an offset), on both stores.
#include <gmock/gmock.h>

#include "hub/store/paths.h"
#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

using ::testing::HasSubstr;

constexpr std::uint64_t kPieceAuthor = 0x5eed;

TEST_P(HubStoreTest, ALogObjectReadsInPiecesThatJoinToTheWhole) {
  TestPush push = MakePush(kPieceAuthor, 1, 2);
  // Seq 2 spans many pages (and, on PostgreSQL, many TOAST chunks).
  push.SetData(1, ObjectBytes(kPieceAuthor, 2, 0, (1u << 20) + 12345));
  ASSERT_STORE_OK(store_->PushLog(push));

  const Bytes whole = ObjectBytes(kPieceAuthor, 2, 0, (1u << 20) + 12345);
  Bytes joined;
  for (std::uint64_t offset = 0; offset < whole.size(); offset += 300'000) {
    Result<LogPiece> piece =
        store_->GetLogPiece(kSpace, kPieceAuthor, 2, offset, 300'000);
    ASSERT_STORE_OK(piece);
    EXPECT_EQ(piece->size, whole.size());
    EXPECT_EQ(piece->data.size(),
              std::min<std::uint64_t>(300'000, whole.size() - offset));
    joined.insert(joined.end(), piece->data.begin(), piece->data.end());
  }
  EXPECT_EQ(joined, whole);

  // At the end: nothing; past it: out of range; a small object whole.
  Result<LogPiece> end =
      store_->GetLogPiece(kSpace, kPieceAuthor, 2, whole.size(), 10);
  ASSERT_STORE_OK(end);
  EXPECT_TRUE(end->data.empty());
  Result<LogPiece> past =
      store_->GetLogPiece(kSpace, kPieceAuthor, 2, whole.size() + 1, 10);
  EXPECT_EQ(past.status().code(), StatusCode::kOutOfRange);
  Result<LogPiece> small =
      store_->GetLogPiece(kSpace, kPieceAuthor, 1, 0, 1 << 20);
  ASSERT_STORE_OK(small);
  EXPECT_EQ(small->data, ObjectBytes(kPieceAuthor, 1));
  Result<LogPiece> middle = store_->GetLogPiece(kSpace, kPieceAuthor, 1, 5, 7);
  ASSERT_STORE_OK(middle);
  const Bytes one = ObjectBytes(kPieceAuthor, 1);
  EXPECT_EQ(middle->data, Bytes(one.begin() + 5, one.begin() + 12));
}

TEST_P(HubStoreTest, AMissingLogObjectIsNotFound) {
  ASSERT_STORE_OK(store_->PushLog(MakePush(kPieceAuthor, 1, 1)));
  Result<LogPiece> missing =
      store_->GetLogPiece(kSpace, kPieceAuthor, 2, 0, 10);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(LogPath(kPieceAuthor, 2)));
  EXPECT_EQ(
      store_->GetLogPiece("elsewhere", kPieceAuthor, 1, 0, 10).status().code(),
      StatusCode::kNotFound);
}

}  // namespace
}  // namespace coven::hub::store::testing
