// The never-skip audit (research/hub.md sections 1 and 6): many authors
// pushed from several threads, through two store instances on one database
// or file (two hub processes), one author pushed from both at once, while
// readers page every author by cursor. Every reader must see every object
// exactly once, in seq order, with its bytes, and never skip one.
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

constexpr int kAuthors = 6;
constexpr std::uint64_t kObjects = 60;
constexpr int kReaders = 3;

std::uint64_t AuthorId(int i) {
  // Spread over the u64 range, some above 2^63.
  return 0x1000 + static_cast<std::uint64_t>(i) * 0x2f00000000000001ull;
}

// Pushes `author`'s objects 1..kObjects in batches of 1..4 (seeded), each
// batch retried while the store is busy; records failures.
void PushAll(Store& store, std::uint64_t author, unsigned seed,
             std::vector<std::string>* failures, std::mutex* mutex) {
  std::mt19937 random(seed);
  std::uint64_t next = 1;
  while (next <= kObjects) {
    const std::uint64_t last =
        std::min<std::uint64_t>(kObjects, next + random() % 4);
    Result<LogPushResult> pushed = store.PushLog(MakePush(
        author, next, last, 0, ToBytes("head-" + std::to_string(last))));
    if (!pushed.ok()) {
      if (pushed.status().IsRetryable()) continue;
      std::lock_guard lock(*mutex);
      failures->push_back(pushed.status().ToString());
      return;
    }
    next = last + 1;
  }
}

TEST_P(HubStoreTest, NeverSkipAudit) {
  Result<StoreRef> second = OpenAnother();
  ASSERT_STORE_OK(second);
  Store* stores[2] = {store_.get(), second->get()};

  std::mutex mutex;
  std::vector<std::string> failures;
  std::atomic<bool> pushing{true};
  // Every reader's view: author -> seqs in the order received.
  std::vector<std::map<std::uint64_t, std::vector<std::uint64_t>>> seen(
      kReaders);

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      Store& store = *stores[r % 2];
      std::map<std::uint64_t, std::uint64_t> cursor;
      auto& mine = seen[r];
      bool done = false;
      while (!done) {
        // One last full sweep after the pushers finished.
        const bool last_sweep = !pushing.load();
        for (int a = 0; a < kAuthors; ++a) {
          const std::uint64_t author = AuthorId(a);
          LogRange range;
          range.space = kSpace;
          range.author = author;
          range.max_objects = 1 + (r + a) % 3;
          while (true) {
            range.after_seq = cursor[author];
            Result<std::vector<StoredObject>> page = store.PullLog(range);
            if (!page.ok()) {
              std::lock_guard lock(mutex);
              failures.push_back("PullLog: " + page.status().ToString());
              return;
            }
            if (page->empty()) break;
            for (const StoredObject& object : *page) {
              mine[author].push_back(object.seq);
              if (object.data != ObjectBytes(author, object.seq)) {
                std::lock_guard lock(mutex);
                failures.push_back("wrong bytes");
              }
              cursor[author] = object.seq;
            }
          }
        }
        done = last_sweep;
      }
    });
  }

  std::vector<std::thread> pushers;
  // Authors 0..kAuthors-2 each from one thread, alternating stores; the
  // last author from both stores at once (a device reconnecting through
  // another hub process while its first push is still in flight).
  for (int a = 0; a < kAuthors - 1; ++a) {
    pushers.emplace_back([&, a] {
      PushAll(*stores[a % 2], AuthorId(a), a + 1, &failures, &mutex);
    });
  }
  for (int s = 0; s < 2; ++s) {
    pushers.emplace_back([&, s] {
      PushAll(*stores[s], AuthorId(kAuthors - 1), 100 + s, &failures, &mutex);
    });
  }
  for (std::thread& t : pushers) t.join();
  pushing = false;
  for (std::thread& t : readers) t.join();

  EXPECT_TRUE(failures.empty()) << ::testing::PrintToString(failures);
  for (int r = 0; r < kReaders; ++r) {
    for (int a = 0; a < kAuthors; ++a) {
      const std::vector<std::uint64_t>& got = seen[r][AuthorId(a)];
      ASSERT_EQ(got.size(), kObjects) << "reader " << r << " author " << a;
      for (std::uint64_t i = 0; i < kObjects; ++i) {
        ASSERT_EQ(got[i], i + 1)
            << "reader " << r << " author " << a << " skipped or repeated";
      }
    }
  }
  for (Store* store : stores) {
    Result<std::vector<HeadRow>> heads = store->ListHeads(kSpace);
    ASSERT_STORE_OK(heads);
    ASSERT_EQ(heads->size(), static_cast<std::size_t>(kAuthors));
    for (const HeadRow& head : *heads) {
      EXPECT_EQ(head.log_seq, kObjects);
      EXPECT_EQ(head.head, ToBytes("head-" + std::to_string(kObjects)));
    }
  }
}

}  // namespace
}  // namespace coven::hub::store::testing
