#include "hub/store_test_util.h"

#include <stdlib.h>

#include <filesystem>

namespace coven::hub::store::testing {

Bytes ObjectBytes(std::uint64_t author, std::uint64_t seq, int variant,
                  std::size_t size) {
  Bytes bytes(size);
  std::uint64_t x = author * 0x9e3779b97f4a7c15ull ^ (seq << 8) ^
                    static_cast<std::uint64_t>(variant);
  for (auto& b : bytes) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::uint8_t>(x);
  }
  return bytes;
}

void TestPush::Add(std::uint64_t seq, Bytes data) {
  storage_.push_back(std::move(data));
  objects.emplace_back(seq, ByteView(storage_.back()));
}

void TestPush::SetData(std::size_t i, Bytes data) {
  storage_.push_back(std::move(data));
  objects.at(i).data = storage_.back();
}

Bytes& TestPush::MutableData(std::size_t i) {
  for (Bytes& bytes : storage_) {
    if (!bytes.empty() && bytes.data() == objects.at(i).data.data()) {
      return bytes;
    }
  }
  const ByteView old = objects.at(i).data;
  SetData(i, Bytes(old.begin(), old.end()));
  return storage_.back();
}

TestPush MakePush(std::uint64_t author, std::uint64_t first, std::uint64_t last,
                  int variant, std::optional<Bytes> head) {
  TestPush push;
  push.space = kSpace;
  push.author = author;
  for (std::uint64_t seq = first; seq <= last; ++seq) {
    push.Add(seq, ObjectBytes(author, seq, variant));
  }
  push.head = std::move(head);
  return push;
}

std::array<std::uint8_t, 32> Key32(std::uint8_t fill) {
  std::array<std::uint8_t, 32> key;
  key.fill(fill);
  return key;
}

std::vector<std::uint64_t> SeqsOf(const std::vector<StoredObject>& objects) {
  std::vector<std::uint64_t> seqs;
  for (const StoredObject& object : objects) seqs.push_back(object.seq);
  return seqs;
}

Result<HeadRow> HeadOf(Store& store, std::uint64_t author) {
  COVEN_ASSIGN_OR_RETURN(std::vector<HeadRow> heads, store.ListHeads(kSpace));
  for (HeadRow& head : heads) {
    if (head.author == author) return std::move(head);
  }
  return NotFoundError("no head");
}

std::function<void(const Change&)> ChangeLog::Watcher() {
  return [this](const Change& change) {
    {
      std::lock_guard lock(mutex_);
      changes_.push_back(change);
    }
    arrived_.notify_all();
  };
}

bool ChangeLog::WaitFor(const std::function<bool(const Change&)>& match,
                        std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] {
    for (const Change& change : changes_) {
      if (match(change)) return true;
    }
    return false;
  });
}

void HubPostgresDatabaseTest::SetUp() {
  Result<hub::testing::PostgresServer*> server =
      hub::testing::PostgresServer::Shared();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  server_ = *server;
  Result<std::string> url = server_->CreateDatabase();
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  url_ = *url;
}

void HubStoreTest::SetUp() {
  if (postgres()) {
    Result<hub::testing::PostgresServer*> server =
        hub::testing::PostgresServer::Shared();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = *server;
    Result<std::string> url = server_->CreateDatabase();
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    url_ = *url;
  } else {
    char dir[] = "/tmp/coven-hub-store-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  Result<StoreRef> store = OpenAnother();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  store_ = *store;
  ASSERT_TRUE(store_->CreateSpace(kSpace, Key32(1)).ok());
}

void HubStoreTest::TearDown() {
  store_.reset();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

Result<StoreRef> HubStoreTest::OpenAnother(std::size_t connections) {
  if (postgres()) return OpenPostgresStore(url_, connections);
  return OpenSqliteStore(dir_);
}

std::vector<StoredObject> HubStoreTest::PullAll(Store& store,
                                                std::uint64_t author) {
  std::vector<StoredObject> all;
  LogRange range;
  range.space = kSpace;
  range.author = author;
  range.max_objects = 7;
  while (true) {
    range.after_seq = all.empty() ? 0 : all.back().seq;
    Result<std::vector<StoredObject>> page = store.PullLog(range);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok() || page->empty()) break;
    for (StoredObject& object : *page) all.push_back(std::move(object));
  }
  return all;
}

INSTANTIATE_TEST_SUITE_P(HubStores, HubStoreTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite
                                      ? std::string("Sqlite")
                                      : std::string("Postgres");
                         });

}  // namespace coven::hub::store::testing
