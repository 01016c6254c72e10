// Several hub processes over one PostgreSQL serve one library: concurrent
// pushes through both, retries crossing processes, readers paging through
// either, live hints across processes (NOTIFY), and a kill -9 of
// PostgreSQL under load.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "hub/server/hub_server.h"
#include "hub_test_util.h"
#include "postgres_server.h"
#include "wire_client.h"

namespace coven::hub::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

class HubScaleOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::EnsureSodium().ok());
    auto postgres = PostgresServer::Shared();
    ASSERT_TRUE(postgres.ok()) << postgres.status().ToString();
    postgres_ = *postgres;
    auto database = postgres_->CreateDatabase();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    url_ = *database;
    for (int i = 0; i < 2; ++i) StartHub();
  }

  void StartHub() {
    auto store = store::OpenPostgresStore(url_, 4);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    server::HubServerOptions options;
    options.listen = "127.0.0.1:0";
    options.plaintext = true;
    options.core.log = [](const std::string&) {};
    auto server = server::HubServer::Start(*store, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    clients_.push_back(std::make_unique<WireClient>((*server)->port()));
    hubs_.push_back(std::move(*server));
  }

  WireClient& hub(std::size_t i) { return *clients_[i % clients_.size()]; }

  PostgresServer* postgres_ = nullptr;
  std::string url_;
  std::vector<std::unique_ptr<server::HubServer>> hubs_;
  std::vector<std::unique_ptr<WireClient>> clients_;
};

TEST_F(HubScaleOutTest, AHintCrossesHubProcesses) {
  Chain chain;
  chain.Genesis().AddDevice("alice", "alice", "alice.d2");
  const std::string d1 = hub(0).Found("todos", chain);
  const std::string d2 = hub(1).MustRegister("todos", "alice.d2");
  auto context = WireClient::Context(d2, 30);
  auto reader = hub(1).stub().Subscribe(context.get(), v1::SubscribeRequest());
  v1::Hint hint;
  ASSERT_TRUE(reader->Read(&hint));
  std::vector<double> latencies;
  for (std::uint64_t seq = 1; seq <= 10; ++seq) {
    const auto start = SteadyClock::now();
    ASSERT_TRUE(
        hub(0).Push(d1, {{WireClient::LogPath("alice.d1", seq), "x"}}).ok());
    ASSERT_TRUE(reader->Read(&hint));
    latencies.push_back(
        std::chrono::duration<double, std::milli>(SteadyClock::now() - start)
            .count());
    ASSERT_GE(hint.heads_size(), 1);
    EXPECT_EQ(hint.heads(hint.heads_size() - 1).log_seq(), seq);
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("push on hub 1 -> hint on hub 2: p50 %.1f ms, max %.1f ms\n",
              latencies[5], latencies.back());
  EXPECT_LT(latencies[5], 500.0);
  context->TryCancel();
}

// Writers push batches through alternating hubs and retry some through the
// other one; readers page every author through either hub while the writers
// run. No reader may skip or duplicate an object: each author's log becomes
// visible in seq order whatever order the transactions commit in.
// A removal stored through one hub process closes the removed device's
// stream on another (each process re-reads the member log on the store's
// hint) and refuses its token there.
TEST_F(HubScaleOutTest, ARemovalThroughOneHubClosesTheStreamOnAnother) {
  Chain chain;
  chain.Genesis().AddDevice("alice", "alice", "alice.d2");
  const std::string d1 = hub(0).Found("todos", chain);
  const std::string d2 = hub(1).MustRegister("todos", "alice.d2");
  auto context = WireClient::Context(d2, 30);
  auto reader = hub(1).stub().Subscribe(context.get(), v1::SubscribeRequest());
  v1::Hint hint;
  ASSERT_TRUE(reader->Read(&hint));
  chain.RemoveDevice("alice.d1", "alice", "alice.d2", 2);
  ASSERT_TRUE(hub(0)
                  .Push(d1, {{members::MemberEntryPath(3), Str(chain.slot(3))}})
                  .ok());
  const auto start = SteadyClock::now();
  while (reader->Read(&hint)) {
  }
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(
      hub(1).Push(d2, {{WireClient::LogPath("alice.d2", 1), "x"}}).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(HubScaleOutTest, ConcurrentPushesThroughTwoHubsNoReaderSkips) {
  constexpr int kAuthors = 6;
  constexpr std::uint64_t kObjects = 120;
  Chain chain;
  chain.Genesis();
  for (int a = 2; a <= kAuthors; ++a) {
    chain.AddDevice("alice", "alice", "alice.d" + std::to_string(a));
  }
  hub(0).Found("todos", chain);
  std::vector<std::string> tokens;
  for (int a = 1; a <= kAuthors; ++a) {
    tokens.push_back(
        hub(a).MustRegister("todos", "alice.d" + std::to_string(a)));
  }
  std::atomic<int> writers_left{kAuthors};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int a = 1; a <= kAuthors; ++a) {
    threads.emplace_back([&, a] {
      const std::string name = "alice.d" + std::to_string(a);
      std::uint64_t seq = 0;
      int turn = a;
      while (seq < kObjects) {
        const std::uint64_t n =
            std::min<std::uint64_t>(1 + turn % 5, kObjects - seq);
        WireClient::Objects batch;
        for (std::uint64_t i = 1; i <= n; ++i) {
          batch.push_back({WireClient::LogPath(name, seq + i),
                           name + "#" + std::to_string(seq + i)});
        }
        v1::PushReply reply;
        grpc::Status status = hub(turn).Push(
            tokens[a - 1], batch, WireClient::HeadPath(name), "head", &reply);
        if (!status.ok()) {
          ++failures;
          ADD_FAILURE() << name << ": " << status.error_message();
          break;
        }
        if (turn % 3 == 0) {
          // The reply was "lost": the retry goes through the other hub.
          status = hub(turn + 1).Push(
              tokens[a - 1], batch, WireClient::HeadPath(name), "head", &reply);
          EXPECT_TRUE(status.ok()) << status.error_message();
          EXPECT_EQ(reply.stored(), 0u);
          EXPECT_EQ(reply.already_had(), n);
        }
        seq += n;
        ++turn;
      }
      --writers_left;
    });
  }
  std::vector<std::map<std::uint64_t, std::uint64_t>> seen(3);
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&, r] {
      const std::string& token = tokens[r];
      std::map<std::uint64_t, std::uint64_t>& cursors = seen[r];
      int turn = r;
      for (;;) {
        const bool last_pass = writers_left.load() == 0;
        for (int a = 1; a <= kAuthors; ++a) {
          const std::string name = "alice.d" + std::to_string(a);
          std::uint64_t& cursor = cursors[WireClient::DeviceId(name)];
          std::vector<v1::PulledObject> objects;
          grpc::Status status = hub(turn++).Pull(
              token, WireClient::DeviceId(name), cursor, &objects, 50);
          ASSERT_TRUE(status.ok()) << status.error_message();
          for (const v1::PulledObject& object : objects) {
            ASSERT_EQ(object.seq(), cursor + 1)
                << "reader " << r << " skipped in " << name;
            ASSERT_EQ(object.data(), name + "#" + std::to_string(object.seq()));
            cursor = object.seq();
          }
        }
        if (last_pass) break;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int r = 0; r < 3; ++r) {
    for (int a = 1; a <= kAuthors; ++a) {
      EXPECT_EQ(seen[r][WireClient::DeviceId("alice.d" + std::to_string(a))],
                kObjects)
          << "reader " << r << " author " << a;
    }
  }
}

// The same batch pushed through both hubs at once: one stores it, the other
// finds it stored; the log holds each object once.
TEST_F(HubScaleOutTest, OneAuthorThroughBothHubsAtOnceIsStoredOnce) {
  Chain chain;
  chain.Genesis();
  const std::string token = hub(0).Found("todos", chain);
  for (std::uint64_t round = 0; round < 20; ++round) {
    WireClient::Objects batch;
    for (std::uint64_t i = 1; i <= 3; ++i) {
      batch.push_back({WireClient::LogPath("alice.d1", round * 3 + i),
                       std::to_string(round * 3 + i)});
    }
    v1::PushReply replies[2];
    grpc::Status statuses[2];
    std::thread other(
        [&] { statuses[1] = hub(1).Push(token, batch, "", "", &replies[1]); });
    statuses[0] = hub(0).Push(token, batch, "", "", &replies[0]);
    other.join();
    ASSERT_TRUE(statuses[0].ok()) << statuses[0].error_message();
    ASSERT_TRUE(statuses[1].ok()) << statuses[1].error_message();
    EXPECT_EQ(replies[0].stored() + replies[1].stored(), 3u);
    EXPECT_EQ(replies[0].already_had() + replies[1].already_had(), 3u);
  }
  std::vector<v1::PulledObject> objects;
  ASSERT_TRUE(
      hub(1).Pull(token, WireClient::DeviceId("alice.d1"), 0, &objects).ok());
  ASSERT_EQ(objects.size(), 60u);
  for (std::size_t i = 0; i < objects.size(); ++i) {
    EXPECT_EQ(objects[i].seq(), i + 1);
  }
}

// kill -9 of PostgreSQL while devices push: pushes fail with UNAVAILABLE
// (never a false acknowledgement), the hubs reconnect by themselves once
// it is back, and every acknowledged object is there once.
TEST_F(HubScaleOutTest, PostgresKilledUnderLoadLosesNoAcknowledgedObject) {
  Chain chain;
  chain.Genesis().AddDevice("alice", "alice", "alice.d2");
  const std::string d1 = hub(0).Found("todos", chain);
  const std::string d2 = hub(1).MustRegister("todos", "alice.d2");
  std::atomic<bool> stop{false};
  std::map<std::string, std::uint64_t> acked;
  std::map<std::string, std::map<int, int>> codes;
  for (const char* name : {"alice.d1", "alice.d2"}) {
    acked[name] = 0;
    codes[name][0] = 0;  // both maps are only read and updated in place below
  }
  std::mutex codes_mutex;
  std::vector<std::thread> writers;
  for (const auto& [name, token, index] :
       {std::tuple{std::string("alice.d1"), d1, 0},
        std::tuple{std::string("alice.d2"), d2, 1}}) {
    writers.emplace_back([&, name = name, token = token, index = index] {
      std::uint64_t seq = 0;
      while (!stop.load()) {
        grpc::Status status = hub(index).Push(
            token,
            {{WireClient::LogPath(name, seq + 1), std::to_string(seq + 1)}});
        {
          std::lock_guard<std::mutex> lock(codes_mutex);
          ++codes[name][status.error_code()];
        }
        if (status.ok()) {
          ++seq;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
      std::lock_guard<std::mutex> lock(codes_mutex);
      acked[name] = seq;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  postgres_->Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  ASSERT_TRUE(postgres_->Restart().ok());
  // Writers resume by themselves once the hubs reconnect.
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  std::map<std::string, int> ok_before;
  {
    std::lock_guard<std::mutex> lock(codes_mutex);
    for (auto& [name, by_code] : codes) ok_before[name] = by_code[0];
  }
  while (SteadyClock::now() < deadline) {
    bool all = true;
    {
      std::lock_guard<std::mutex> lock(codes_mutex);
      for (auto& [name, by_code] : codes) {
        all = all && by_code[0] > ok_before[name] + 5;
      }
    }
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  for (std::thread& t : writers) t.join();
  for (const auto& [name, by_code] : codes) {
    EXPECT_GT(by_code.at(0), ok_before[name] + 5) << name << " never resumed";
    for (const auto& [code, count] : by_code) {
      EXPECT_TRUE(code == 0 || code == grpc::StatusCode::UNAVAILABLE ||
                  code == grpc::StatusCode::ALREADY_EXISTS ||
                  code == grpc::StatusCode::DEADLINE_EXCEEDED)
          << name << ": " << count << " x code " << code;
    }
  }
  for (const auto& [name, seq] : acked) {
    std::vector<v1::PulledObject> objects;
    ASSERT_TRUE(
        hub(0).PullAll(d1, WireClient::DeviceId(name), 0, &objects).ok());
    ASSERT_GE(objects.size(), seq) << name << ": acknowledged objects lost";
    for (std::size_t i = 0; i < objects.size(); ++i) {
      EXPECT_EQ(objects[i].seq(), i + 1);
      EXPECT_EQ(objects[i].data(), std::to_string(i + 1));
    }
  }
}

}  // namespace
}  // namespace coven::hub::testing
