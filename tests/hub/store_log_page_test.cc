// ReadLogPage's head seq and LogPage::at_end, on both stores: a Pull moves
// on from an author after one read that reaches its head, and reads it
// again only when the page was cut short (objects or bytes).
#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

constexpr std::uint64_t kPageAuthor = 0x9a9e;

LogRange PageRange(std::uint64_t after_seq) {
  LogRange range;
  range.space = kSpace;
  range.author = kPageAuthor;
  range.after_seq = after_seq;
  return range;
}

TEST_P(HubStoreTest, ALogPageSaysWhetherItReachedTheHead) {
  // No log yet: nothing is due.
  Result<LogPage> none = store_->ReadLogPage(PageRange(0));
  ASSERT_STORE_OK(none);
  EXPECT_EQ(none->head_seq, 0u);
  EXPECT_TRUE(none->objects.empty());
  EXPECT_TRUE(none->at_end(PageRange(0)));

  ASSERT_STORE_OK(store_->PushLog(MakePush(kPageAuthor, 1, 5)));

  // Everything after seq 2, in one page: at the head.
  LogRange all = PageRange(2);
  Result<LogPage> rest = store_->ReadLogPage(all);
  ASSERT_STORE_OK(rest);
  EXPECT_EQ(rest->head_seq, 5u);
  ASSERT_EQ(rest->objects.size(), 3u);
  EXPECT_TRUE(rest->at_end(all));

  // Cut by max_objects: not at the end.
  LogRange two = PageRange(0);
  two.max_objects = 2;
  Result<LogPage> cut = store_->ReadLogPage(two);
  ASSERT_STORE_OK(cut);
  EXPECT_EQ(cut->objects.size(), 2u);
  EXPECT_EQ(cut->head_seq, 5u);
  EXPECT_FALSE(cut->at_end(two));

  // Cut by bytes (each object is 40 bytes; 100 hold two): not at the end.
  LogRange bytes = PageRange(0);
  bytes.max_bytes = 100;
  Result<LogPage> by_bytes = store_->ReadLogPage(bytes);
  ASSERT_STORE_OK(by_bytes);
  EXPECT_EQ(by_bytes->objects.size(), 2u);
  EXPECT_FALSE(by_bytes->at_end(bytes));

  // Up to through_seq: at the end of what was asked, below the head.
  LogRange through = PageRange(1);
  through.through_seq = 3;
  Result<LogPage> upto = store_->ReadLogPage(through);
  ASSERT_STORE_OK(upto);
  EXPECT_EQ(upto->objects.size(), 2u);
  EXPECT_TRUE(upto->at_end(through));

  // At the head already: nothing due, at the end.
  LogRange caught_up = PageRange(5);
  Result<LogPage> empty = store_->ReadLogPage(caught_up);
  ASSERT_STORE_OK(empty);
  EXPECT_TRUE(empty->objects.empty());
  EXPECT_EQ(empty->head_seq, 5u);
  EXPECT_TRUE(empty->at_end(caught_up));
}

}  // namespace
}  // namespace coven::hub::store::testing
