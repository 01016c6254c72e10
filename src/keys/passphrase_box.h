// Passphrase sealing: a secret encrypted under a key derived from a
// passphrase with Argon2id, in a self-describing versioned blob.
//
// Blob layout (all integers big-endian; docs/format/key-custody.md):
//   "CVPW" | u8 version = 1 | u8 alg = 1 (Argon2id13 + XChaCha20-Poly1305)
//   | u32 opslimit | u64 memlimit | 16-byte salt | 24-byte nonce
//   | ciphertext (secret + 16-byte tag), AAD = the 58-byte header.
// Opening checks the cost fields against kMaxOpslimit/kMaxMemlimit before
// running Argon2, so a hostile blob cannot make the reader allocate
// gigabytes or spin for minutes.
//
// Thread safety: pure functions apart from `entropy`, which must be safe for
// the caller's use (SystemEntropy and SeededEntropy are).
#ifndef COVEN_KEYS_PASSPHRASE_BOX_H_
#define COVEN_KEYS_PASSPHRASE_BOX_H_

#include <cstddef>
#include <string_view>

#include "coven/bytes.h"
#include "coven/entropy.h"
#include "coven/passphrase_cost.h"
#include "coven/status.h"

namespace coven::keys {

inline constexpr std::size_t kPassphraseHeaderBytes = 58;
inline constexpr std::size_t kPassphraseTagBytes = 16;
inline constexpr unsigned long long kMaxOpslimit = 64;
inline constexpr std::size_t kMaxMemlimit = std::size_t{1} << 30;  // 1 GiB.
/// Largest secret SealWithPassphrase accepts.
inline constexpr std::size_t kMaxSealedSecretBytes = 1 << 20;

/// `cost`, or PassphraseCost::ForTests() in builds configured with
/// -DCOVEN_TEST_FAST_KDF=ON (tests only) while the COVEN_TEST_FAST_KDF
/// environment variable is set. Release builds ignore the variable.
PassphraseCost CostOrTestFast(const PassphraseCost& cost);

/// OK when `cost` is within [libsodium minimums, kMax*]; kInvalidArgument
/// naming the field otherwise.
Status ValidatePassphraseCost(const PassphraseCost& cost);

/// Seals `secret` under `passphrase`. Draws the salt then the nonce from
/// `entropy`, so the output is deterministic given the entropy stream.
/// kInvalidArgument for an empty passphrase, a secret larger than
/// kMaxSealedSecretBytes or an out-of-bounds cost; kResourceExhausted when
/// Argon2 cannot get its memory.
Result<Bytes> SealWithPassphrase(ByteView secret, std::string_view passphrase,
                                 const PassphraseCost& cost, Entropy& entropy);

/// Opens a blob made by SealWithPassphrase. kDataLoss for a truncated blob
/// or a damaged header (bad magic, unknown version or algorithm);
/// kInvalidArgument for cost fields outside the bounds (checked before
/// Argon2 runs); kPermissionDenied "wrong passphrase" when authentication
/// fails (a wrong passphrase or a modified blob; they cannot be told apart);
/// kResourceExhausted when Argon2 cannot get its memory.
Result<Bytes> OpenWithPassphrase(ByteView sealed, std::string_view passphrase);

/// The cost recorded in a blob's header, after the same header checks as
/// OpenWithPassphrase but without running Argon2.
Result<PassphraseCost> PeekPassphraseCost(ByteView sealed);

}  // namespace coven::keys

#endif  // COVEN_KEYS_PASSPHRASE_BOX_H_
