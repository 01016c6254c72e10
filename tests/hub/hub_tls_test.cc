// coven-hub over TLS: a client that trusts the hub's CA gets through; a
// plaintext client and a client that does not trust the CA are refused
// (claw-sync scenario 19). Certificates are made with the openssl program.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "hub/server/hub_server.h"
#include "hub_test_util.h"
#include "wire_client.h"

namespace coven::hub::testing {
namespace {

std::string ReadPemFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class HubTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::EnsureSodium().ok());
    const std::string d = certs_.path();
    // A CA, and a server certificate for 127.0.0.1 signed by it.
    const std::string script =
        "cd '" + d +
        "' && "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
        "-nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=coven-test-ca "
        ">/dev/null 2>&1 && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout hub.key -out hub.csr -subj /CN=127.0.0.1 >/dev/null 2>&1 && "
        "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
        "openssl x509 -req -in hub.csr -CA ca.crt -CAkey ca.key "
        "-CAcreateserial -out hub.crt -days 2 -extfile san.ext "
        ">/dev/null 2>&1";
    ASSERT_EQ(std::system(script.c_str()), 0)
        << "openssl failed (scripts/install-deps.sh installs it)";
    auto store = store::OpenSqliteStore(data_.path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    server::HubServerOptions options;
    options.listen = "127.0.0.1:0";
    options.tls_cert = d + "/hub.crt";
    options.tls_key = d + "/hub.key";
    options.core.log = [](const std::string&) {};
    auto server = server::HubServer::Start(*store, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  grpc::Status Probe(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    WireClient client(server_->port(), credentials);
    v1::ProbeRequest request;
    request.set_space("todos");
    v1::ProbeReply reply;
    auto context = WireClient::Context("", 5);
    return client.stub().Probe(context.get(), request, &reply);
  }

  TempDir certs_;
  TempDir data_;
  std::unique_ptr<server::HubServer> server_;
};

TEST_F(HubTlsTest, AClientTrustingTheCaConnects) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadPemFile(certs_.path() + "/ca.crt");
  grpc::Status status = Probe(grpc::SslCredentials(ssl));
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(HubTlsTest, PlaintextClientIsRefused) {
  grpc::Status status = Probe(grpc::InsecureChannelCredentials());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(HubTlsTest, AClientThatDoesNotTrustTheCaIsRefused) {
  TempDir other;
  ASSERT_EQ(std::system(("cd '" + other.path() +
                         "' && openssl req -x509 -newkey ec -pkeyopt "
                         "ec_paramgen_curve:P-256 -nodes -keyout x.key -out "
                         "x.crt -days 2 -subj /CN=other >/dev/null 2>&1")
                            .c_str()),
            0);
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadPemFile(other.path() + "/x.crt");
  grpc::Status status = Probe(grpc::SslCredentials(ssl));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST(HubTlsOptionsTest, HalfATlsConfigurationIsRefused) {
  TempDir data;
  auto store = store::OpenSqliteStore(data.path());
  ASSERT_TRUE(store.ok());
  server::HubServerOptions options;
  options.listen = "127.0.0.1:0";
  options.tls_cert = "/nonexistent/hub.crt";
  auto server = server::HubServer::Start(*store, options);
  EXPECT_EQ(server.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(server.status().message().find("--tls-key"), std::string::npos);
}

}  // namespace
}  // namespace coven::hub::testing
