// SigV4 known-answer test: the S3 home's requests, as libcurl signs them,
// are captured on a loopback socket and each Authorization header is compared
// with the signature botocore (shipped inside Debian's awscli) computes for
// the same request. s3rver never checks signatures, so this is the test that
// keeps the canonical query (sorted, fully percent-encoded, "uploads=") and
// signed headers right, including on a curl upgrade.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "coven/s3_home.h"
#include "fake_http_server.h"
#include "test_servers.h"

namespace coven::home {
namespace {

using ::coven::testing::FakeHttpServer;
using ::coven::testing::FakeRequest;
using ::coven::testing::FakeResponse;

constexpr char kPython[] = "/usr/bin/python3";  // Debian's, with awscli.
constexpr char kAccessKey[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kToken[] = "session/token+with=chars";

// Reads one request per line of the input file (JSON: method, url, date,
// ["name:value", ...]) and prints botocore's signature for each.
constexpr char kSigner[] = R"py(
import json
import sys
import awscli  # Puts the vendored botocore on the path.
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
region, akid, secret, token, path = sys.argv[1:6]
auth = S3SigV4Auth(Credentials(akid, secret, token), 's3', region)
for line in open(path):
    method, url, date, headers = json.loads(line)
    request = AWSRequest(method=method, url=url,
                         headers=dict(h.split(':', 1) for h in headers))
    request.context['timestamp'] = date
    canonical = auth.canonical_request(request)
    print(auth.signature(auth.string_to_sign(request, canonical), request))
)py";

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

// botocore's signatures, one per request as received on `host`.
std::vector<std::string> BotocoreSignatures(
    const std::string& dir, const std::string& host,
    const std::vector<FakeRequest>& requests) {
  const std::string script = dir + "/signer.py";
  const std::string input = dir + "/requests.jsonl";
  std::ofstream(script) << kSigner;
  {
    std::ofstream out(input);
    for (const FakeRequest& request : requests) {
      nlohmann::json headers = nlohmann::json::array();
      std::smatch signed_headers;
      const std::string auth = request.Header("authorization");
      if (std::regex_search(auth, signed_headers,
                            std::regex("SignedHeaders=([^,]+)"))) {
        std::stringstream names(signed_headers[1].str());
        for (std::string name; std::getline(names, name, ';');) {
          headers.push_back(name + ":" + request.Header(name));
        }
      }
      out << nlohmann::json::array({request.method,
                                    "http://" + host + request.target,
                                    request.Header("x-amz-date"), headers})
                 .dump()
          << "\n";
    }
  }
  const std::string command = std::string(kPython) + " " + ShellQuote(script) +
                              " eu-west-1 " + kAccessKey + " " +
                              ShellQuote(kSecret) + " " + ShellQuote(kToken) +
                              " " + ShellQuote(input) + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::vector<std::string> out;
  if (pipe == nullptr) return out;
  char line[4096];
  while (fgets(line, sizeof(line), pipe) != nullptr) {
    std::string text(line);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    out.push_back(text);
  }
  ::pclose(pipe);
  return out;
}

FakeResponse Answer(const FakeRequest& request) {
  FakeResponse response;
  const std::string& target = request.target;
  if (request.method == "GET" &&
      target.find("list-type=2") != std::string::npos) {
    const bool first = target.find("continuation-token") == std::string::npos;
    response.body = ToBytes(
        std::string("<ListBucketResult><IsTruncated>") +
        (first ? "true" : "false") +
        "</IsTruncated><NextContinuationToken>1/a+b=c d~e</"
        "NextContinuationToken><Contents><Key>kat/log/a/1</Key><Size>3</"
        "Size></Contents></ListBucketResult>");
  } else if (request.method == "POST" &&
             target.find("uploads=") != std::string::npos) {
    response.body = ToBytes(
        "<InitiateMultipartUploadResult><UploadId>up/1+x=</UploadId>"
        "</InitiateMultipartUploadResult>");
  } else if (request.method == "POST") {
    response.body = ToBytes("<CompleteMultipartUploadResult/>");
  } else if (request.method == "PUT") {
    response.headers = {{"ETag", "\"etag\""}};
  }
  return response;
}

TEST(S3SigV4Test, CurlSignaturesMatchBotocore) {
  ASSERT_EQ(::access(kPython, X_OK), 0)
      << kPython << " is missing: run scripts/install-deps.sh (awscli)";
  testing::TempDir dir("sigv4");

  FakeHttpServer server(Answer);
  ASSERT_NE(server.port(), 0);
  S3HomeOptions options;
  options.endpoint = server.endpoint();
  options.bucket = "home";
  options.prefix = "kat";
  options.region = "eu-west-1";
  options.credentials = {kAccessKey, kSecret, kToken};
  options.create_mode = S3HomeOptions::CreateMode::kNative;
  options.server_sorted_list = false;  // Follows continuation tokens.
  options.multipart_threshold = 6ull << 20;
  options.part_size = 5ull << 20;
  auto home = S3Home::Open(options);
  ASSERT_TRUE(home.ok()) << home.status().ToString();

  // A list with a prefix, then a continuation token full of '/', '+', '='.
  Result<ListPage> page = (*home)->List("log/", "", 10);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  // Create-once (If-None-Match and the body's SHA-256 are signed headers).
  ASSERT_TRUE((*home)->Create("log/a/2", AsBytes("hello")).ok());
  // Multipart: ?uploads=, ?partNumber=&uploadId=, ?uploadId=.
  ASSERT_TRUE((*home)->Replace("log/a/3", Bytes((6 << 20) + 1, 7)).ok());
  ASSERT_TRUE((*home)->Delete("log/a/2").ok());

  const std::vector<FakeRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 8u);
  EXPECT_THAT(requests[1].target,
              ::testing::HasSubstr("continuation-token=1%2Fa%2Bb%3Dc%20d~e"));
  EXPECT_THAT(requests[3].target, ::testing::EndsWith("?uploads="));
  const std::string host = "127.0.0.1:" + std::to_string(server.port());
  const std::vector<std::string> expected =
      BotocoreSignatures(dir.path(), host, requests);
  ASSERT_EQ(expected.size(), requests.size())
      << (expected.empty() ? "" : expected[0]);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const FakeRequest& request = requests[i];
    SCOPED_TRACE(request.method + " " + request.target);
    const std::string auth = request.Header("authorization");
    EXPECT_THAT(auth, ::testing::StartsWith(
                          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
    EXPECT_THAT(auth, ::testing::HasSubstr("/eu-west-1/s3/aws4_request"));
    EXPECT_THAT(auth, ::testing::HasSubstr("x-amz-security-token"));
    EXPECT_THAT(auth, ::testing::Not(::testing::HasSubstr(kSecret)));
    std::smatch signature;
    ASSERT_TRUE(std::regex_search(auth, signature,
                                  std::regex("Signature=([0-9a-f]{64})")));
    EXPECT_EQ(signature[1].str(), expected[i]);
  }
}

}  // namespace
}  // namespace coven::home
