// The library id of a start (`coven init`, `todos init`) that has not
// finished: written to the library directory before the home is made, so
// that a start killed between making the home and writing library.json is
// retried with the same id, and finds the home it made as its own.
#ifndef COVEN_LIBRARY_PENDING_START_H_
#define COVEN_LIBRARY_PENDING_START_H_

#include <optional>
#include <string>

#include "coven/status.h"

namespace coven::library {

/// The id `dir` records for an unfinished start; nullopt when there is none.
/// kFailedPrecondition naming the file when it is unreadable or damaged.
Result<std::optional<std::string>> ReadPendingStart(const std::string& dir);

/// Records `library_id` (32 hex digits) durably in `dir`, which must exist.
/// kPermissionDenied naming the file when it cannot be written.
Status WritePendingStart(const std::string& dir, const std::string& library_id);

/// Removes the record once library.json is written. Never fails: a record
/// left behind beside library.json is ignored.
void ClearPendingStart(const std::string& dir);

}  // namespace coven::library

#endif  // COVEN_LIBRARY_PENDING_START_H_
