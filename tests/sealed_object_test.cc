#include "object/sealed_object.h"

#include <gtest/gtest.h>

#include <string>

#include "object/payload.h"
#include "sealed_object_test_util.h"

namespace coven::object {
namespace {

using testing::ChunkCount;
using testing::RandomBytes;

class SealedObjectTest : public testing::SealedObjectFixture {};

constexpr std::string_view kSealPath = "log/1a2b3c4d5e6f7a8b/1";

TEST_F(SealedObjectTest, RoundTripsEmptyPayload) {
  const Bytes sealed = SealOk(kSealPath, ByteView());
  ObjectHeader header;
  Result<Bytes> opened = Open(kSealPath, sealed, Lookup(), &header);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->empty());
  EXPECT_EQ(header, Header());
  EXPECT_EQ(ChunkCount(sealed), 1u);
  // 256 padded bytes: nothing about an empty payload's size leaks.
  EXPECT_EQ(sealed.size(), codec::kCleartextSize + codec::kChunkOverhead + 256 +
                               codec::kTagSize + codec::kSignatureSize);
}

TEST_F(SealedObjectTest, RoundTripsSmallPayloadAndHeadKind) {
  const Bytes payload = ToBytes("INSERT INTO todos VALUES (1, 'milk')");
  const ObjectHeader header = Header(7, ObjectKind::kHead);
  const Bytes sealed = SealOk("heads/1a2b3c4d5e6f7a8b", payload, header);
  ObjectHeader opened_header;
  Result<Bytes> opened =
      Open("heads/1a2b3c4d5e6f7a8b", sealed, Lookup(), &opened_header);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, payload);
  EXPECT_EQ(opened_header, header);
  Result<ObjectHeader> parsed = ParseHeader(sealed);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, header);
}

TEST_F(SealedObjectTest, RoundTripsMultiChunkPayload) {
  const Bytes payload = RandomBytes(entropy_, 3 << 20);  // incompressible
  const Bytes sealed = SealOk(kSealPath, payload);
  EXPECT_EQ(ChunkCount(sealed), 4u);  // 3 MiB + framing, Padme-rounded
  Result<Bytes> opened = Open(kSealPath, sealed, Lookup());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, payload);
}

TEST_F(SealedObjectTest, CompressesRedundantPayloads) {
  const Bytes payload(3 << 20, 'a');
  const Bytes sealed = SealOk(kSealPath, payload);
  EXPECT_LT(sealed.size(), 4096u);
  Result<Bytes> opened = Open(kSealPath, sealed, Lookup());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, payload);
}

TEST_F(SealedObjectTest, RoundTripsAroundTheChunkBoundary) {
  for (std::size_t size : {(1u << 20) - 200, (1u << 20) - 64, (1u << 20) - 8,
                           1u << 20, (1u << 20) + 1}) {
    const Bytes payload = RandomBytes(entropy_, size);
    const Bytes sealed = SealOk(kSealPath, payload);
    Result<Bytes> opened = Open(kSealPath, sealed, Lookup());
    ASSERT_TRUE(opened.ok()) << size << ": " << opened.status().ToString();
    EXPECT_EQ(*opened, payload) << size;
  }
}

TEST_F(SealedObjectTest, SealIsDeterministic) {
  const Bytes payload = RandomBytes(entropy_, 5000);
  EXPECT_EQ(SealOk(kSealPath, payload), SealOk(kSealPath, payload));
  const Bytes big = RandomBytes(entropy_, (2 << 20) + 17);
  EXPECT_EQ(SealOk(kSealPath, big), SealOk(kSealPath, big));
}

TEST_F(SealedObjectTest, DifferentInputsNeverShareANonce) {
  // The first chunk's nonce sits right after the cleartext and length.
  auto first_nonce = [](const Bytes& sealed) {
    const std::size_t at = codec::kCleartextSize + 4;
    return Bytes(sealed.begin() + at, sealed.begin() + at + codec::kNonceSize);
  };
  const Bytes a = SealOk(kSealPath, AsBytes("payload a"));
  const Bytes b = SealOk(kSealPath, AsBytes("payload b"));
  const Bytes other_path =
      SealOk("log/1a2b3c4d5e6f7a8b/2", AsBytes("payload a"));
  const Bytes other_header = SealOk(kSealPath, AsBytes("payload a"), Header(2));
  EXPECT_NE(first_nonce(a), first_nonce(b));
  EXPECT_NE(first_nonce(a), first_nonce(other_path));
  EXPECT_NE(first_nonce(a), first_nonce(other_header));
}

TEST_F(SealedObjectTest, SealRejectsInconsistentHeaders) {
  SeededEntropy other_entropy(77);
  const crypto::SigningKeyPair other =
      crypto::SigningKeyPair::Generate(other_entropy);
  const crypto::LibraryKey other_key =
      crypto::LibraryKey::Generate(other_entropy);
  auto expect_invalid = [&](const ObjectHeader& header, std::string_view why) {
    Result<Bytes> sealed = Seal(kSealPath, header, AsBytes("x"), key_, signer_);
    ASSERT_FALSE(sealed.ok()) << why;
    EXPECT_EQ(sealed.status().code(), StatusCode::kInvalidArgument) << why;
    EXPECT_NE(sealed.status().message().find(why), std::string::npos)
        << sealed.status().message();
  };
  ObjectHeader header = Header();
  header.author_device ^= 1;
  expect_invalid(header, "signing key belongs to device");
  header = Header();
  header.author_public_key = other.public_key();
  expect_invalid(header, "names author public key");
  header = Header();
  header.key_id = other_key.id();
  expect_invalid(header, "names library key id");
  header = Header();
  header.seq = 0;
  expect_invalid(header, "seq 0");
  header = Header();
  std::swap(header.hlc_min, header.hlc_max);
  expect_invalid(header, "after hlc_max");
  header = Header();
  header.kind = static_cast<ObjectKind>(9);
  expect_invalid(header, "unknown kind 9");
}

TEST_F(SealedObjectTest, ObjectHashIsLabelledBlake2bOfTheBytes) {
  const Bytes a = SealOk(kSealPath, AsBytes("a"));
  const Bytes b = SealOk(kSealPath, AsBytes("b"));
  EXPECT_EQ(ObjectHash(a), crypto::Hash("coven/object/v1", a));
  EXPECT_NE(ObjectHash(a), ObjectHash(b));
}

TEST_F(SealedObjectTest, OversizeObjectIsRejectedBeforeAnyWork) {
  const Bytes sealed = SealOk(kSealPath, RandomBytes(entropy_, 2000));
  bool looked_up = false;
  KeyLookup spy =
      [&](const crypto::KeyId&) -> std::optional<crypto::LibraryKey> {
    looked_up = true;
    return key_;
  };
  OpenLimits limits;
  limits.max_object_bytes = sealed.size() - 1;
  Result<Bytes> opened = Open(kSealPath, sealed, spy, nullptr, limits);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("over the limit"),
            std::string::npos);
  EXPECT_FALSE(looked_up);
  EXPECT_EQ(ParseHeader(sealed, limits).status().code(),
            StatusCode::kInvalidArgument);
  limits.max_object_bytes = sealed.size();
  EXPECT_TRUE(Open(kSealPath, sealed, spy, nullptr, limits).ok());
}

TEST_F(SealedObjectTest, OversizeDeclaredPayloadIsRejected) {
  const Bytes payload(100000, 'z');  // compresses to a few hundred bytes
  const Bytes sealed = SealOk(kSealPath, payload);
  OpenLimits limits;
  limits.max_payload_bytes = payload.size() - 1;
  Result<Bytes> opened = Open(kSealPath, sealed, Lookup(), nullptr, limits);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("refusing to decompress"),
            std::string::npos)
      << opened.status().message();
  limits.max_payload_bytes = payload.size();
  EXPECT_TRUE(Open(kSealPath, sealed, Lookup(), nullptr, limits).ok());
}

TEST(SealedObjectPayloadTest, HugeDeclaredSizeIsRejectedWithoutAllocating) {
  // A frame declaring 2^62 bytes: allocating first would abort the process.
  Result<Bytes> encoded = payload::Encode(AsBytes("tiny"));
  ASSERT_TRUE(encoded.ok());
  Bytes plaintext = *encoded;
  plaintext[0] = 0x40;
  Result<Bytes> decoded = payload::Decode(plaintext, OpenLimits(), "test");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("over the limit"),
            std::string::npos);
}

TEST(SealedObjectPayloadTest, RejectsMalformedPadding) {
  Result<Bytes> encoded = payload::Encode(AsBytes("some payload"));
  ASSERT_TRUE(encoded.ok());
  const Bytes good = *encoded;
  ASSERT_TRUE(payload::Decode(good, OpenLimits(), "test").ok());
  EXPECT_FALSE(payload::Decode(Bytes(256, 0), OpenLimits(), "t").ok());
  Bytes longer = good;  // valid marker, but not the Padme length
  longer.resize(good.size() + 16, 0);
  EXPECT_FALSE(payload::Decode(longer, OpenLimits(), "t").ok());
  Bytes no_marker = good;
  for (auto& byte : no_marker) {
    if (byte == 0x80) byte = 0x81;
  }
  EXPECT_FALSE(payload::Decode(no_marker, OpenLimits(), "t").ok());
  Bytes bad_size = good;
  bad_size[7] ^= 1;  // declared size no longer matches the frame
  EXPECT_FALSE(payload::Decode(bad_size, OpenLimits(), "t").ok());
}

TEST(SealedObjectPadmeTest, KnownValues) {
  EXPECT_EQ(PadmeLength(0), 256u);
  EXPECT_EQ(PadmeLength(1), 256u);
  EXPECT_EQ(PadmeLength(256), 256u);
  EXPECT_EQ(PadmeLength(257), 272u);  // E=8, S=4: multiples of 16
  EXPECT_EQ(PadmeLength(1000), 1024u);
  EXPECT_EQ(PadmeLength(1025), 1088u);  // E=10, S=4: multiples of 64
  EXPECT_EQ(PadmeLength(1u << 20), 1u << 20);
  EXPECT_EQ(PadmeLength((1u << 20) + 1), (1u << 20) + (1u << 15));
  EXPECT_EQ(PadmeLength(~std::uint64_t{0}), ~std::uint64_t{0});
}

TEST(SealedObjectPadmeTest, BoundedMonotoneAndIdempotent) {
  std::uint64_t previous = 0;
  auto check = [&previous](std::uint64_t length) {
    const std::uint64_t padded = PadmeLength(length);
    EXPECT_GE(padded, length);
    EXPECT_LE(static_cast<double>(padded),
              1.12 * static_cast<double>(length) + 256)
        << length;
    EXPECT_EQ(PadmeLength(padded), padded) << length;
    EXPECT_GE(padded, previous) << length;
    previous = padded;
  };
  for (std::uint64_t length = 0; length <= 200000; ++length) {
    check(length);
  }
  for (std::uint64_t length = 200000; length < (std::uint64_t{1} << 50);
       length = length * 3 / 2 + 7) {
    check(length);
  }
}

}  // namespace
}  // namespace coven::object
