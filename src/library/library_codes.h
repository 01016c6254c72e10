// Invite and restore codes (docs/format/codes.md §5): what they carry and
// how they are packed. An invite code names the library, its home and its
// genesis entry; it carries no secret. A restore code adds the member's
// seed, sealed either with a generated 128-bit recovery secret (printed once,
// apart from the code, as "CVK1-...") or with a passphrase that passed
// CheckPassphraseStrength (Argon2id at MODERATE cost). Codes that carry the
// seed in clear are no longer made; old ones are still read.
//
// Thread safety: pure functions.
#ifndef COVEN_LIBRARY_LIBRARY_CODES_H_
#define COVEN_LIBRARY_LIBRARY_CODES_H_

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "coven/bytes.h"
#include "coven/entropy.h"
#include "coven/passphrase_cost.h"
#include "coven/status.h"
#include "crypto/crypto.h"

namespace coven::library {

/// Where and what a library is, as a code tells another device.
struct LibraryLocation {
  std::string library_id;     ///< 32 hex digits.
  crypto::Hash256 genesis{};  ///< Hash of member-log slot 1.
  std::string provider;       ///< "local", "s3", ... (config CloudProvider).
  std::string container;      ///< Folder, bucket or remote path.
  std::string account;        ///< Account e-mail, may be empty.
  std::vector<std::string> tables;
  /// False: the member reads only what is written after it joined (a
  /// future-only invite); objects sealed with older keys are passed over.
  bool history_before_join = true;
};

/// "CVI1-...": a LibraryLocation.
std::string EncodeInviteCode(const LibraryLocation& location);
/// Parses an invite code. Errors (kInvalidArgument) name the problem: a
/// mistyped character (checksum), a restore code given instead, a field
/// missing.
Result<LibraryLocation> DecodeInviteCode(std::string_view text);

/// A restore code and, when it is sealed with one, its recovery secret.
struct RestoreCodeText {
  std::string code;             ///< "CVR1-...": holds nothing usable alone.
  std::string recovery_secret;  ///< "CVK1-..."; empty for a passphrase code.
};

/// "CVR1-...": a LibraryLocation and the member seed. With an empty
/// `passphrase` the seed is sealed with a fresh 128-bit recovery secret
/// drawn from `entropy` and returned beside the code; otherwise with
/// `passphrase` (Argon2id, RestoreCodeCost()), which must pass
/// CheckPassphraseStrength (kInvalidArgument saying why not).
Result<RestoreCodeText> EncodeRestoreCode(
    const LibraryLocation& location, const std::array<std::uint8_t, 32>& seed,
    const std::string& passphrase, Entropy& entropy);

/// The Argon2id cost of new passphrase-protected restore codes: libsodium's
/// MODERATE. Builds configured with -DCOVEN_TEST_FAST_KDF=ON (tests only,
/// off by default) use the minimum cost when the COVEN_TEST_FAST_KDF
/// environment variable is set; other builds ignore that variable.
keys::PassphraseCost RestoreCodeCost();

struct RestoreContents {
  LibraryLocation location;
  std::array<std::uint8_t, 32> seed{};
};
/// Parses a restore code. `secret` is the recovery secret ("CVK1-...") for
/// a code sealed with one, or the passphrase for a passphrase code.
/// kPermissionDenied for a wrong passphrase or a recovery secret that is not
/// this code's; kFailedPrecondition when `secret` is empty and the code
/// needs one; kInvalidArgument for a mistyped recovery secret.
Result<RestoreContents> DecodeRestoreCode(std::string_view text,
                                          const std::string& secret);

}  // namespace coven::library

#endif  // COVEN_LIBRARY_LIBRARY_CODES_H_
