#include "object/sealed_object.h"

#include <sodium.h>

#include <algorithm>
#include <limits>
#include <string>

#include "object/chunk_crypto.h"
#include "object/object_codec.h"
#include "object/payload.h"
#include "object/seal_internal.h"
#include "object/wire.h"

namespace coven::object {

namespace {

Status CheckPath(std::string_view path, std::string_view action) {
  if (path.size() > std::numeric_limits<std::uint32_t>::max()) {
    return InvalidArgumentError(
        "cannot " + std::string(action) + " an object whose path is " +
        std::to_string(path.size()) + " bytes long (at most 2^32-1)");
  }
  return Status::Ok();
}

// Zeroes a plaintext buffer before it is released.
struct Wiper {
  Bytes& bytes;
  ~Wiper() { sodium_memzero(bytes.data(), bytes.size()); }
};

}  // namespace

Result<Bytes> SealPadded(std::string_view path, const ObjectHeader& header,
                         ByteView plaintext, const crypto::LibraryKey& key,
                         const crypto::SigningKeyPair& signer) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  COVEN_RETURN_IF_ERROR(CheckPath(path, "seal"));
  const std::string subject = "cannot seal " + std::string(path) + ": header";
  COVEN_RETURN_IF_ERROR(codec::ValidateHeaderFields(header, subject));
  if (header.author_public_key != signer.public_key()) {
    return InvalidArgumentError(subject + " names author public key " +
                                HexEncode(header.author_public_key) +
                                " but the signing key is " +
                                HexEncode(signer.public_key()));
  }
  const std::uint64_t device = crypto::DeviceIdFor(signer.public_key());
  if (header.author_device != device) {
    return InvalidArgumentError(subject + " names author device " +
                                DeviceIdToHex(header.author_device) +
                                " but the signing key belongs to device " +
                                DeviceIdToHex(device));
  }
  const crypto::KeyId key_id = key.id();
  if (header.key_id != key_id) {
    return InvalidArgumentError(
        subject + " names library key id " + HexEncode(header.key_id) +
        " but the given key has id " + HexEncode(key_id));
  }
  if (plaintext.empty()) {
    return InvalidArgumentError("cannot seal " + std::string(path) +
                                ": the padded plaintext is empty");
  }
  const std::size_t chunk_count =
      (plaintext.size() + codec::kChunkPlaintextMax - 1) /
      codec::kChunkPlaintextMax;
  if (chunk_count > std::numeric_limits<std::uint32_t>::max()) {
    return InvalidArgumentError("cannot seal " + std::string(path) +
                                ": payload needs too many chunks");
  }

  Bytes out;
  out.reserve(codec::kCleartextSize +
              chunk_count * (codec::kChunkOverhead + codec::kTagSize) +
              plaintext.size() + codec::kSignatureSize);
  codec::EncodeCleartext(header, static_cast<std::uint32_t>(chunk_count), out);
  const chunk::AadHasher aads(path, out);
  for (std::size_t i = 0; i < chunk_count; ++i) {
    const std::size_t begin = i * codec::kChunkPlaintextMax;
    const std::size_t size =
        std::min(codec::kChunkPlaintextMax, plaintext.size() - begin);
    const ByteView piece = plaintext.subspan(begin, size);
    const auto index = static_cast<std::uint32_t>(i);
    const crypto::Hash256 aad = aads.ForChunk(index, i + 1 == chunk_count);
    const chunk::Nonce nonce = chunk::DeriveNonce(key, path, index, aad, piece);
    wire::PutU32(out, static_cast<std::uint32_t>(size + codec::kTagSize));
    wire::PutBytes(out, nonce);
    chunk::Encrypt(key, nonce, aad, piece, out);
  }
  const crypto::Signature signature =
      signer.Sign(chunk::SignatureDigest(path, out));
  wire::PutBytes(out, signature);
  return out;
}

Result<Bytes> Seal(std::string_view path, const ObjectHeader& header,
                   ByteView payload, const crypto::LibraryKey& key,
                   const crypto::SigningKeyPair& signer) {
  COVEN_ASSIGN_OR_RETURN(Bytes plaintext, payload::Encode(payload));
  Wiper wipe_plaintext{plaintext};
  return SealPadded(path, header, plaintext, key, signer);
}

Result<ObjectHeader> ParseHeader(ByteView object, const OpenLimits& limits) {
  COVEN_ASSIGN_OR_RETURN(codec::ParsedObject parsed,
                         codec::Parse(object, limits, "sealed object"));
  return parsed.header;
}

namespace {

// Steps 1-3 of Open: structure and limits, the device id bound to the key,
// the signature over path and bytes.
Result<codec::ParsedObject> ParseAndVerify(std::string_view path,
                                           ByteView object,
                                           const OpenLimits& limits,
                                           const std::string& subject) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  COVEN_RETURN_IF_ERROR(CheckPath(path, "open"));

  // 1. Structure and size limits: no cryptography yet.
  COVEN_ASSIGN_OR_RETURN(codec::ParsedObject parsed,
                         codec::Parse(object, limits, subject));
  const ObjectHeader& header = parsed.header;

  // 2. The author's device id must be the one bound to the signing key.
  if (crypto::DeviceIdFor(header.author_public_key) != header.author_device) {
    return UnauthenticatedError(
        subject + ": object author device id " +
        DeviceIdToHex(header.author_device) +
        " is not bound to its signing key (forged or corrupted)");
  }

  // 3. Signature over path and every byte before the signature.
  const crypto::Hash256 digest =
      chunk::SignatureDigest(path, parsed.signed_bytes);
  if (!crypto::Verify(header.author_public_key, digest, parsed.signature)
           .ok()) {
    return UnauthenticatedError(
        subject + ": signature of device " +
        DeviceIdToHex(header.author_device) +
        " does not verify (forged, corrupted or moved from another path)");
  }
  return parsed;
}

}  // namespace

Result<ObjectHeader> Verify(std::string_view path, ByteView object,
                            const OpenLimits& limits) {
  COVEN_ASSIGN_OR_RETURN(codec::ParsedObject parsed,
                         ParseAndVerify(path, object, limits,
                                        "sealed object " + std::string(path)));
  return parsed.header;
}

Result<Bytes> Open(std::string_view path, ByteView object,
                   const KeyLookup& keys, ObjectHeader* header_out,
                   const OpenLimits& limits) {
  const std::string subject = "sealed object " + std::string(path);
  COVEN_ASSIGN_OR_RETURN(codec::ParsedObject parsed,
                         ParseAndVerify(path, object, limits, subject));
  const ObjectHeader& header = parsed.header;

  // 4. Library key.
  if (!keys) {
    return InvalidArgumentError(subject +
                                ": cannot open it without a key lookup");
  }
  const std::optional<crypto::LibraryKey> key = keys(header.key_id);
  if (!key.has_value()) {
    return NotFoundError(subject + ": unknown library key id " +
                         HexEncode(header.key_id) +
                         " (this device does not hold that key; it may "
                         "need to sync membership or be re-invited)");
  }

  // 5. Decrypt every chunk into one buffer (bounded by the object size).
  std::size_t total = 0;
  for (const codec::WireChunk& c : parsed.chunks) {
    total += c.ciphertext.size() - codec::kTagSize;
  }
  Bytes plaintext(total);
  Wiper wipe_plaintext{plaintext};
  const chunk::AadHasher aads(path, parsed.cleartext);
  const std::size_t count = parsed.chunks.size();
  std::size_t offset = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const codec::WireChunk& c = parsed.chunks[i];
    const auto index = static_cast<std::uint32_t>(i);
    const crypto::Hash256 aad = aads.ForChunk(index, i + 1 == count);
    const std::size_t size = c.ciphertext.size() - codec::kTagSize;
    if (!chunk::Decrypt(*key, c.nonce, aad, c.ciphertext,
                        plaintext.data() + offset)) {
      return UnauthenticatedError(
          subject + ": chunk " + std::to_string(i) + " of " +
          std::to_string(count) + " does not decrypt with library key " +
          HexEncode(header.key_id) +
          " (wrong key, or the chunk was corrupted, reordered or taken from "
          "another object or path)");
    }
    const ByteView piece = ByteView(plaintext).subspan(offset, size);
    const chunk::Nonce expected =
        chunk::DeriveNonce(*key, path, index, aad, piece);
    if (!std::equal(expected.begin(), expected.end(), c.nonce.begin())) {
      return InvalidArgumentError(
          subject + ": chunk " + std::to_string(i) +
          " has a nonce that is not derived from its contents (the object "
          "was not produced by a conforming sealer)");
    }
    offset += size;
  }

  // 6. Padding, declared size against limits, then zstd.
  COVEN_ASSIGN_OR_RETURN(Bytes payload,
                         payload::Decode(plaintext, limits, subject));
  if (header_out != nullptr) *header_out = header;
  return payload;
}

crypto::Hash256 ObjectHash(ByteView object) {
  return crypto::Hash("coven/object/v1", object);
}

}  // namespace coven::object
