// A start (`coven init`, `todos init`) that has not finished: its library
// id and home, written to the library directory before the home is made,
// so that a start killed between making the home and writing library.json
// is retried with the same id, and finds the home it made as its own.
#ifndef COVEN_LIBRARY_PENDING_START_H_
#define COVEN_LIBRARY_PENDING_START_H_

#include <optional>
#include <string>

#include "coven/entropy.h"
#include "coven/status.h"

namespace coven::library {

struct PendingStart {
  std::string library_id;  ///< 32 hex digits.
  std::string home;        ///< As library.json will hold it.
};

/// The unfinished start `dir` records; nullopt when there is none.
/// kFailedPrecondition naming the file and what to do when it is
/// unreadable or damaged.
Result<std::optional<PendingStart>> ReadPendingStart(const std::string& dir);

/// The id of a new library started in `dir` at `home` (as library.json
/// will hold it): the recorded id when an unfinished start there was at the
/// same home, so the retry finds the home it made (whose marker names that
/// id) as its own; otherwise a new random id. Errors: ReadPendingStart's.
Result<std::string> LibraryIdForStart(const std::string& dir,
                                      const std::string& home,
                                      Entropy& entropy);

/// Records `start` durably in `dir`, which must exist. kPermissionDenied
/// naming the file when it cannot be written.
Status WritePendingStart(const std::string& dir, const PendingStart& start);

/// Removes the record once library.json is written (by a start, a join or
/// a restore): with library.json in place no start reads it again. Never
/// fails: a record left beside library.json is ignored.
void ClearPendingStart(const std::string& dir);

}  // namespace coven::library

#endif  // COVEN_LIBRARY_PENDING_START_H_
