// Replays the committed fuzz seeds (fuzz/corpus/object_open/) as golden
// vectors: the valid ones must keep opening (the format did not drift) and
// each malformed one must keep failing with its documented status code.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "../fuzz/fuzz_keys.h"
#include "object/sealed_object.h"

namespace coven::object {
namespace {

namespace fs = std::filesystem;

Bytes ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in),
               std::istreambuf_iterator<char>());
}

const fs::path kCorpus = fs::path(COVEN_SOURCE_DIR) / "fuzz/corpus/object_open";

TEST(SealedObjectCorpusTest, SeedsKeepTheirVerdicts) {
  const std::map<std::string, StatusCode> expected = {
      {"valid_empty", StatusCode::kOk},
      {"valid_text", StatusCode::kOk},
      {"valid_head", StatusCode::kOk},
      {"valid_random", StatusCode::kOk},
      {"unknown_key", StatusCode::kNotFound},
      {"bad_magic", StatusCode::kInvalidArgument},
      {"bad_version", StatusCode::kInvalidArgument},
      {"bad_kind", StatusCode::kInvalidArgument},
      {"zero_seq", StatusCode::kInvalidArgument},
      {"zero_chunks", StatusCode::kInvalidArgument},
      {"huge_chunk_count", StatusCode::kInvalidArgument},
      {"chunk_overrun", StatusCode::kInvalidArgument},
      {"unbound_device", StatusCode::kUnauthenticated},
      {"bad_signature", StatusCode::kUnauthenticated},
      {"trailing_byte", StatusCode::kInvalidArgument},
      {"truncated_header", StatusCode::kInvalidArgument},
      {"sealed_bad_padding", StatusCode::kInvalidArgument},
      {"sealed_not_zstd", StatusCode::kInvalidArgument},
      {"sealed_size_mismatch", StatusCode::kInvalidArgument},
  };
  ASSERT_TRUE(fs::is_directory(kCorpus)) << kCorpus;
  std::size_t seen = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(kCorpus)) {
    const std::string name = entry.path().filename().string();
    const auto it = expected.find(name);
    ASSERT_NE(it, expected.end()) << "unclassified seed " << name;
    ++seen;
    const Bytes object = ReadFile(entry.path());
    ASSERT_LT(object.size(), 10000u) << name;
    ObjectHeader header;
    Result<Bytes> opened =
        Open(fuzz::kObjectPath, object, fuzz::FuzzKeyLookup(), &header);
    EXPECT_EQ(opened.status().code(), it->second)
        << name << ": " << opened.status().ToString();
    if (opened.ok()) {
      Result<ObjectHeader> parsed = ParseHeader(object);
      ASSERT_TRUE(parsed.ok()) << name;
      EXPECT_EQ(*parsed, header) << name;
      // Sealing the opened payload again reproduces the seed exactly.
      Result<Bytes> resealed = Seal(fuzz::kObjectPath, header, *opened,
                                    fuzz::FuzzLibraryKey(), fuzz::FuzzSigner());
      ASSERT_TRUE(resealed.ok()) << name;
      EXPECT_EQ(*resealed, object) << name;
    }
  }
  EXPECT_EQ(seen, expected.size());
}

TEST(SealedObjectCorpusTest, EmptyPayloadGoldenVector) {
  const Bytes golden = ReadFile(kCorpus / "valid_empty");
  Result<Bytes> sealed = Seal(fuzz::kObjectPath, fuzz::FuzzHeader(), ByteView(),
                              fuzz::FuzzLibraryKey(), fuzz::FuzzSigner());
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(HexEncode(*sealed), HexEncode(golden));
}

}  // namespace
}  // namespace coven::object
