// S3Home against a real s3rver on 127.0.0.1: the conformance suite (directly
// and behind FaultHome), server-side paging, errors, and awscli reading and
// writing the same bucket.
#include "coven/s3_home.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "coven/testing/fault_home.h"
#include "fake_http_server.h"
#include "home_conformance.h"
#include "home_test_limits.h"
#include "test_servers.h"

namespace coven::home {
namespace {

using ::coven::testing::SharedS3rver;
using ::coven::testing::UniqueName;
using ::testing::HasSubstr;
using ::testing::Not;

S3HomeOptions S3rverOptions(const std::string& prefix) {
  S3HomeOptions options;
  testing::TestServer* server = SharedS3rver();
  options.endpoint = server ? server->endpoint() : "http://127.0.0.1:1";
  options.bucket = "home";
  options.prefix = prefix;
  options.credentials = {testing::kS3rverAccessKey, testing::kS3rverSecretKey,
                         ""};
  // s3rver lists in directory-walk order (storage-providers.md §2).
  options.server_sorted_list = false;
  // s3rver writes in place: readers can see a partial object.
  options.atomic_replace = false;
  // Small parts so the conformance suite's 8 MiB object goes multipart.
  options.multipart_threshold = 6ull << 20;
  options.part_size = 5ull << 20;
  // s3rver answers a range on an empty object with a body it never sends;
  // fail that attempt quickly (the home then checks the size).
  options.network.request_timeout_ms = 2'000;
  return options;
}

HomeRef MakeFreshS3Home() {
  if (SharedS3rver() == nullptr) return nullptr;
  Result<std::shared_ptr<S3Home>> home =
      S3Home::Open(S3rverOptions("t/" + UniqueName("case")));
  if (!home.ok()) {
    ADD_FAILURE() << home.status().ToString();
    return nullptr;
  }
  return *home;
}

COVEN_HOME_CONFORMANCE(S3, MakeFreshS3Home);
COVEN_HOME_CONFORMANCE(S3BehindFaultHome, [] {
  HomeRef inner = MakeFreshS3Home();
  return inner ? HomeRef(std::make_shared<testing::FaultHome>(
                     inner, testing::FaultOptions{}))
               : nullptr;
});

std::string Hex16(std::uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx",
                static_cast<unsigned long long>(value));
  return buffer;
}

TEST(S3HomeTest, ProbeSeesThatS3rverIgnoresIfNoneMatch) {
  auto home = S3Home::Open(S3rverOptions(UniqueName("probe")));
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_EQ((*home)->capabilities().conditional_create,
            CreateSupport::kEmulated);
  // Emulated create-once still refuses an occupied path.
  ASSERT_TRUE((*home)->Create("log/a/1", AsBytes("one")).ok());
  EXPECT_EQ((*home)->Create("log/a/1", AsBytes("two")).code(),
            StatusCode::kAlreadyExists);
  // The probe object was cleaned up.
  auto all = ListAll(**home, "", kTestMaxList);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].path, "log/a/1");
}

// Server-side order and paging (start-after, max-keys) over fixed-width hex
// keys, which s3rver's directory walk returns in byte order.
TEST(S3HomeTest, ServerPagedListingOfHexKeys) {
  S3HomeOptions options = S3rverOptions(UniqueName("paged"));
  options.server_sorted_list = true;
  options.create_mode = S3HomeOptions::CreateMode::kEmulated;
  auto home = S3Home::Open(options);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  std::vector<std::string> want;
  for (int d = 0; d < 3; ++d) {
    for (int s = 0; s < 400; ++s) {
      want.push_back("log/" + Hex16(0x1234567890abcdefULL * (d + 1)) + "/" +
                     Hex16(s));
    }
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&] {
      for (std::size_t i; (i = next++) < want.size();) {
        Status s = (*home)->Replace(want[i], AsBytes(want[i]));
        EXPECT_TRUE(s.ok()) << s.ToString();
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  std::sort(want.begin(), want.end());
  EXPECT_TRUE((*home)->capabilities().server_paged_list);
  auto first = (*home)->List("log/", "", 1000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->objects.size(), 1000u);
  EXPECT_TRUE(first->truncated);
  auto all = ListAll(**home, "log/", kTestMaxList);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<std::string> got;
  for (const ObjectInfo& o : *all) got.push_back(o.path);
  EXPECT_EQ(got, want);
  auto after = ListAll(**home, "log/", kTestMaxList, want[1100]);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_EQ(after->size(), want.size() - 1101);
  EXPECT_EQ((*after)[0].path, want[1101]);
}

TEST(S3HomeTest, WrongAccessKeyIsPermissionDeniedWithoutSecrets) {
  S3HomeOptions options = S3rverOptions(UniqueName("auth"));
  options.credentials = {"AKIAWRONGKEY", "very-secret-value-123", "tok-456"};
  options.create_mode = S3HomeOptions::CreateMode::kEmulated;
  auto home = S3Home::Open(options);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  Result<Bytes> got = (*home)->Get("log/a/1", kTestMaxRead);
  EXPECT_EQ(got.status().code(), StatusCode::kPermissionDenied)
      << got.status().ToString();
  EXPECT_THAT(got.status().message(), HasSubstr("s3 home"));
  EXPECT_THAT(got.status().message(), HasSubstr("get"));
  EXPECT_THAT(got.status().message(), HasSubstr("log/a/1"));
  EXPECT_THAT(got.status().message(), HasSubstr("AWS_ACCESS_KEY_ID"));
  EXPECT_THAT(got.status().message(), Not(HasSubstr("very-secret-value")));
  EXPECT_THAT(got.status().message(), Not(HasSubstr("tok-456")));
  Status created = (*home)->Create("log/a/1", AsBytes("x"));
  EXPECT_EQ(created.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(created.message(), HasSubstr("create"));
}

TEST(S3HomeTest, MissingBucketIsFailedPrecondition) {
  S3HomeOptions options = S3rverOptions("x");
  options.bucket = "no-such-bucket";
  auto home = S3Home::Open(options);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  Result<ListPage> page = (*home)->List("log/", "", 10);
  EXPECT_EQ(page.status().code(), StatusCode::kFailedPrecondition)
      << page.status().ToString();
  EXPECT_THAT(page.status().message(), HasSubstr("no-such-bucket"));
  EXPECT_THAT(page.status().message(), HasSubstr("list"));
}

TEST(S3HomeTest, UnreachableEndpointIsUnavailableNamingTheOperation) {
  S3HomeOptions options = S3rverOptions("x");
  options.endpoint = "http://127.0.0.1:9";  // discard: nothing listens.
  options.network.max_attempts = 2;
  options.network.retry_base_ms = 1;
  options.create_mode = S3HomeOptions::CreateMode::kNative;
  auto home = S3Home::Open(options);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  Status s = (*home)->Create("log/a/1", AsBytes("x"));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("create \"log/a/1\""));
  EXPECT_THAT(s.message(), HasSubstr("127.0.0.1:9"));
}

// Runs Debian's awscli (pinned: the PATH one may be another version) against
// the shared s3rver; returns its stdout, or "" with a test failure.
std::string Aws(const std::string& args) {
  constexpr char kAws[] = "/usr/bin/aws";
  if (::access(kAws, X_OK) != 0) {
    ADD_FAILURE() << kAws << " is missing: run scripts/install-deps.sh";
    return "";
  }
  const std::string command =
      "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER "
      "AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/nonexistent "
      "AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_PAGER= " +
      std::string(kAws) + " --endpoint-url " + SharedS3rver()->endpoint() +
      " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  while (std::size_t n = fread(buffer, 1, sizeof(buffer), pipe)) {
    out.append(buffer, n);
  }
  EXPECT_EQ(::pclose(pipe), 0) << command << "\n" << out;
  return out;
}

Bytes ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

TEST(S3HomeTest, AwsCliReadsWhatCovenWroteAndBack) {
  ASSERT_NE(SharedS3rver(), nullptr);
  const std::string prefix = UniqueName("awscli");
  auto home = S3Home::Open(S3rverOptions(prefix));
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  Bytes every_byte(256);
  for (int i = 0; i < 256; ++i) every_byte[i] = static_cast<std::uint8_t>(i);
  const Bytes large((6 << 20) + 3, 0x5a);  // Above the multipart threshold.
  ASSERT_TRUE((*home)
                  ->Create("log/0123456789abcdef/0000000000000001", every_byte)
                  .ok());
  ASSERT_TRUE(
      (*home)->Create("log/0123456789abcdef/0000000000000002", large).ok());
  ASSERT_TRUE((*home)->Replace("heads/0123456789abcdef", AsBytes("head")).ok());

  // coven -> awscli: listing and bytes.
  EXPECT_EQ(Aws("s3api list-objects-v2 --bucket home --prefix " + prefix +
                "/ --query 'Contents[].[Key,Size]' --output text"),
            prefix + "/heads/0123456789abcdef\t4\n" + prefix +
                "/log/0123456789abcdef/0000000000000001\t256\n" + prefix +
                "/log/0123456789abcdef/0000000000000002\t" +
                std::to_string(large.size()) + "\n");
  testing::TempDir dir("awscli");
  Aws("s3 cp --recursive s3://home/" + prefix + "/log/0123456789abcdef/ " +
      dir.path() + "/");
  EXPECT_EQ(ReadFile(dir.path() + "/0000000000000001"), every_byte);
  EXPECT_TRUE(ReadFile(dir.path() + "/0000000000000002") == large);

  // awscli -> coven.
  std::ofstream(dir.path() + "/three", std::ios::binary)
      .write(reinterpret_cast<const char*>(every_byte.data()), 200);
  Aws("s3 cp " + dir.path() + "/three s3://home/" + prefix +
      "/log/fedcba9876543210/0000000000000001");
  Result<Bytes> got =
      (*home)->Get("log/fedcba9876543210/0000000000000001", kTestMaxRead);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, Bytes(every_byte.begin(), every_byte.begin() + 200));
  auto all = ListAll(**home, "log/", kTestMaxList);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].path, "log/fedcba9876543210/0000000000000001");
  EXPECT_EQ((*all)[2].size, 200u);
}

// Error classes (storage-providers.md §1.5) against a scripted server:
// damaged bodies are sent again, auth errors fail at once.
TEST(S3HomeTest, RetriesDamagedUploadsButNotAuthErrors) {
  std::atomic<int> puts{0};
  std::atomic<bool> deny{false};
  testing::FakeHttpServer server([&](const testing::FakeRequest& request) {
    testing::FakeResponse response;
    if (deny) {
      response.status = 403;
      response.body = ToBytes(
          "<Error><Code>SignatureDoesNotMatch</Code>"
          "<Message>no</Message></Error>");
    } else if (request.method == "PUT" && ++puts == 1) {
      response.status = 400;
      response.body = ToBytes("<Error><Code>BadDigest</Code></Error>");
    }
    return response;
  });
  S3HomeOptions options = S3rverOptions("x");
  options.endpoint = server.endpoint();
  options.create_mode = S3HomeOptions::CreateMode::kNative;
  options.network.retry_base_ms = 1;
  auto home = S3Home::Open(options);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_TRUE((*home)->Create("log/a/1", AsBytes("x")).ok());
  EXPECT_EQ(puts.load(), 2);
  deny = true;
  const std::size_t before = server.requests().size();
  Status denied = (*home)->Replace("heads/a", AsBytes("x"));
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(denied.message(), HasSubstr("SignatureDoesNotMatch"));
  EXPECT_EQ(server.requests().size(), before + 1);
}

TEST(S3HomeTest, OpenRejectsBadOptions) {
  S3HomeOptions options = S3rverOptions("x");
  options.credentials = {};
  EXPECT_EQ(S3Home::Open(options).status().code(),
            StatusCode::kUnauthenticated);
  options = S3rverOptions("Bad Prefix");
  EXPECT_EQ(S3Home::Open(options).status().code(),
            StatusCode::kInvalidArgument);
  options = S3rverOptions("x");
  options.endpoint = "ftp://x";
  EXPECT_EQ(S3Home::Open(options).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coven::home
