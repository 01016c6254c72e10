// Small secret files: created once with mode 0600, refused when others can
// read them, when they are symbolic links or when another user owns them.
#ifndef COVEN_KEYS_KEY_FILE_H_
#define COVEN_KEYS_KEY_FILE_H_

#include <optional>
#include <string>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::keys {

/// Reads a hex key file of `size` bytes. nullopt if the file does not exist.
/// kPermissionDenied if it is a symbolic link (opened with O_NOFOLLOW), not
/// a regular file, owned by another user than geteuid(), or group/other can
/// read it; kDataLoss if it is damaged.
Result<std::optional<Bytes>> ReadKeyFile(const std::string& path,
                                         std::size_t size);

/// Creates `path` (mode 0600, fsynced, parent directory created with 0700)
/// holding `key` as hex, unless it exists: then kAlreadyExists.
Status CreateKeyFile(const std::string& path, ByteView key);

}  // namespace coven::keys

#endif  // COVEN_KEYS_KEY_FILE_H_
