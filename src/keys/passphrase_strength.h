// Passphrase strength: whether a passphrase may protect a secret that
// leaves this device (a restore code), checked with libpwquality.
//
// Thread safety: a pure function.
#ifndef COVEN_KEYS_PASSPHRASE_STRENGTH_H_
#define COVEN_KEYS_PASSPHRASE_STRENGTH_H_

#include <cstddef>
#include <string_view>

#include "coven/status.h"

namespace coven::keys {

/// Shortest passphrase accepted.
inline constexpr std::size_t kMinPassphraseLength = 12;
/// Lowest libpwquality score (0..100) accepted.
inline constexpr int kMinPassphraseScore = 50;

/// OK when `passphrase` is at least kMinPassphraseLength characters, passes
/// libpwquality's checks (dictionary words, palindromes, systematic
/// sequences, ...) and scores at least kMinPassphraseScore. kInvalidArgument
/// saying why not, and what to do.
/// When the system has no cracklib dictionary (Debian's cracklib-runtime
/// is not installed), the dictionary check is skipped and the others still
/// apply, rather than refusing every passphrase.
Status CheckPassphraseStrength(std::string_view passphrase);
/// The same with cracklib's dictionary at `dictionary_path` (tests).
Status CheckPassphraseStrength(std::string_view passphrase,
                               const char* dictionary_path);

}  // namespace coven::keys

#endif  // COVEN_KEYS_PASSPHRASE_STRENGTH_H_
