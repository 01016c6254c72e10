// Invite and restore codes (docs/format/codes.md §5): what they carry and
// how they are packed. An invite code names the library, its home and its
// genesis entry; it carries no secret. A restore code adds the member's
// seed, in clear or sealed with a passphrase (Argon2id).
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
};

/// "CVI1-...": a LibraryLocation.
std::string EncodeInviteCode(const LibraryLocation& location);
/// Parses an invite code. Errors (kInvalidArgument) name the problem: a
/// mistyped character (checksum), a restore code given instead, a field
/// missing.
Result<LibraryLocation> DecodeInviteCode(std::string_view text);

/// "CVR1-...": a LibraryLocation and the member seed; sealed with
/// `passphrase` (Argon2id) when it is not empty.
Result<std::string> EncodeRestoreCode(const LibraryLocation& location,
                                      const std::array<std::uint8_t, 32>& seed,
                                      const std::string& passphrase,
                                      Entropy& entropy);

struct RestoreContents {
  LibraryLocation location;
  std::array<std::uint8_t, 32> seed{};
};
/// Parses a restore code; kPermissionDenied for a wrong passphrase,
/// kFailedPrecondition when the code needs a passphrase and none was given.
Result<RestoreContents> DecodeRestoreCode(std::string_view text,
                                          const std::string& passphrase);

}  // namespace coven::library

#endif  // COVEN_LIBRARY_LIBRARY_CODES_H_
