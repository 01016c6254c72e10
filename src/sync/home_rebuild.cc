// Writes the marker into a lost home that is to be rebuilt.
#include "sync/home_rebuild.h"

#include <string>

#include "sync/home_marker.h"

namespace coven::sync {

using Kind = HomeInspection::Kind;

Result<bool> MarkLostHome(home::Home& home, std::string_view library_id,
                          bool write) {
  const std::string where = "the " + home.Describe();
  COVEN_ASSIGN_OR_RETURN(HomeInspection found, InspectHome(home, library_id));
  switch (found.kind) {
    case Kind::kOurs:
      return false;
    case Kind::kEmpty:
      break;
    case Kind::kUnmarkedOurs: {
      const Bytes marker = HomeMarkerBytes(library_id);
      std::string text(AsString(marker));
      while (!text.empty() && text.back() == '\n') text.pop_back();
      return FailedPreconditionError(
          where +
          " holds this library's data but no marker: it is not empty, so it "
          "is not rebuilt. If it is a copy left at the mount point of a "
          "drive or share that is not mounted, mount it. If it is the real "
          "home, put its marker back: a file " +
          std::string(kHomeMarkerPath) + " at its root holding " + text);
    }
    case Kind::kMissing:
      return FailedPreconditionError(
          where +
          " does not exist. It is not created here: if it is on a drive or "
          "network share, mount it first (an unmounted drive's mount point "
          "must stay empty). If the home is really gone, create the empty "
          "folder yourself and run this again");
    case Kind::kForeign:
      return FailedPreconditionError(
          where +
          " holds files that are not this library's: a home is rebuilt only "
          "into an empty folder or bucket. Check the home path, or empty it");
    case Kind::kOtherLibrary:
    case Kind::kUnmarkedOther:
      return FailedPreconditionError(
          where + " holds another library" +
          (found.other_library.empty() ? " (" + found.detail + ")"
                                       : " (" + found.other_library + ")") +
          ": it is not rebuilt. Check the home path");
    case Kind::kDamagedMarker:
      return FailedPreconditionError(
          where + " has a damaged marker (" + found.detail +
          "): look at it before anything is rebuilt; remove it if the home "
          "is this library's, then run this again");
  }
  if (!write) return true;
  Status wrote = home.Create(kHomeMarkerPath, HomeMarkerBytes(library_id));
  // Another device that rebuilds at the same time writes the same bytes.
  if (!wrote.ok() && wrote.code() != StatusCode::kAlreadyExists) return wrote;
  COVEN_ASSIGN_OR_RETURN(HomeInspection now, InspectHome(home, library_id));
  if (now.kind != Kind::kOurs) {
    return FailedPreconditionError(
        where +
        " changed while its marker was written; look at it and run "
        "this again");
  }
  return true;
}

}  // namespace coven::sync
