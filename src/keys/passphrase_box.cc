#include "keys/passphrase_box.h"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "crypto/crypto.h"

namespace coven::keys {

namespace {

constexpr char kMagic[4] = {'C', 'V', 'P', 'W'};
constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kAlgArgon2idXChaCha = 1;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kNonceBytes = 24;
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kMaxPassphraseBytes = 64 * 1024;

static_assert(kSaltBytes == crypto_pwhash_argon2id_SALTBYTES);
static_assert(kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kPassphraseTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(kPassphraseHeaderBytes ==
              4 + 1 + 1 + 4 + 8 + kSaltBytes + kNonceBytes);

struct Header {
  PassphraseCost cost;
  const std::uint8_t* salt = nullptr;
  const std::uint8_t* nonce = nullptr;
};

void PutBigEndian(std::uint64_t value, int bytes, Bytes* out) {
  for (int i = bytes - 1; i >= 0; --i) {
    out->push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  }
}

std::uint64_t GetBigEndian(const std::uint8_t* in, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | in[i];
  return value;
}

// Checks everything up to the ciphertext; Argon2 has not run yet.
Result<Header> ParseHeader(ByteView sealed) {
  if (sealed.size() < kPassphraseHeaderBytes + kPassphraseTagBytes) {
    return DataLossError(
        "passphrase-sealed secret is truncated (" +
        std::to_string(sealed.size()) + " bytes, at least " +
        std::to_string(kPassphraseHeaderBytes + kPassphraseTagBytes) +
        " needed); restore it from a backup");
  }
  if (std::memcmp(sealed.data(), kMagic, sizeof(kMagic)) != 0) {
    return DataLossError(
        "not a passphrase-sealed secret (missing the CVPW magic); the data is "
        "damaged or of another kind");
  }
  if (sealed[4] != kVersion) {
    return DataLossError("passphrase-sealed secret has version " +
                         std::to_string(sealed[4]) +
                         ", this coven reads version 1; update coven if it "
                         "was written by a newer one");
  }
  if (sealed[5] != kAlgArgon2idXChaCha) {
    return DataLossError("passphrase-sealed secret names unknown algorithm " +
                         std::to_string(sealed[5]) +
                         "; update coven if it was written by a newer one");
  }
  Header header;
  header.cost.opslimit = GetBigEndian(sealed.data() + 6, 4);
  const std::uint64_t memlimit = GetBigEndian(sealed.data() + 10, 8);
  if (memlimit > kMaxMemlimit) {
    return InvalidArgumentError(
        "passphrase-sealed secret asks Argon2 for " + std::to_string(memlimit) +
        " bytes of memory, above the 1 GiB limit; refusing to open it");
  }
  header.cost.memlimit = static_cast<std::size_t>(memlimit);
  COVEN_RETURN_IF_ERROR(ValidatePassphraseCost(header.cost));
  header.salt = sealed.data() + 18;
  header.nonce = header.salt + kSaltBytes;
  return header;
}

Status DeriveKey(std::string_view passphrase, const std::uint8_t* salt,
                 const PassphraseCost& cost,
                 std::array<std::uint8_t, kKeyBytes>* key) {
  if (passphrase.size() > kMaxPassphraseBytes) {
    return InvalidArgumentError("the passphrase is longer than 64 KiB");
  }
  if (crypto_pwhash(key->data(), key->size(), passphrase.data(),
                    passphrase.size(), salt, cost.opslimit, cost.memlimit,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return ResourceExhaustedError(
        "Argon2id could not get " + std::to_string(cost.memlimit >> 20) +
        " MiB of memory to derive the passphrase key; free memory and retry");
  }
  return Status::Ok();
}

}  // namespace

PassphraseCost PassphraseCost::Interactive() {
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
          crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

PassphraseCost PassphraseCost::Moderate() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE,
          crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
}

PassphraseCost PassphraseCost::ForTests() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN,
          crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

PassphraseCost CostOrTestFast(const PassphraseCost& cost) {
#ifdef COVEN_TEST_FAST_KDF
  if (std::getenv("COVEN_TEST_FAST_KDF") != nullptr) {
    return PassphraseCost::ForTests();
  }
#endif
  return cost;
}

Status ValidatePassphraseCost(const PassphraseCost& cost) {
  if (cost.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      cost.opslimit > kMaxOpslimit) {
    return InvalidArgumentError("Argon2id opslimit " +
                                std::to_string(cost.opslimit) +
                                " is outside 1..64");
  }
  if (cost.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
      cost.memlimit > kMaxMemlimit) {
    return InvalidArgumentError("Argon2id memlimit " +
                                std::to_string(cost.memlimit) +
                                " bytes is outside 8 KiB..1 GiB");
  }
  return Status::Ok();
}

Result<Bytes> SealWithPassphrase(ByteView secret, std::string_view passphrase,
                                 const PassphraseCost& cost, Entropy& entropy) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  if (passphrase.empty()) {
    return InvalidArgumentError(
        "the passphrase is empty; choose a passphrase to protect the secret");
  }
  if (secret.size() > kMaxSealedSecretBytes) {
    return InvalidArgumentError("the secret is " +
                                std::to_string(secret.size()) +
                                " bytes; at most 1 MiB can be sealed");
  }
  COVEN_RETURN_IF_ERROR(ValidatePassphraseCost(cost));
  Bytes out(kMagic, kMagic + sizeof(kMagic));
  out.push_back(kVersion);
  out.push_back(kAlgArgon2idXChaCha);
  PutBigEndian(cost.opslimit, 4, &out);
  PutBigEndian(cost.memlimit, 8, &out);
  out.resize(kPassphraseHeaderBytes);
  entropy.Fill(std::span(out.data() + 18, kSaltBytes));
  entropy.Fill(std::span(out.data() + 18 + kSaltBytes, kNonceBytes));

  std::array<std::uint8_t, kKeyBytes> key{};
  Status derived = DeriveKey(passphrase, out.data() + 18, cost, &key);
  if (!derived.ok()) return derived;
  out.resize(kPassphraseHeaderBytes + secret.size() + kPassphraseTagBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + kPassphraseHeaderBytes, &written, secret.data(),
      secret.size(), out.data(), kPassphraseHeaderBytes, nullptr,
      out.data() + 18 + kSaltBytes, key.data());
  sodium_memzero(key.data(), key.size());
  return out;
}

Result<PassphraseCost> PeekPassphraseCost(ByteView sealed) {
  COVEN_ASSIGN_OR_RETURN(const Header header, ParseHeader(sealed));
  return header.cost;
}

Result<Bytes> OpenWithPassphrase(ByteView sealed, std::string_view passphrase) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  COVEN_ASSIGN_OR_RETURN(const Header header, ParseHeader(sealed));
  std::array<std::uint8_t, kKeyBytes> key{};
  COVEN_RETURN_IF_ERROR(DeriveKey(passphrase, header.salt, header.cost, &key));
  const std::size_t cipher_size = sealed.size() - kPassphraseHeaderBytes;
  Bytes secret(cipher_size - kPassphraseTagBytes);
  unsigned long long written = 0;
  const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      secret.data(), &written, nullptr, sealed.data() + kPassphraseHeaderBytes,
      cipher_size, sealed.data(), kPassphraseHeaderBytes, header.nonce,
      key.data());
  sodium_memzero(key.data(), key.size());
  if (rc != 0) {
    sodium_memzero(secret.data(), secret.size());
    return PermissionDeniedError(
        "wrong passphrase (or the sealed secret was modified); check the "
        "passphrase and try again");
  }
  return secret;
}

}  // namespace coven::keys
