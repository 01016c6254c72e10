// Writes the seed corpora of the object fuzz targets:
//
//   make_object_corpus <dir>     # writes <dir>/object_open/*,
//   <dir>/object_payload/*
//
// The committed seeds in fuzz/corpus/ were made with it (deterministic: the
// keys come from fuzz_keys.h). Valid objects are sealed at fuzz::kObjectPath
// with the fixed fuzz key; the malformed ones each break one rule, some of
// them after a valid signature so that they reach the decrypt path.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_keys.h"
#include "object/chunk_crypto.h"
#include "object/object_codec.h"
#include "object/payload.h"
#include "object/seal_internal.h"

namespace coven::fuzz {
namespace {

namespace fs = std::filesystem;

bool Write(const fs::path& file, const Bytes& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", file.c_str());
    return false;
  }
  return true;
}

Bytes MustSeal(const object::ObjectHeader& header, ByteView payload,
               const crypto::LibraryKey& key) {
  Result<Bytes> sealed =
      object::Seal(kObjectPath, header, payload, key, FuzzSigner());
  if (!sealed.ok()) {
    std::fprintf(stderr, "seal failed: %s\n",
                 sealed.status().ToString().c_str());
    std::exit(1);
  }
  return *sealed;
}

Bytes MustSealPadded(const Bytes& plaintext) {
  Result<Bytes> sealed = object::SealPadded(
      kObjectPath, FuzzHeader(), plaintext, FuzzLibraryKey(), FuzzSigner());
  if (!sealed.ok()) {
    std::fprintf(stderr, "seal failed: %s\n",
                 sealed.status().ToString().c_str());
    std::exit(1);
  }
  return *sealed;
}

void ReSign(Bytes& object) {
  const std::size_t body = object.size() - object::codec::kSignatureSize;
  const crypto::Signature signature =
      FuzzSigner().Sign(object::chunk::SignatureDigest(
          kObjectPath, ByteView(object).first(body)));
  std::copy(signature.begin(), signature.end(), object.begin() + body);
}

Bytes Patched(Bytes object, std::size_t offset, Bytes bytes, bool resign) {
  std::copy(bytes.begin(), bytes.end(), object.begin() + offset);
  if (resign) ReSign(object);
  return object;
}

const char kText[] =
    "INSERT INTO todos (id, title, done, _updated_at) VALUES "
    "('a1', 'buy milk', 0, '001732272000123-00000-00000000000000f0'), "
    "('a2', 'walk the dog', 1, '001732272000124-00000-00000000000000f0')";

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  if (!crypto::EnsureSodium().ok()) return 1;
  const fs::path open_dir = fs::path(argv[1]) / "object_open";
  const fs::path payload_dir = fs::path(argv[1]) / "object_payload";
  fs::create_directories(open_dir);
  fs::create_directories(payload_dir);

  const crypto::LibraryKey& key = FuzzLibraryKey();
  const ByteView text = AsBytes(kText);
  const Bytes small = MustSeal(FuzzHeader(), text, key);
  SeededEntropy entropy(7);
  Bytes random(3000);
  entropy.Fill(random);
  SeededEntropy other_entropy(8);
  const crypto::LibraryKey other_key =
      crypto::LibraryKey::Generate(other_entropy);
  object::ObjectHeader other_header = FuzzHeader();
  other_header.key_id = other_key.id();
  const std::size_t count_at = object::codec::kCleartextSize - 4;
  Bytes trailing = small;
  trailing.push_back(0);
  Bytes bad_signature = small;
  bad_signature.back() ^= 1;
  Bytes bad_padding(512, 0x33);
  bad_padding[300] = 0x80;
  std::fill(bad_padding.begin() + 301, bad_padding.end(), 0);
  Bytes not_zstd(256, 0);
  not_zstd[7] = 5;
  std::fill(not_zstd.begin() + 8, not_zstd.begin() + 20, 0x42);
  not_zstd[20] = 0x80;
  Result<Bytes> lying = object::payload::Encode(text);
  if (!lying.ok()) return 1;
  (*lying)[7] += 1;

  const std::pair<const char*, Bytes> open_seeds[] = {
      {"valid_empty", MustSeal(FuzzHeader(), ByteView(), key)},
      {"valid_text", small},
      {"valid_head",
       MustSeal(FuzzHeader(9, object::ObjectKind::kHead), text, key)},
      {"valid_random", MustSeal(FuzzHeader(2), random, key)},
      {"unknown_key", MustSeal(other_header, text, other_key)},
      {"bad_magic", Patched(small, 0, {'C', 'V', 'N', '2'}, true)},
      {"bad_version", Patched(small, 4, {object::kFormatVersion + 1}, true)},
      {"bad_kind", Patched(small, 5, {7}, true)},
      {"zero_seq", Patched(small, 78, Bytes(8, 0), true)},
      {"zero_chunks", Patched(small, count_at, {0, 0, 0, 0}, true)},
      {"huge_chunk_count", Patched(small, count_at, {0xff, 0, 0, 0}, true)},
      {"chunk_overrun", Patched(small, count_at + 4, {0, 0, 0x40, 0}, true)},
      {"unbound_device", Patched(small, 38, {0, 0, 0, 0, 0, 0, 0, 1}, true)},
      {"bad_signature", bad_signature},
      {"trailing_byte", trailing},
      {"truncated_header", Bytes(small.begin(), small.begin() + 100)},
      {"sealed_bad_padding", MustSealPadded(bad_padding)},
      {"sealed_not_zstd", MustSealPadded(not_zstd)},
      {"sealed_size_mismatch", MustSealPadded(*lying)},
  };
  for (const auto& [name, bytes] : open_seeds) {
    if (!Write(open_dir / name, bytes)) return 1;
  }

  const std::pair<const char*, ByteView> payload_seeds[] = {
      {"empty", ByteView()},
      {"text", text},
      {"random", random},
  };
  for (const auto& [name, payload] : payload_seeds) {
    Result<Bytes> encoded = object::payload::Encode(payload);
    if (!encoded.ok() || !Write(payload_dir / name, *encoded)) return 1;
  }
  if (!Write(payload_dir / "bad_padding", bad_padding) ||
      !Write(payload_dir / "not_zstd", not_zstd) ||
      !Write(payload_dir / "size_mismatch", *lying)) {
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace coven::fuzz

int main(int argc, char** argv) { return coven::fuzz::Main(argc, argv); }
