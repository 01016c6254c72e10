#include "object/chunk_crypto.h"

#include <sodium.h>

#include "object/wire.h"

namespace coven::object::chunk {

namespace {

static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == 16);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

constexpr std::string_view kAadLabel = "coven/object-aad/v1";
constexpr std::string_view kNonceLabel = "coven/object-nonce/v1";
constexpr std::string_view kChunkLabel = "coven/object-chunk/v1";
constexpr std::string_view kSignatureLabel = "coven/object-signature/v1";

// Callers check that paths fit in a u32 before getting here.
std::array<std::uint8_t, 4> PathLength(std::string_view path) {
  return wire::U32Bytes(static_cast<std::uint32_t>(path.size()));
}

}  // namespace

AadHasher::AadHasher(std::string_view path, ByteView cleartext)
    : prefix_(kAadLabel) {
  prefix_.Update(PathLength(path)).Update(AsBytes(path)).Update(cleartext);
}

crypto::Hash256 AadHasher::ForChunk(std::uint32_t index, bool final) const {
  crypto::Hasher hasher = prefix_;
  const std::uint8_t flag = final ? 1 : 0;
  return hasher.Update(wire::U32Bytes(index))
      .Update(ByteView(&flag, 1))
      .Final();
}

Nonce DeriveNonce(const crypto::LibraryKey& key, std::string_view path,
                  std::uint32_t index, const crypto::Hash256& aad,
                  ByteView plaintext) {
  const crypto::Hash256 content = crypto::Hash(kChunkLabel, plaintext);
  const crypto::Hash256 digest = crypto::Hasher(kNonceLabel, key.nonce_key())
                                     .Update(PathLength(path))
                                     .Update(AsBytes(path))
                                     .Update(wire::U32Bytes(index))
                                     .Update(aad)
                                     .Update(content)
                                     .Final();
  Nonce nonce{};
  std::copy(digest.begin(), digest.begin() + nonce.size(), nonce.begin());
  return nonce;
}

void Encrypt(const crypto::LibraryKey& key, const Nonce& nonce,
             const crypto::Hash256& aad, ByteView plaintext, Bytes& out) {
  const std::size_t offset = out.size();
  out.resize(offset + plaintext.size() +
             crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + offset, &written, plaintext.data(), plaintext.size(),
      aad.data(), aad.size(), nullptr, nonce.data(), key.aead_key().data());
  out.resize(offset + written);
}

bool Decrypt(const crypto::LibraryKey& key, ByteView nonce,
             const crypto::Hash256& aad, ByteView ciphertext,
             std::uint8_t* out) {
  if (nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
      ciphertext.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return false;
  }
  unsigned long long written = 0;
  return crypto_aead_xchacha20poly1305_ietf_decrypt(
             out, &written, nullptr, ciphertext.data(), ciphertext.size(),
             aad.data(), aad.size(), nonce.data(), key.aead_key().data()) == 0;
}

crypto::Hash256 SignatureDigest(std::string_view path, ByteView signed_bytes) {
  return crypto::Hasher(kSignatureLabel)
      .Update(PathLength(path))
      .Update(AsBytes(path))
      .Update(signed_bytes)
      .Final();
}

}  // namespace coven::object::chunk
