// Network homes under failure, end to end through sync: a loopback proxy in
// front of the real server answers 500s or stalls, credentials are wrong, the
// bucket is missing, nothing listens. Each failure must come back as an error
// naming the provider, the operation and the path, never containing a
// credential; nothing is lost, and sync resumes once the server recovers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "coven/s3_home.h"
#include "coven/webdav_home.h"
#include "fake_http_server.h"
#include "test_device.h"
#include "test_servers.h"

namespace coven::testing {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kSecret[] = "top-secret-credential-4711";

enum class Mode { kPass, kFail500, kStall };

// A proxy to `upstream` whose behaviour the test switches.
class SwitchableProxy {
 public:
  explicit SwitchableProxy(std::string upstream)
      : upstream_(std::move(upstream)),
        server_(
            [this](const FakeRequest& request) { return Handle(request); }) {}
  void set_mode(Mode mode) { mode_ = mode; }
  std::string endpoint() const { return server_.endpoint(); }
  int served_500s() const { return served_500s_; }

 private:
  FakeResponse Handle(const FakeRequest& request) {
    switch (mode_.load()) {
      case Mode::kFail500: {
        ++served_500s_;
        FakeResponse response;
        response.status = 500;
        response.body = ToBytes("<Error><Code>InternalError</Code></Error>");
        return response;
      }
      case Mode::kStall:
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        [[fallthrough]];
      case Mode::kPass:
        break;
    }
    return FakeHttpServer::Forward(upstream_, request);
  }

  std::string upstream_;
  std::atomic<Mode> mode_{Mode::kPass};
  std::atomic<int> served_500s_{0};
  FakeHttpServer server_;
};

home::NetworkOptions FastFailing() {
  home::NetworkOptions network;
  network.max_attempts = 2;
  network.retry_base_ms = 5;
  network.retry_cap_ms = 20;
  network.request_timeout_ms = 400;
  network.connect_timeout_ms = 400;
  return network;
}

home::HomeRef S3Through(const std::string& endpoint, const std::string& bucket,
                        const std::string& access_key) {
  home::S3HomeOptions options;
  options.endpoint = endpoint;
  options.bucket = bucket;
  options.prefix = "faults/" + UniqueName("s3");
  options.credentials = {access_key, kSecret, kSecret};
  options.create_mode = home::S3HomeOptions::CreateMode::kEmulated;
  options.server_sorted_list = false;
  options.network = FastFailing();
  auto home = home::S3Home::Open(options);
  EXPECT_TRUE(home.ok()) << home.status().ToString();
  return home.ok() ? home::HomeRef(*home) : nullptr;
}

home::HomeRef WebDavThrough(const std::string& endpoint,
                            const std::string& password) {
  home::WebDavHomeOptions options;
  options.url = endpoint + "/" + UniqueName("faults");
  options.user = kWebDavUser;
  options.password = password;
  options.create_mode = home::WebDavHomeOptions::CreateMode::kEmulated;
  options.network = FastFailing();
  auto home = home::WebDavHome::Open(options);
  EXPECT_TRUE(home.ok()) << home.status().ToString();
  return home.ok() ? home::HomeRef(*home) : nullptr;
}

// Checks a failed round's status: code, provider, an operation with a quoted
// path, and no credential.
void ExpectNamedError(const Status& status, const std::string& provider) {
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(provider)) << status.ToString();
  EXPECT_THAT(status.message(),
              MatchesRegex(".*(create|replace|get|get range|list|delete) "
                           "\"[a-z0-9/._-]*\".*"))
      << status.ToString();
  EXPECT_THAT(status.message(), Not(HasSubstr(kSecret)));
  EXPECT_THAT(status.message(), Not(HasSubstr(kWebDavPassword)));
}

struct Pair {
  std::shared_ptr<ManualClock> clock =
      std::make_shared<ManualClock>(1'700'000'000'000);
  std::unique_ptr<TestDevice> a, b;
};

Pair MakePair(home::HomeRef home) {
  Pair pair;
  const TestLibrary library = MakeLibrary(21);
  pair.a = TestDevice::Create(library, home, 1, pair.clock);
  pair.b = TestDevice::Create(library, home, 2, pair.clock);
  return pair;
}

void OutageThenRecovery(SwitchableProxy& proxy, home::HomeRef home,
                        const std::string& provider, Mode outage,
                        StatusCode expected_code) {
  ASSERT_NE(home, nullptr);
  Pair pair = MakePair(home);
  ASSERT_TRUE(pair.a && pair.b);
  pair.a->Exec("INSERT INTO todos VALUES('t1', 'before', 0, coven_hlc())");
  pair.a->Sync();
  pair.b->Sync();
  pair.a->Exec(
      "INSERT INTO todos VALUES('t2', 'during outage', 0, "
      "coven_hlc())");
  proxy.set_mode(outage);
  auto failed = pair.a->manager().sync_now();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), expected_code)
      << failed.status().ToString();
  ExpectNamedError(failed.status(), provider);
  auto failed_b = pair.b->manager().sync_now();
  ASSERT_FALSE(failed_b.ok());
  ExpectNamedError(failed_b.status(), provider);
  proxy.set_mode(Mode::kPass);
  // Recovery: the write made during the outage reaches the other device.
  pair.a->Sync();
  pair.b->Sync();
  EXPECT_EQ(pair.b->Dump("todos", false),
            (std::vector<std::string>{"t1|before|0", "t2|during outage|0"}));
}

TEST(CloudFaultsTest, S3ServerErrorsThenRecovery) {
  TestServer* server = SharedS3rver();
  ASSERT_NE(server, nullptr);
  SwitchableProxy proxy(server->endpoint());
  OutageThenRecovery(proxy, S3Through(proxy.endpoint(), "home", "S3RVER"),
                     "s3 home", Mode::kFail500, StatusCode::kUnavailable);
  EXPECT_GT(proxy.served_500s(), 0);
}

TEST(CloudFaultsTest, WebDavServerErrorsThenRecovery) {
  TestServer* server = SharedWebDav();
  ASSERT_NE(server, nullptr);
  SwitchableProxy proxy(server->endpoint());
  OutageThenRecovery(proxy, WebDavThrough(proxy.endpoint(), kWebDavPassword),
                     "webdav home", Mode::kFail500, StatusCode::kUnavailable);
}

TEST(CloudFaultsTest, S3SlowServerTimesOutThenRecovery) {
  TestServer* server = SharedS3rver();
  ASSERT_NE(server, nullptr);
  SwitchableProxy proxy(server->endpoint());
  OutageThenRecovery(proxy, S3Through(proxy.endpoint(), "home", "S3RVER"),
                     "s3 home", Mode::kStall, StatusCode::kDeadlineExceeded);
}

TEST(CloudFaultsTest, WebDavSlowServerTimesOutThenRecovery) {
  TestServer* server = SharedWebDav();
  ASSERT_NE(server, nullptr);
  SwitchableProxy proxy(server->endpoint());
  OutageThenRecovery(proxy, WebDavThrough(proxy.endpoint(), kWebDavPassword),
                     "webdav home", Mode::kStall,
                     StatusCode::kDeadlineExceeded);
}

// Configuration errors fail fast with what to fix, and never show secrets.
TEST(CloudFaultsTest, ConfigurationErrorsAreClearAndSecretFree) {
  TestServer* s3 = SharedS3rver();
  TestServer* dav = SharedWebDav();
  ASSERT_TRUE(s3 && dav);
  struct Case {
    std::string name;
    home::HomeRef home;
    StatusCode code;
    std::string hint;
  };
  std::vector<Case> cases = {
      {"s3 wrong access key", S3Through(s3->endpoint(), "home", "WRONGKEY"),
       StatusCode::kPermissionDenied, "AWS_ACCESS_KEY_ID"},
      {"s3 missing bucket", S3Through(s3->endpoint(), "nobucket", "S3RVER"),
       StatusCode::kFailedPrecondition, "nobucket"},
      {"s3 unreachable", S3Through("http://127.0.0.1:9", "home", "S3RVER"),
       StatusCode::kUnavailable, "127.0.0.1:9"},
      {"webdav wrong password", WebDavThrough(dav->endpoint(), kSecret),
       StatusCode::kUnauthenticated, "COVEN_WEBDAV_PASSWORD"},
      {"webdav unreachable", WebDavThrough("http://127.0.0.1:9", kSecret),
       StatusCode::kUnavailable, "127.0.0.1:9"},
  };
  for (Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_NE(c.home, nullptr);
    Pair pair = MakePair(c.home);
    ASSERT_TRUE(pair.a);
    pair.a->Exec("INSERT INTO todos VALUES('t1', 'x', 0, coven_hlc())");
    auto round = pair.a->manager().sync_now();
    ASSERT_FALSE(round.ok());
    EXPECT_EQ(round.status().code(), c.code) << round.status().ToString();
    EXPECT_THAT(round.status().message(), HasSubstr(c.hint));
    ExpectNamedError(round.status(),
                     c.name.substr(0, c.name.find(' ')) + " home");
    EXPECT_THAT(c.home->Describe(), Not(HasSubstr(kSecret)));
    // The engine's recorded error and problems carry no secret either.
    const auto sync_status = pair.a->manager().status();
    EXPECT_THAT(sync_status.last_error, Not(HasSubstr(kSecret)));
    for (const std::string& problem : sync_status.problems) {
      EXPECT_THAT(problem, Not(HasSubstr(kSecret)));
    }
  }
}

}  // namespace
}  // namespace coven::testing
