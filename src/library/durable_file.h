// Small files of a library directory (library.json, keys/custody), written
// so that a crash leaves the old or the new content, never a torn or lost
// file.
#ifndef COVEN_LIBRARY_DURABLE_FILE_H_
#define COVEN_LIBRARY_DURABLE_FILE_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "coven/status.h"

namespace coven::library {

/// Replaces `path` with `text` (written to a temporary, fsynced, renamed into
/// place, the directory fsynced) with file mode `mode`. kPermissionDenied
/// naming the path, the failed step and what to check.
Status WriteFileDurably(const std::string& path, std::string_view text,
                        mode_t mode);

}  // namespace coven::library

#endif  // COVEN_LIBRARY_DURABLE_FILE_H_
