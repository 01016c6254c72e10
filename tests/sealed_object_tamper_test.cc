// Threats T1 (tampering, forging), T2 (truncating, reordering, splicing) and
// T13 (resource exhaustion) against sealed objects.
#include <gtest/gtest.h>

#include <string>

#include "object/payload.h"
#include "object/seal_internal.h"
#include "object/sealed_object.h"
#include "sealed_object_test_util.h"

namespace coven::object {
namespace {

using testing::ChunkCount;
using testing::kChunkCountOffset;
using testing::RandomBytes;
using testing::Rebuild;
using testing::ReSign;

class SealedObjectTamperTest : public testing::SealedObjectFixture {
 protected:
  // Expects `object` to be rejected with `code` and a message containing
  // `fragment`.
  void ExpectRejected(std::string_view path, const Bytes& object,
                      StatusCode code, std::string_view fragment,
                      const KeyLookup* keys = nullptr) {
    Result<Bytes> opened = Open(path, object, keys ? *keys : Lookup());
    ASSERT_FALSE(opened.ok()) << fragment;
    EXPECT_EQ(opened.status().code(), code) << opened.status().ToString();
    EXPECT_NE(opened.status().message().find(fragment), std::string::npos)
        << opened.status().message();
    EXPECT_NE(opened.status().message().find(path), std::string::npos)
        << opened.status().message();
  }
};

constexpr std::string_view kPath = "log/1a2b3c4d5e6f7a8b/1";
constexpr std::string_view kPath2 = "log/1a2b3c4d5e6f7a8b/2";

TEST_F(SealedObjectTamperTest, EveryBitFlipIsRejected) {
  const Bytes sealed = SealOk(kPath, AsBytes("a small changeset"));
  ASSERT_TRUE(Open(kPath, sealed, Lookup()).ok());
  const KeyLookup keys = Lookup();
  int accepted = 0;
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes flipped = sealed;
      flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
      if (Open(kPath, flipped, keys).ok()) {
        ++accepted;
        ADD_FAILURE() << "accepted a flip of bit " << bit << " at byte " << i;
      }
    }
  }
  EXPECT_EQ(accepted, 0);
}

TEST_F(SealedObjectTamperTest, EveryTruncationIsRejected) {
  const Bytes sealed = SealOk(kPath, AsBytes("a small changeset"));
  for (std::size_t length = 0; length < sealed.size(); ++length) {
    const ByteView cut = ByteView(sealed).first(length);
    Result<ObjectHeader> header = ParseHeader(cut);
    ASSERT_FALSE(header.ok()) << length;
    EXPECT_EQ(header.status().code(), StatusCode::kInvalidArgument) << length;
    EXPECT_FALSE(Open(kPath, cut, Lookup()).ok()) << length;
  }
}

TEST_F(SealedObjectTamperTest, TrailingBytesAreRejected) {
  Bytes sealed = SealOk(kPath, AsBytes("payload"));
  sealed.push_back(0);
  ExpectRejected(kPath, sealed, StatusCode::kInvalidArgument,
                 "1 unexpected trailing bytes");
  EXPECT_EQ(ParseHeader(sealed).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SealedObjectTamperTest, UnknownKeyIdIsNotFound) {
  const Bytes sealed = SealOk(kPath, AsBytes("payload"));
  const KeyLookup none = [](const crypto::KeyId&) {
    return std::optional<crypto::LibraryKey>();
  };
  ExpectRejected(kPath, sealed, StatusCode::kNotFound,
                 "unknown library key id " + HexEncode(key_.id()), &none);
}

TEST_F(SealedObjectTamperTest, WrongKeyBehindAMatchingIdFailsDecryption) {
  const Bytes sealed = SealOk(kPath, AsBytes("payload"));
  SeededEntropy other(1234);
  const crypto::LibraryKey wrong = crypto::LibraryKey::Generate(other);
  const KeyLookup liar = [wrong](const crypto::KeyId&) {
    return std::optional<crypto::LibraryKey>(wrong);
  };
  ExpectRejected(kPath, sealed, StatusCode::kUnauthenticated,
                 "does not decrypt", &liar);
}

TEST_F(SealedObjectTamperTest, ObjectMovedToAnotherPathIsRejected) {
  const Bytes sealed = SealOk(kPath, AsBytes("payload"));
  ExpectRejected(kPath2, sealed, StatusCode::kUnauthenticated,
                 "does not verify");
  // Even the author re-signing it for the new path cannot move the chunks:
  // the path is part of every chunk's AAD.
  Bytes moved = sealed;
  ReSign(moved, kPath2, signer_);
  ExpectRejected(kPath2, moved, StatusCode::kUnauthenticated,
                 "does not decrypt");
}

TEST_F(SealedObjectTamperTest, DeviceIdMustBeBoundToTheSigningKey) {
  SeededEntropy other_entropy(555);
  const crypto::SigningKeyPair mallory =
      crypto::SigningKeyPair::Generate(other_entropy);
  // Mallory seals a valid object of her own, then claims Alice's device id.
  Result<Bytes> sealed =
      Seal(kPath, HeaderFor(mallory, key_), AsBytes("evil"), key_, mallory);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  Bytes forged = *sealed;
  ASSERT_TRUE(Open(kPath, forged, Lookup()).ok());
  Bytes device;
  wire::PutU64(device, Header().author_device);
  std::copy(device.begin(), device.end(), forged.begin() + 38);
  ReSign(forged, kPath, mallory);
  ExpectRejected(kPath, forged, StatusCode::kUnauthenticated,
                 "is not bound to its signing key");
}

TEST_F(SealedObjectTamperTest, SignatureByAnotherKeyIsRejected) {
  SeededEntropy other_entropy(556);
  const crypto::SigningKeyPair mallory =
      crypto::SigningKeyPair::Generate(other_entropy);
  // Header names Alice's device and key (binding holds), Mallory signs.
  Bytes forged = SealOk(kPath, AsBytes("payload"));
  ReSign(forged, kPath, mallory);
  ExpectRejected(kPath, forged, StatusCode::kUnauthenticated,
                 "does not verify");
  // Alice's own signature, but over other bytes.
  Bytes grafted = SealOk(kPath, AsBytes("payload"));
  const Bytes other = SealOk(kPath, AsBytes("other payload"));
  std::copy(other.end() - codec::kSignatureSize, other.end(),
            grafted.end() - codec::kSignatureSize);
  ExpectRejected(kPath, grafted, StatusCode::kUnauthenticated,
                 "does not verify");
}

TEST_F(SealedObjectTamperTest, ChunksCannotBeSplicedReorderedOrDropped) {
  const Bytes one = SealOk(kPath, RandomBytes(entropy_, 3 << 20), Header(1));
  const Bytes two = SealOk(kPath2, RandomBytes(entropy_, 3 << 20), Header(2));
  Result<codec::ParsedObject> a = codec::Parse(one, OpenLimits(), "a");
  Result<codec::ParsedObject> b = codec::Parse(two, OpenLimits(), "b");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->chunks.size(), 4u);
  ASSERT_EQ(b->chunks.size(), 4u);
  // Every variant below is re-signed by the author, so only the AEAD binding
  // (path, header, chunk index, chunk count, final flag) can catch it.
  auto expect_aead_failure = [&](std::vector<codec::WireChunk> chunks,
                                 std::string_view what) {
    SCOPED_TRACE(what);
    const Bytes rebuilt = Rebuild(a->cleartext, chunks, kPath, signer_);
    ExpectRejected(kPath, rebuilt, StatusCode::kUnauthenticated,
                   "does not decrypt");
  };
  std::vector<codec::WireChunk> chunks = a->chunks;
  ASSERT_TRUE(
      Open(kPath, Rebuild(a->cleartext, chunks, kPath, signer_), Lookup())
          .ok());
  chunks[1] = b->chunks[1];
  expect_aead_failure(chunks, "chunk 1 swapped in from another object");
  chunks = a->chunks;
  std::swap(chunks[0], chunks[1]);
  expect_aead_failure(chunks, "chunks 0 and 1 reordered");
  chunks = a->chunks;
  chunks.pop_back();
  expect_aead_failure(chunks, "final chunk dropped");
  chunks = a->chunks;
  chunks[2] = chunks[1];
  expect_aead_failure(chunks, "chunk 1 duplicated");
  chunks = a->chunks;
  chunks.insert(chunks.begin() + 3, chunks[2]);
  expect_aead_failure(chunks, "extra chunk inserted");
  chunks = b->chunks;
  expect_aead_failure(chunks, "all chunks from another object");
}

TEST_F(SealedObjectTamperTest, MalformedCleartextFieldsAreNamed) {
  const Bytes sealed = SealOk(kPath, AsBytes("payload"));
  struct Case {
    std::size_t offset;
    std::vector<std::uint8_t> bytes;
    std::string_view fragment;
  };
  const std::vector<Case> cases = {
      {0, {'C', 'V', 'N', '2'}, "does not start with \"CVN1\""},
      {4,
       {4},
       "format version 4, but this build reads only version 3; upgrade coven"},
      {4,
       {2},
       "format version 2, but this build reads only version 3; it was written "
       "by an older coven development build"},
      {4, {0}, "format version 0"},
      {5, {0}, "unknown kind 0"},
      {5, {4}, "unknown kind 4"},
      {78, {0, 0, 0, 0, 0, 0, 0, 0}, "seq 0"},
      {118, {0xff, 0xff}, "after hlc_max"},
      {kChunkCountOffset, {0, 0, 0, 0}, "zero chunks"},
      {kChunkCountOffset, {0, 0, 0, 2}, "a non-final chunk holds exactly"},
      {kChunkCountOffset, {0xff, 0xff, 0xff, 0xff}, "can hold at most"},
      {codec::kCleartextSize, {0, 0, 0, 0}, "declaring 0 ciphertext bytes"},
      {codec::kCleartextSize, {0, 0x10, 0, 0x11}, "declaring 1048593"},
      {codec::kCleartextSize, {0, 0, 0x10, 0}, "overruns"},
  };
  for (const Case& c : cases) {
    Bytes bad = sealed;
    std::copy(c.bytes.begin(), c.bytes.end(), bad.begin() + c.offset);
    ReSign(bad, kPath, signer_);
    Result<ObjectHeader> header = ParseHeader(bad);
    ASSERT_FALSE(header.ok()) << c.fragment;
    EXPECT_EQ(header.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(header.status().message().find(c.fragment), std::string::npos)
        << header.status().message();
    ExpectRejected(kPath, bad, StatusCode::kInvalidArgument, c.fragment);
  }
}

TEST_F(SealedObjectTamperTest, MalformedPlaintextFromTheAuthorIsRejected) {
  // Correctly encrypted and signed, but the plaintext inside is broken.
  auto seal_padded = [&](const Bytes& plaintext) {
    Result<Bytes> sealed =
        SealPadded(kPath, Header(), plaintext, key_, signer_);
    EXPECT_TRUE(sealed.ok()) << sealed.status().ToString();
    return sealed.ok() ? *sealed : Bytes();
  };
  ExpectRejected(kPath, seal_padded(Bytes(256, 0)),
                 StatusCode::kInvalidArgument, "padding");
  Bytes garbage(512, 0x11);  // marker at 300: Padme would give 304, not 512
  garbage[300] = 0x80;
  std::fill(garbage.begin() + 301, garbage.end(), 0);
  ExpectRejected(kPath, seal_padded(garbage), StatusCode::kInvalidArgument,
                 "non-canonical payload padding");
  Bytes not_zstd(256, 0);
  not_zstd[7] = 5;  // declares 5 bytes
  std::fill(not_zstd.begin() + 8, not_zstd.begin() + 20, 0x42);
  not_zstd[20] = 0x80;
  ExpectRejected(kPath, seal_padded(not_zstd), StatusCode::kInvalidArgument,
                 "not a zstd frame");
  Result<Bytes> lying = payload::Encode(AsBytes("hello world"));
  ASSERT_TRUE(lying.ok());
  (*lying)[7] += 1;  // declared length one more than the frame's
  ExpectRejected(kPath, seal_padded(*lying), StatusCode::kInvalidArgument,
                 "differs from the declared payload size");
}

}  // namespace
}  // namespace coven::object
