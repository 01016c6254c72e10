// coven-hub's listen addresses: HOST:PORT or refused before anything binds,
// and a port another hub serves is refused, not shared.
#include "hub/server/listen_address.h"

#include <gtest/gtest.h>

#include "hub_server_fixture.h"

namespace coven::hub::testing {
namespace {

TEST(ListenAddressTest, TakesHostAndPort) {
  for (const char* address : {"0.0.0.0:50051", "127.0.0.1:0", "localhost:65535",
                              "[::1]:50051", "[::]:0", "hub.example.com:443"}) {
    EXPECT_TRUE(server::CheckListenAddress("--listen", address).ok())
        << address;
  }
}

TEST(ListenAddressTest, RefusesWhatGrpcWouldMisread) {
  for (const char* address :
       {"127.0.0.1", "127.0.0.1:99999", "127.0.0.1:", ":50051", "::1:50051",
        "[::1:50051", "127.0.0.1:50x51", "127.0.0.1:-1", "127.0.0.1:0050051",
        "host name:1"}) {
    const Status status = server::CheckListenAddress("--listen", address);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << address;
    EXPECT_NE(status.message().find("--listen " + std::string(address)),
              std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find("HOST:PORT"), std::string::npos);
  }
}

TEST_F(HubServerTest, AListenAddressWithoutAPortIsRefused) {
  server::HubServerOptions options;
  options.listen = "127.0.0.1";
  options.plaintext = true;
  auto second = server::HubServer::Start(store_, options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kInvalidArgument);
  options.listen = "127.0.0.1:0";
  options.metrics_listen = "127.0.0.1";
  second = server::HubServer::Start(store_, options);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("--metrics-listen"),
            std::string::npos)
      << second.status().ToString();
}

// gRPC binds with SO_REUSEPORT unless told not to: a second hub on the
// same port once started, and the devices' calls were spread over two
// stores.
TEST_F(HubServerTest, ASecondHubOnTheSamePortDoesNotStart) {
  TempDir other_dir;
  auto other_store = store::OpenSqliteStore(other_dir.path());
  ASSERT_TRUE(other_store.ok()) << other_store.status().ToString();
  server::HubServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(server_->port());
  options.plaintext = true;
  options.core.log = [](const std::string&) {};
  auto second = server::HubServer::Start(*other_store, options);
  ASSERT_FALSE(second.ok()) << "a second hub serves port " << server_->port();
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable)
      << second.status().ToString();
}

}  // namespace
}  // namespace coven::hub::testing
