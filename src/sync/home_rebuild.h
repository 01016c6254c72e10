// Rebuilding a library's home that was really lost (deleted, or replaced by
// a new empty bucket), from a device that synced before: `coven
// rebuild-home` (docs/format/home-repair.md §6). The marker is written
// here; the round that follows puts back the member log, this device's
// objects and the current key's wraps, as any audit does.
//
// Thread safety: as the Home it is given.
#ifndef COVEN_SRC_SYNC_HOME_REBUILD_H_
#define COVEN_SRC_SYNC_HOME_REBUILD_H_

#include <string_view>

#include "coven/home.h"
#include "coven/status.h"

namespace coven::sync {

/// Whether `home` may be rebuilt as library `library_id`'s home, and, with
/// `write`, writes its marker. Returns true when the home is empty and the
/// marker was written (or, without `write`, would be); false when the
/// marker is already there (nothing to do: a sync puts back what the home
/// lost). kFailedPrecondition, saying what and what to do, for a folder
/// that does not exist (it is not created: it may be an unmounted drive's
/// mount point) and for a home that holds anything, this library's data
/// without a marker included (maybe a stale copy at a mount point); the
/// home's own errors. A network home's path that does not exist reads as
/// empty and is created by the first write (it is the library's own URL).
/// Not for hub homes (the caller refuses them before any call).
Result<bool> MarkLostHome(home::Home& home, std::string_view library_id,
                          bool write);

}  // namespace coven::sync

#endif  // COVEN_SRC_SYNC_HOME_REBUILD_H_
