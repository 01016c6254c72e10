// Shared helpers for the sealed-object tests: deterministic keys, headers,
// and tools to rebuild or re-sign objects the way an insider attacker could.
#ifndef COVEN_TESTS_SEALED_OBJECT_TEST_UTIL_H_
#define COVEN_TESTS_SEALED_OBJECT_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "coven/entropy.h"
#include "crypto/crypto.h"
#include "object/chunk_crypto.h"
#include "object/object_codec.h"
#include "object/sealed_object.h"
#include "object/wire.h"

namespace coven::object::testing {

/// Offset of the u32 chunk count in every object.
inline constexpr std::size_t kChunkCountOffset = codec::kCleartextSize - 4;

inline Bytes RandomBytes(Entropy& entropy, std::size_t size) {
  Bytes out(size);
  entropy.Fill(out);
  return out;
}

inline std::uint32_t ChunkCount(ByteView object) {
  std::uint32_t count = 0;
  for (int i = 0; i < 4; ++i)
    count = count << 8 | object[kChunkCountOffset + i];
  return count;
}

/// Replaces the trailing signature with `signer`'s signature over `path` and
/// every preceding byte: what an author holding the key could do.
inline void ReSign(Bytes& object, std::string_view path,
                   const crypto::SigningKeyPair& signer) {
  ASSERT_GE(object.size(), codec::kSignatureSize);
  const std::size_t body = object.size() - codec::kSignatureSize;
  const crypto::Signature signature =
      signer.Sign(chunk::SignatureDigest(path, ByteView(object).first(body)));
  std::copy(signature.begin(), signature.end(), object.begin() + body);
}

/// Builds an object from `cleartext` (its chunk count rewritten to match) and
/// the given wire chunks, then signs it for `path`.
inline Bytes Rebuild(ByteView cleartext,
                     const std::vector<codec::WireChunk>& chunks,
                     std::string_view path,
                     const crypto::SigningKeyPair& signer) {
  Bytes out(cleartext.begin(), cleartext.end());
  const auto count = wire::U32Bytes(static_cast<std::uint32_t>(chunks.size()));
  std::copy(count.begin(), count.end(), out.begin() + kChunkCountOffset);
  for (const codec::WireChunk& c : chunks) {
    wire::PutU32(out, static_cast<std::uint32_t>(c.ciphertext.size()));
    wire::PutBytes(out, c.nonce);
    wire::PutBytes(out, c.ciphertext);
  }
  out.resize(out.size() + codec::kSignatureSize);
  ReSign(out, path, signer);
  return out;
}

/// Deterministic keys and headers for one author.
class SealedObjectFixture : public ::testing::Test {
 protected:
  explicit SealedObjectFixture(std::uint64_t seed = 1)
      : entropy_(seed),
        key_(crypto::LibraryKey::Generate(entropy_)),
        signer_(crypto::SigningKeyPair::Generate(entropy_)) {}

  ObjectHeader Header(std::uint64_t seq = 1,
                      ObjectKind kind = ObjectKind::kLog) const {
    return HeaderFor(signer_, key_, seq, kind);
  }

  static ObjectHeader HeaderFor(const crypto::SigningKeyPair& signer,
                                const crypto::LibraryKey& key,
                                std::uint64_t seq = 1,
                                ObjectKind kind = ObjectKind::kLog) {
    ObjectHeader header;
    header.kind = kind;
    header.library_id.fill(0x4c);
    header.key_id = key.id();
    header.author_public_key = signer.public_key();
    header.author_device = crypto::DeviceIdFor(signer.public_key());
    header.seq = seq;
    if (seq > 1) header.prev_hash.fill(0xab);
    header.hlc_min = Hlc{1732272000123, 0, header.author_device};
    header.hlc_max = Hlc{1732272000128, 2, header.author_device};
    header.schema_version = 3;
    return header;
  }

  KeyLookup Lookup() const {
    return [key = key_](
               const crypto::KeyId& id) -> std::optional<crypto::LibraryKey> {
      if (id == key.id()) return key;
      return std::nullopt;
    };
  }

  Bytes SealOk(std::string_view path, ByteView payload) const {
    return SealOk(path, payload, Header());
  }
  Bytes SealOk(std::string_view path, ByteView payload,
               const ObjectHeader& header) const {
    Result<Bytes> sealed = Seal(path, header, payload, key_, signer_);
    EXPECT_TRUE(sealed.ok()) << sealed.status().ToString();
    return sealed.ok() ? std::move(sealed).value() : Bytes();
  }

  SeededEntropy entropy_;
  crypto::LibraryKey key_;
  crypto::SigningKeyPair signer_;
};

}  // namespace coven::object::testing

#endif  // COVEN_TESTS_SEALED_OBJECT_TEST_UTIL_H_
