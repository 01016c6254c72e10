#include "crypto/crypto.h"

#include <sodium.h>

#include <cstring>

namespace coven::crypto {

namespace {

static_assert(sizeof(crypto_generichash_state) <= 384,
              "Hasher::state_ is too small for crypto_generichash_state");
static_assert(alignof(crypto_generichash_state) <= 64,
              "Hasher::state_ is under-aligned for crypto_generichash_state");
static_assert(crypto_sign_PUBLICKEYBYTES == 32);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_SEEDBYTES == 32);
static_assert(crypto_sign_BYTES == 64);
static_assert(crypto_kdf_KEYBYTES == 32);
static_assert(crypto_kdf_CONTEXTBYTES == 8);
static_assert(crypto_kdf_BYTES_MIN <= 16);

// Library-key subkeys: (context, subkey id) pairs for
// crypto_kdf_derive_from_key. Distinct contexts and distinct ids, so no two
// purposes can share a subkey. docs/format/object.md §2.
constexpr char kKeyIdContext[] = "covenkid";
constexpr char kNonceContext[] = "covennon";
constexpr char kAeadContext[] = "covenaed";
constexpr char kSchemaContext[] = "covensch";
static_assert(sizeof(kKeyIdContext) == crypto_kdf_CONTEXTBYTES + 1);
static_assert(sizeof(kNonceContext) == crypto_kdf_CONTEXTBYTES + 1);
static_assert(sizeof(kAeadContext) == crypto_kdf_CONTEXTBYTES + 1);
static_assert(sizeof(kSchemaContext) == crypto_kdf_CONTEXTBYTES + 1);
constexpr std::uint64_t kKeyIdSubkey = 1;
constexpr std::uint64_t kNonceSubkey = 2;
constexpr std::uint64_t kAeadSubkey = 3;
constexpr std::uint64_t kSchemaSubkey = 4;

// sodium_init() is itself thread-safe and idempotent; the function-local
// static makes every later call a single atomic load.
int InitOnce() {
  static const int result = sodium_init();
  return result;
}

crypto_generichash_state* StateOf(std::array<std::uint8_t, 384>& storage) {
  return reinterpret_cast<crypto_generichash_state*>(storage.data());
}

}  // namespace

Status EnsureSodium() {
  if (InitOnce() < 0) {
    return InternalError(
        "libsodium failed to initialize (sodium_init returned -1); the "
        "process cannot use cryptography");
  }
  return Status::Ok();
}

Hash256 Hash(std::string_view label, ByteView data) {
  return Hasher(label).Update(data).Final();
}

Hasher::Hasher(std::string_view label) {
  InitOnce();
  crypto_generichash_init(StateOf(state_), nullptr, 0, 32);
  Frame(label);
}

Hasher::Hasher(std::string_view label,
               const std::array<std::uint8_t, 32>& key) {
  InitOnce();
  crypto_generichash_init(StateOf(state_), key.data(), key.size(), 32);
  Frame(label);
}

Hasher::~Hasher() { sodium_memzero(state_.data(), state_.size()); }

void Hasher::Frame(std::string_view label) {
  // The label is framed by its length so that no (label, data) pair can
  // produce the same input as another pair with a different label.
  const auto size = static_cast<std::uint32_t>(label.size());
  const std::uint8_t size_be[4] = {static_cast<std::uint8_t>(size >> 24),
                                   static_cast<std::uint8_t>(size >> 16),
                                   static_cast<std::uint8_t>(size >> 8),
                                   static_cast<std::uint8_t>(size)};
  crypto_generichash_update(StateOf(state_), size_be, sizeof(size_be));
  crypto_generichash_update(
      StateOf(state_), reinterpret_cast<const unsigned char*>(label.data()),
      label.size());
}

Hasher& Hasher::Update(ByteView data) {
  crypto_generichash_update(StateOf(state_), data.data(), data.size());
  return *this;
}

Hash256 Hasher::Final() {
  Hash256 out{};
  crypto_generichash_final(StateOf(state_), out.data(), out.size());
  return out;
}

LibraryKey::LibraryKey() : LibraryKey(std::array<std::uint8_t, 32>{}) {}

LibraryKey::LibraryKey(const std::array<std::uint8_t, 32>& bytes)
    : bytes_(bytes) {
  InitOnce();
  crypto_kdf_derive_from_key(id_.data(), id_.size(), kKeyIdSubkey,
                             kKeyIdContext, bytes_.data());
  crypto_kdf_derive_from_key(nonce_key_.data(), nonce_key_.size(), kNonceSubkey,
                             kNonceContext, bytes_.data());
  crypto_kdf_derive_from_key(aead_key_.data(), aead_key_.size(), kAeadSubkey,
                             kAeadContext, bytes_.data());
  crypto_kdf_derive_from_key(schema_key_.data(), schema_key_.size(),
                             kSchemaSubkey, kSchemaContext, bytes_.data());
}

LibraryKey::~LibraryKey() = default;  // SecretArray zeroes every key.

LibraryKey LibraryKey::Generate(Entropy& entropy) {
  std::array<std::uint8_t, 32> bytes{};
  entropy.Fill(bytes);
  LibraryKey key(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return key;
}

SigningKeyPair::~SigningKeyPair() = default;  // SecretArray zeroes both.

SigningKeyPair SigningKeyPair::FromSeed(
    const std::array<std::uint8_t, 32>& seed) {
  InitOnce();
  SigningKeyPair pair;
  pair.seed_ = seed;
  crypto_sign_seed_keypair(pair.public_key_.data(), pair.secret_key_.data(),
                           seed.data());
  return pair;
}

SigningKeyPair SigningKeyPair::Generate(Entropy& entropy) {
  std::array<std::uint8_t, 32> seed{};
  entropy.Fill(seed);
  SigningKeyPair pair = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return pair;
}

Signature SigningKeyPair::Sign(ByteView message) const {
  InitOnce();
  Signature out{};
  crypto_sign_detached(out.data(), nullptr, message.data(), message.size(),
                       secret_key_.data());
  return out;
}

Status Verify(const PublicKey& public_key, ByteView message,
              const Signature& signature) {
  InitOnce();
  if (crypto_sign_verify_detached(signature.data(), message.data(),
                                  message.size(), public_key.data()) != 0) {
    return UnauthenticatedError(
        "Ed25519 signature does not verify for this public key (forged or "
        "corrupted data)");
  }
  return Status::Ok();
}

std::uint64_t DeviceIdFor(const PublicKey& public_key) {
  const Hash256 digest = Hash("coven/device-id/v1", public_key);
  std::uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = id << 8 | digest[i];
  return id;
}

}  // namespace coven::crypto
