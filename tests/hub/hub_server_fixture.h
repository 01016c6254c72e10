// HubServerTest: coven-hub in process on 127.0.0.1 over a SQLite store in
// a scratch folder, with small push limits (2 slots, a line of 2, 1 MiB a
// push, a 768 KiB buffer) so the limits are reached with a few pushes.
#ifndef COVEN_TESTS_HUB_HUB_SERVER_FIXTURE_H_
#define COVEN_TESTS_HUB_HUB_SERVER_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "coven/hub/v1/hub.grpc.pb.h"
#include "hub/server/hub_server.h"
#include "hub_test_util.h"
#include "wire_client.h"

namespace coven::hub::testing {

class HubServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::EnsureSodium().ok());
    auto store = store::OpenSqliteStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = WrapStore(*store);
    server::HubServerOptions options;
    options.listen = "127.0.0.1:0";
    options.plaintext = true;
    options.core.log = [](const std::string&) {};
    options.core.max_push_bytes = 1 << 20;
    options.max_buffered_push_bytes = 768 << 10;  // Below one push's limit.
    options.max_concurrent_pushes = 2;
    options.max_waiting_pushes = 2;
    Configure(options);
    auto server = server::HubServer::Start(store_, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    client_ = std::make_unique<WireClient>(server_->port());
  }

  // A test fixture's changes to the options above.
  virtual void Configure(server::HubServerOptions&) {}
  // A test fixture's wrapper around the store the hub serves.
  virtual store::StoreRef WrapStore(store::StoreRef store) { return store; }

  void TearDown() override {
    if (server_) server_->Shutdown();
    server_.reset();
  }

  static std::unique_ptr<grpc::ClientContext> Context(const std::string& t) {
    return WireClient::Context(t);
  }
  std::string Register(const std::string& space, const std::string& name) {
    return client_->MustRegister(space, name);
  }
  grpc::Status Push(const std::string& token, const WireClient::Objects& o,
                    const std::string& head_path = "",
                    const std::string& head = "") {
    return client_->Push(token, o, head_path, head);
  }
  // Founds `space` with `chain`, and waits until the hub's streams have
  // heard of it (hints leave from a thread of their own): a stream opened
  // afterwards starts from it.
  std::string Found(const std::string& space, const Chain& chain) {
    std::string token = client_->Found(space, chain);
    store_->FlushAnnounced();
    return token;
  }
  static std::string LogPathOf(const std::string& device, std::uint64_t seq) {
    return WireClient::LogPath(device, seq);
  }
  pb::Hub::Stub* stub() { return &client_->stub(); }

  TempDir dir_;
  store::StoreRef store_;
  std::unique_ptr<server::HubServer> server_;
  std::unique_ptr<WireClient> client_;
};

}  // namespace coven::hub::testing

#endif  // COVEN_TESTS_HUB_HUB_SERVER_FIXTURE_H_
