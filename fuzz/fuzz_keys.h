// Fixed keys, header and path shared by the object fuzz targets and the seed
// generator (make_object_corpus.cc), so that well-formed seeds reach the
// decrypt path. Derived from SeededEntropy: never use these for real data.
#ifndef COVEN_FUZZ_FUZZ_KEYS_H_
#define COVEN_FUZZ_FUZZ_KEYS_H_

#include <optional>
#include <string_view>

#include "coven/entropy.h"
#include "crypto/crypto.h"
#include "object/sealed_object.h"

namespace coven::fuzz {

inline constexpr std::string_view kObjectPath = "log/00000000000000f0/1";

inline const crypto::LibraryKey& FuzzLibraryKey() {
  static const crypto::LibraryKey key = [] {
    SeededEntropy entropy(0xf022);
    return crypto::LibraryKey::Generate(entropy);
  }();
  return key;
}

inline const crypto::SigningKeyPair& FuzzSigner() {
  static const crypto::SigningKeyPair signer = [] {
    SeededEntropy entropy(0xf023);
    return crypto::SigningKeyPair::Generate(entropy);
  }();
  return signer;
}

inline object::ObjectHeader FuzzHeader(
    std::uint64_t seq = 1, object::ObjectKind kind = object::ObjectKind::kLog) {
  object::ObjectHeader header;
  header.kind = kind;
  header.library_id.fill(0x11);
  header.key_id = FuzzLibraryKey().id();
  header.author_public_key = FuzzSigner().public_key();
  header.author_device = crypto::DeviceIdFor(header.author_public_key);
  header.seq = seq;
  if (seq > 1) header.prev_hash.fill(0x22);
  header.hlc_min = Hlc{1732272000000, 0, header.author_device};
  header.hlc_max = Hlc{1732272000999, 3, header.author_device};
  header.schema_version = 1;
  return header;
}

/// Knows only FuzzLibraryKey().
inline object::KeyLookup FuzzKeyLookup() {
  return [](const crypto::KeyId& id) -> std::optional<crypto::LibraryKey> {
    if (id == FuzzLibraryKey().id()) return FuzzLibraryKey();
    return std::nullopt;
  };
}

/// Limits small enough that a hostile input cannot make one run slow.
inline object::OpenLimits FuzzLimits() {
  object::OpenLimits limits;
  limits.max_object_bytes = 4u << 20;
  limits.max_payload_bytes = 16u << 20;
  return limits;
}

}  // namespace coven::fuzz

#endif  // COVEN_FUZZ_FUZZ_KEYS_H_
