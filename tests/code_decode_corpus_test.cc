// The fuzz seeds in fuzz/corpus/code_decode/ double as golden vectors: each
// must keep its verdict. Regenerate them by running this test with
// COVEN_WRITE_CODE_CORPUS=1 in the environment.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "codes/code.h"
#include "codes/tlv.h"
#include "coven/entropy.h"
#include "keys/passphrase_box.h"

namespace coven {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(COVEN_SOURCE_DIR) / "fuzz/corpus/code_decode";

Bytes Seed(std::uint8_t selector, ByteView data) {
  Bytes out(1 + data.size());
  out[0] = selector;
  std::copy(data.begin(), data.end(), out.begin() + 1);
  return out;
}

// name -> (seed bytes, expected status of the decoder it selects).
std::map<std::string, std::pair<Bytes, StatusCode>> Seeds() {
  using codes::CodeKind;
  const Bytes payload = codes::TlvWriter()
                            .AddString(1, "store-id")
                            .AddUint(2, 86400)
                            .Add(3, Bytes(32, 0xab))
                            .Finish();
  SeededEntropy entropy(42);
  Result<Bytes> blob =
      keys::SealWithPassphrase(ToBytes("a library key"), "fuzz passphrase",
                               keys::PassphraseCost::ForTests(), entropy);
  EXPECT_TRUE(blob.ok());
  const std::string invite = codes::EncodeCode(CodeKind::kInvite, payload);
  const std::string typed = "cvi1 " + invite.substr(5) + ".\n";
  return {
      {"identity_empty",
       {Seed(0, AsBytes(codes::EncodeCode(CodeKind::kIdentity, {}))),
        StatusCode::kOk}},
      {"invite_tlv", {Seed(1, AsBytes(invite)), StatusCode::kOk}},
      {"invite_typed", {Seed(1, AsBytes(typed)), StatusCode::kOk}},
      {"restore_32",
       {Seed(2,
             AsBytes(codes::EncodeCode(CodeKind::kRestore, Bytes(32, 0x5c)))),
        StatusCode::kOk}},
      {"restore_as_invite",
       {Seed(1, AsBytes(codes::EncodeCode(CodeKind::kRestore, payload))),
        StatusCode::kInvalidArgument}},
      {"tlv_payload", {Seed(3, payload), StatusCode::kOk}},
      {"passphrase_blob", {Seed(4, *blob), StatusCode::kOk}},
  };
}

Bytes ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in),
               std::istreambuf_iterator<char>());
}

StatusCode Verdict(const Bytes& seed) {
  const ByteView data = ByteView(seed).subspan(1);
  switch (seed[0]) {
    case 0:
    case 1:
    case 2:
      return codes::DecodeCode(static_cast<codes::CodeKind>(seed[0]),
                               AsString(data))
          .status()
          .code();
    case 3:
      return codes::ReadTlv(data, {}).status().code();
    default:
      return keys::OpenWithPassphrase(data, "fuzz passphrase").status().code();
  }
}

TEST(CodeDecodeCorpusTest, SeedsKeepTheirVerdicts) {
  const auto seeds = Seeds();
  if (std::getenv("COVEN_WRITE_CODE_CORPUS") != nullptr) {
    fs::create_directories(kCorpus);
    for (const auto& [name, seed] : seeds) {
      std::ofstream out(kCorpus / name, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(seed.first.data()),
                static_cast<std::streamsize>(seed.first.size()));
    }
  }
  ASSERT_TRUE(fs::is_directory(kCorpus)) << kCorpus;
  std::size_t seen = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(kCorpus)) {
    const std::string name = entry.path().filename().string();
    const auto it = seeds.find(name);
    ASSERT_NE(it, seeds.end()) << "unclassified seed " << name;
    ++seen;
    const Bytes bytes = ReadFile(entry.path());
    EXPECT_EQ(bytes, it->second.first) << name << " drifted";
    EXPECT_EQ(Verdict(bytes), it->second.second) << name;
  }
  EXPECT_EQ(seen, seeds.size());
}

}  // namespace
}  // namespace coven
