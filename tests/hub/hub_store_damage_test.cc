// hub.db damaged while the hub runs (pages overwritten with garbage): the
// store fails every call that reads them with one error that devices can
// act on (kUnavailable, no path, no SQLite words), and the hub logs one
// event=store_damaged for its operator.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "hub/hub_server.h"
#include "hub/store/sqlite_damage_guard.h"
#include "hub_test_util.h"
#include "util/child_process.h"
#include "wire_client.h"

namespace coven::hub::testing {
namespace {

// Moves everything into hub.db (a checkpoint that empties the WAL: every
// connection of the running store reads the file again from then on), then
// overwrites every page after the first (the schema) with garbage.
void OverwriteHubDbPages(const std::string& dir) {
  const std::string path = dir + "/hub.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  int busy = 1;
  for (int attempt = 0; attempt < 50 && busy != 0; ++attempt) {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA wal_checkpoint(TRUNCATE)", -1,
                                 &stmt, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW) << sqlite3_errmsg(db);
    busy = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    if (busy != 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sqlite3_close(db);
  ASSERT_EQ(busy, 0) << "the checkpoint never got the WAL to itself";

  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(file.good());
  unsigned char header[18] = {};
  file.read(reinterpret_cast<char*>(header), sizeof header);
  std::size_t page = static_cast<std::size_t>(header[16]) << 8 | header[17];
  if (page == 1) page = 65536;
  file.seekg(0, std::ios::end);
  const std::size_t size = static_cast<std::size_t>(file.tellg());
  ASSERT_GT(size, 2 * page) << "hub.db holds too few pages to damage";
  const std::string garbage(size - page, '\xA5');
  file.seekp(static_cast<std::streamoff>(page));
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  file.flush();
  ASSERT_TRUE(file.good());
}

void ExpectToldTheStoreIsDamaged(const grpc::Status& status,
                                 const std::string& dir, const char* call) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << call << ": " << status.error_code() << " " << status.error_message();
  const std::string& message = status.error_message();
  EXPECT_NE(message.find("hub's store is damaged"), std::string::npos)
      << call << ": " << message;
  EXPECT_NE(message.find("restore its store from a backup"), std::string::npos)
      << call << ": " << message;
  // Nothing of the hub's files or SQLite's words reaches devices.
  EXPECT_EQ(message.find(dir), std::string::npos) << call << ": " << message;
  EXPECT_EQ(message.find("hub.db"), std::string::npos)
      << call << ": " << message;
  EXPECT_EQ(message.find("malformed"), std::string::npos)
      << call << ": " << message;
  EXPECT_EQ(message.find("sqlite"), std::string::npos)
      << call << ": " << message;
}

std::size_t CountOf(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + what.size())) {
    ++count;
  }
  return count;
}

TEST(HubStoreDamageTest, DevicesAreToldToRestoreAndTheHubLogsItOnce) {
  ASSERT_TRUE(crypto::EnsureSodium().ok());
  TempDir data;
  auto hub = coven::testing::StartHubProcess(data.path(), 0);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  WireClient client((*hub)->port());
  Chain chain;
  chain.Genesis();
  const std::string token = client.Found("todos", chain);
  ASSERT_TRUE(client
                  .Push(token, {{WireClient::LogPath("alice.d1", 1), "one"}},
                        WireClient::HeadPath("alice.d1"), "head 1")
                  .ok());

  OverwriteHubDbPages(data.path());

  v1::ProbeRequest probe;
  probe.set_space("todos");
  v1::ProbeReply probed;
  ExpectToldTheStoreIsDamaged(
      client.stub().Probe(WireClient::Context("").get(), probe, &probed),
      data.path(), "Probe");
  std::string again;
  ExpectToldTheStoreIsDamaged(client.Register("todos", "alice.d2", &again),
                              data.path(), "Register");
  ExpectToldTheStoreIsDamaged(
      client.Push(token, {{WireClient::LogPath("alice.d1", 2), "two"}},
                  WireClient::HeadPath("alice.d1"), "head 2"),
      data.path(), "Push");

  // The operator's event, once, with SQLite's error, the file and advice.
  std::string out;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    out = (*hub)->output_tail();
    if (out.find("event=store_damaged") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(CountOf(out, "event=store_damaged"), 1u) << out;
  const std::size_t at = out.find("event=store_damaged");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string line = out.substr(at, out.find('\n', at) - at);
  EXPECT_NE(line.find(data.path() + "/hub.db"), std::string::npos) << line;
  EXPECT_NE(line.find("sqlite code"), std::string::npos) << line;
  EXPECT_NE(line.find("restore hub.db from a backup"), std::string::npos)
      << line;
}

// The same on the store alone: kUnavailable for every call, one report.
TEST(HubStoreDamageTest, TheSqliteStoreReportsDamageOnce) {
  ASSERT_TRUE(crypto::EnsureSodium().ok());
  TempDir data;
  Result<store::StoreRef> opened = store::OpenSqliteStore(data.path());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store::StoreRef store = *opened;
  std::vector<std::string> reports;
  store->OnDamaged(
      [&reports](const std::string& detail) { reports.push_back(detail); });
  server::Key32 founder{};
  founder.fill(1);
  for (int i = 0; i < 40; ++i) {
    const std::string space = "s" + std::to_string(i);
    ASSERT_TRUE(store->CreateSpace(space, founder).ok());
    ASSERT_TRUE(store
                    ->PutObject(space, "keys/a",
                                AsBytes(std::string(2000, 'k')), founder)
                    .ok());
  }
  OverwriteHubDbPages(data.path());

  for (int i = 0; i < 3; ++i) {
    Result<store::Space> space = store->GetSpace("s" + std::to_string(i));
    EXPECT_EQ(space.status().code(), StatusCode::kUnavailable)
        << space.status().ToString();
    EXPECT_EQ(space.status().message(), store::StoreDamagedError().message());
  }
  EXPECT_EQ(store->PutObject("s1", "keys/b", AsBytes("b"), founder).code(),
            StatusCode::kUnavailable);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].find("sqlite code"), std::string::npos) << reports[0];
  EXPECT_NE(reports[0].find("restore hub.db from a backup"), std::string::npos)
      << reports[0];
  store->OnDamaged(nullptr);
}

}  // namespace
}  // namespace coven::hub::testing
