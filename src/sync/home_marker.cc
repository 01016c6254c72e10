#include "sync/home_marker.h"

#include <cerrno>
#include <nlohmann/json.hpp>

#include "coven/folder_home.h"
#include "home/home_layout.h"
#include "home/read_limits.h"
#include "members/member_entry.h"

namespace coven::sync {
namespace {

using Kind = HomeInspection::Kind;

constexpr std::string_view kKept =
    " Nothing was synced; this device's changes are kept and sync once the "
    "home is back.";

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// "the home folder /x" or "the s3 home ...".
std::string Where(home::Home& home) {
  if (auto* folder = dynamic_cast<home::FolderHome*>(&home)) {
    return "the home folder " + folder->root();
  }
  return "the " + home.Describe();
}

std::string MarkerText(std::string_view library_id) {
  return "{\"coven_library\": 1, \"library_id\": \"" + std::string(library_id) +
         "\"}";
}

// Parses marker bytes into the library id they name.
Result<std::string> ParseMarker(ByteView bytes) {
  nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgumentError("not a JSON object");
  }
  auto id = j.find("library_id");
  if (id == j.end() || !id->is_string()) {
    return InvalidArgumentError("no \"library_id\"");
  }
  const std::string text = Lower(id->get<std::string>());
  Bytes raw;
  if (!HexDecode(text, &raw) || raw.size() != 16) {
    return InvalidArgumentError("\"library_id\" is not 32 hex digits");
  }
  return text;
}

// True if `prefix` lists at least one object.
Result<bool> HoldsAny(home::Home& home, std::string_view prefix) {
  COVEN_ASSIGN_OR_RETURN(home::ListPage page, home.List(prefix, "", 1));
  return !page.objects.empty();
}

bool FolderRootMissing(home::Home& home) {
  auto* folder = dynamic_cast<home::FolderHome*>(&home);
  if (folder == nullptr) return false;
  struct stat st;
  return ::stat(folder->root().c_str(), &st) != 0 && errno == ENOENT;
}

// Why `found` is not this library's home, for a device that uses it.
Status Refusal(home::Home& home, const HomeInspection& found,
               std::string_view library_id, std::string_view suffix) {
  const std::string where = Where(home);
  const std::string marker(kHomeMarkerPath);
  const bool folder = dynamic_cast<home::FolderHome*>(&home) != nullptr;
  const std::string mount =
      folder ? "Is the drive or network share that holds it mounted? Mount "
               "it, or check the home path."
             : "Check the home URL (bucket, prefix, path).";
  const std::string put_back =
      "If this is the library's real home, put the "
      "marker back: a file " +
      marker + " at the home's root holding " + MarkerText(library_id) + ".";
  std::string message;
  switch (found.kind) {
    case Kind::kOurs:
      return Status::Ok();
    case Kind::kMissing:
      message = where +
                " is missing. If it is on a drive or network share, mount it; "
                "otherwise check the home path. A home is made only when a "
                "library starts, so it is not recreated here.";
      break;
    case Kind::kEmpty:
      message = where + " is empty: it has no " + marker +
                " (the marker of this library's home) and no library data. " +
                mount +
                " If the home was really lost (deleted, or a new empty folder "
                "or bucket), rebuild it from a device that synced before: "
                "`coven rebuild-home` (for a hub, on the device that founded "
                "the library, or restore the hub's store from a backup).";
      break;
    case Kind::kForeign:
      message = where + " is not this library's home: it has no " + marker +
                " marker and no library data. " + mount;
      break;
    case Kind::kOtherLibrary:
      message = where + " belongs to another library: its " + marker +
                " names library " + found.other_library +
                ", and this is library " + std::string(library_id) + ". " +
                mount;
      break;
    case Kind::kUnmarkedOther:
      message =
          where + " holds another library's data (" +
          (found.other_library.empty() ? found.detail
                                       : "library " + found.other_library) +
          ") and no " + marker + " marker; this is library " +
          std::string(library_id) + ". " + mount;
      break;
    case Kind::kUnmarkedOurs:
      message = where + " has lost its marker " + marker +
                ", which this device found there before. " +
                (folder ? "If the drive or share that holds the home is not "
                          "mounted, this may be a copy left at its mount "
                          "point: mount it. "
                        : "") +
                put_back;
      break;
    case Kind::kDamagedMarker:
      message = where + " has a damaged " + marker + " (" + found.detail +
                "). " + put_back + " Otherwise check the home path.";
      break;
  }
  return UnavailableError(message + std::string(suffix));
}

}  // namespace

Bytes HomeMarkerBytes(std::string_view library_id) {
  const std::string text = MarkerText(Lower(std::string(library_id))) + "\n";
  return Bytes(text.begin(), text.end());
}

Result<HomeInspection> InspectHome(home::Home& home,
                                   std::string_view library_id) {
  HomeInspection out;
  if (FolderRootMissing(home)) {
    out.kind = Kind::kMissing;
    return out;
  }
  const std::string ours = Lower(std::string(library_id));
  Result<Bytes> marker = home.Get(kHomeMarkerPath, home::kMaxHomeMarkerBytes);
  if (marker.status().code() == StatusCode::kResourceExhausted) {
    out.kind = Kind::kDamagedMarker;
    out.detail = "it is over " + std::to_string(home::kMaxHomeMarkerBytes) +
                 " bytes, not a marker coven wrote";
    return out;
  }
  if (marker.ok()) {
    Result<std::string> named = ParseMarker(*marker);
    if (!named.ok()) {
      out.kind = Kind::kDamagedMarker;
      out.detail = named.status().message();
    } else if (*named == ours) {
      out.kind = Kind::kOurs;
    } else {
      out.kind = Kind::kOtherLibrary;
      out.other_library = *named;
    }
    return out;
  }
  if (marker.status().code() != StatusCode::kNotFound) {
    if (FolderRootMissing(home)) {
      out.kind = Kind::kMissing;
      return out;
    }
    return marker.status();
  }
  // No marker. The member log says whose data the home holds, if any.
  COVEN_ASSIGN_OR_RETURN(home::ListPage members,
                         home.List(home::layout::kMembersPrefix, "", 1));
  if (!members.objects.empty()) {
    out.kind = Kind::kUnmarkedOther;
    Result<Bytes> first =
        home.Get(members.objects.front().path, members::kMaxEntryBytes);
    if (first.status().code() == StatusCode::kResourceExhausted) {
      out.detail = "an unreadable member log";
      return out;
    }
    if (!first.ok()) return first.status();
    Result<members::MemberEntry> entry = members::ParseEntry(*first);
    if (!entry.ok()) {
      out.detail = "an unreadable member log";
      return out;
    }
    const std::string id = HexEncode(entry->library_id);
    if (id == ours) {
      out.kind = Kind::kUnmarkedOurs;
    } else {
      out.other_library = id;
    }
    return out;
  }
  for (std::string_view prefix :
       {home::layout::kLogPrefix, home::layout::kHeadsPrefix}) {
    COVEN_ASSIGN_OR_RETURN(bool any, HoldsAny(home, prefix));
    if (any) {
      out.kind = Kind::kUnmarkedOther;
      out.detail = "sync objects without a member log";
      return out;
    }
  }
  COVEN_ASSIGN_OR_RETURN(bool anything, HoldsAny(home, ""));
  out.kind = anything ? Kind::kForeign : Kind::kEmpty;
  return out;
}

namespace {

// Why `found` cannot become the home of a new library; OK if it can (or is
// already this library's).
Status NewHomeRefusal(home::Home& home, const HomeInspection& found) {
  const std::string where = Where(home);
  const std::string marker(kHomeMarkerPath);
  switch (found.kind) {
    case Kind::kOurs:
    case Kind::kMissing:
    case Kind::kEmpty:
    case Kind::kForeign:
    case Kind::kUnmarkedOurs:
      return Status::Ok();
    case Kind::kOtherLibrary:
      return FailedPreconditionError(
          where + " is already the home of library " + found.other_library +
          " (its " + marker +
          " says so): to use that library on this device, join it with an "
          "invite or restore code; to start a new library, choose another "
          "home");
    case Kind::kUnmarkedOther:
      return FailedPreconditionError(
          where + " already holds another library's data (" +
          (found.other_library.empty() ? found.detail
                                       : "library " + found.other_library) +
          "): to start a new library, choose another home");
    case Kind::kDamagedMarker:
      return FailedPreconditionError(
          where + " has a " + marker + " that is not readable (" +
          found.detail +
          "): choose another home, or remove that file if the home is unused");
  }
  return Status::Ok();
}

}  // namespace

Status CheckNewHome(home::Home& home, std::string_view library_id) {
  COVEN_ASSIGN_OR_RETURN(HomeInspection found, InspectHome(home, library_id));
  return NewHomeRefusal(home, found);
}

Status MarkNewHome(home::Home& home, std::string_view library_id) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    COVEN_ASSIGN_OR_RETURN(HomeInspection found, InspectHome(home, library_id));
    if (found.kind == Kind::kOurs) return Status::Ok();
    if (found.kind == Kind::kMissing) {
      return UnavailableError(Where(home) +
                              " is missing and could not be created; check "
                              "the home path");
    }
    COVEN_RETURN_IF_ERROR(NewHomeRefusal(home, found));
    Status wrote = home.Create(kHomeMarkerPath, HomeMarkerBytes(library_id));
    if (wrote.code() != StatusCode::kAlreadyExists) return wrote;
    // Someone wrote a marker meanwhile: look again.
  }
  return UnavailableError(Where(home) + ": the marker " +
                          std::string(kHomeMarkerPath) +
                          " keeps changing; retry");
}

Status CheckJoinedHome(home::Home& home, std::string_view library_id) {
  constexpr std::string_view kNothing =
      " Nothing was set up; try again once the home is there.";
  COVEN_ASSIGN_OR_RETURN(HomeInspection found, InspectHome(home, library_id));
  if (found.kind == Kind::kUnmarkedOurs) {
    // A home made before markers existed.
    Status wrote = home.Create(kHomeMarkerPath, HomeMarkerBytes(library_id));
    if (!wrote.ok() && wrote.code() != StatusCode::kAlreadyExists) {
      return wrote;
    }
    COVEN_ASSIGN_OR_RETURN(found, InspectHome(home, library_id));
  }
  return Refusal(home, found, library_id, kNothing);
}

HomeGuard::HomeGuard(home::HomeRef inner, Options options)
    : inner_(std::move(inner)),
      options_(std::move(options)),
      folder_root_([&]() -> std::string {
        auto* folder = dynamic_cast<home::FolderHome*>(inner_.get());
        return folder ? folder->root() : std::string();
      }()),
      seen_(options_.seen_before) {}

std::shared_ptr<HomeGuard> HomeGuard::Wrap(home::HomeRef inner,
                                           Options options) {
  return std::shared_ptr<HomeGuard>(
      new HomeGuard(std::move(inner), std::move(options)));
}

bool HomeGuard::StatMarker(struct stat* st) const {
  const std::string path = folder_root_ + "/" + std::string(kHomeMarkerPath);
  return ::stat(path.c_str(), st) == 0;
}

Status HomeGuard::Verify() {
  COVEN_ASSIGN_OR_RETURN(HomeInspection found,
                         InspectHome(*inner_, options_.library_id));
  if (found.kind == Kind::kUnmarkedOurs && !seen_) {
    // A home made by a coven without markers: it gets one now.
    Status wrote =
        inner_->Create(kHomeMarkerPath, HomeMarkerBytes(options_.library_id));
    if (!wrote.ok() && wrote.code() != StatusCode::kAlreadyExists) {
      return wrote;
    }
    COVEN_ASSIGN_OR_RETURN(found, InspectHome(*inner_, options_.library_id));
  }
  if (found.kind != Kind::kOurs) {
    return Refusal(*inner_, found, options_.library_id, kKept);
  }
  if (!folder_root_.empty() && !StatMarker(&marker_stat_)) {
    marker_stat_ = {};  // Gone meanwhile: the next call checks again.
  }
  verified_ = true;
  if (!seen_) {
    seen_ = true;
    report_seen_ = true;
  }
  return Status::Ok();
}

Status HomeGuard::Check() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (verified_) {
    if (folder_root_.empty()) return Status::Ok();
    struct stat st;
    if (StatMarker(&st) && st.st_dev == marker_stat_.st_dev &&
        st.st_ino == marker_stat_.st_ino &&
        st.st_size == marker_stat_.st_size &&
        st.st_mtim.tv_sec == marker_stat_.st_mtim.tv_sec &&
        st.st_mtim.tv_nsec == marker_stat_.st_mtim.tv_nsec) {
      return Status::Ok();
    }
    verified_ = false;
  }
  return Verify();
}

bool HomeGuard::TakeFirstSeen() {
  std::lock_guard<std::mutex> lock(mutex_);
  const bool out = report_seen_;
  report_seen_ = false;
  return out;
}

Status HomeGuard::Create(std::string_view path, ByteView data) {
  COVEN_RETURN_IF_ERROR(Check());
  return inner_->Create(path, data);
}

Status HomeGuard::Replace(std::string_view path, ByteView data) {
  COVEN_RETURN_IF_ERROR(Check());
  return inner_->Replace(path, data);
}

Result<Bytes> HomeGuard::Get(std::string_view path, std::uint64_t max_bytes) {
  COVEN_RETURN_IF_ERROR(Check());
  return inner_->Get(path, max_bytes);
}

Result<Bytes> HomeGuard::GetRange(std::string_view path, std::uint64_t offset,
                                  std::uint64_t length) {
  COVEN_RETURN_IF_ERROR(Check());
  return inner_->GetRange(path, offset, length);
}

Result<home::ListPage> HomeGuard::List(std::string_view prefix,
                                       std::string_view start_after,
                                       std::size_t max_keys) {
  COVEN_RETURN_IF_ERROR(Check());
  return inner_->List(prefix, start_after, max_keys);
}

Status HomeGuard::Delete(std::string_view path) {
  COVEN_RETURN_IF_ERROR(Check());
  return inner_->Delete(path);
}

}  // namespace coven::sync
