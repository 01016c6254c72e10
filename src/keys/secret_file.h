// One secret per file: the container format and its atomic, permission-
// checked file I/O, shared by the file and passphrase SecretStores.
//
// Container (docs/format/key-custody.md): "CVSF" | u8 version = 1 |
// u8 sealing (0 plain, 1 passphrase CVPW blob) | u32 big-endian content
// length | content | 16-byte check = BLAKE2b-256("coven/secret-file/v1",
// everything before)[0..16]. The check turns any damage into kDataLoss, so
// a damaged passphrase file is not mistaken for a wrong passphrase.
//
// Thread safety: stateless functions; safe across threads and processes.
#ifndef COVEN_KEYS_SECRET_FILE_H_
#define COVEN_KEYS_SECRET_FILE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::keys {

enum class SecretSealing : std::uint8_t { kPlain = 0, kPassphrase = 1 };

struct SecretFileContent {
  SecretSealing sealing = SecretSealing::kPlain;
  Bytes content;
};

/// Largest file ReadSecretFile accepts.
inline constexpr std::size_t kMaxSecretFileBytes = 128 * 1024;

/// The container bytes for `content`.
Bytes EncodeSecretFile(SecretSealing sealing, ByteView content);

/// Parses a container read from `path` (named in errors). kDataLoss if it is
/// truncated, has trailing bytes, a bad magic, version, sealing or check.
Result<SecretFileContent> DecodeSecretFile(ByteView file,
                                           const std::string& path);

/// Creates `dir` (and parents) with mode 0700 if missing. kPermissionDenied
/// if it cannot, if it is not a directory, or if group/other can access it.
Status EnsureSecretDir(const std::string& dir);

/// Checks an existing `dir` as EnsureSecretDir does; OK if it is missing.
Status CheckSecretDir(const std::string& dir);

/// The bytes of `path`; nullopt if it does not exist. kPermissionDenied if
/// it is a symlink (O_NOFOLLOW), owned by another user than geteuid(), or
/// group/other can read it (naming the chmod fix);
/// kDataLoss if it is not a regular file or is larger than
/// kMaxSecretFileBytes.
Result<std::optional<Bytes>> ReadSecretFile(const std::string& path);

/// Atomically creates `path` (mode 0600) holding `bytes`: writes and fsyncs
/// a temporary file in the same directory, then link()s it into place, so
/// readers never see a partial file and a concurrent creator cannot be
/// overwritten. kAlreadyExists if `path` exists.
Status CreateSecretFile(const std::string& path, ByteView bytes);

/// Unlinks `path` and fsyncs its directory. OK if it does not exist.
Status RemoveSecretFile(const std::string& path);

}  // namespace coven::keys

#endif  // COVEN_KEYS_SECRET_FILE_H_
