// Membership: the member-log put-back. A home restored from an older copy
// lost member-log entries this device verified; they are created again from
// the verified bytes in _coven_members (docs/format/hub.md).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/sql.h"
#include "home/home_layout.h"
#include "home/read_limits.h"
#include "members/membership.h"

namespace coven::members {

namespace {

// A record that the home had rolled the member log back and this device put
// the lost entries back; shown until `coven status --acknowledge`.
constexpr std::string_view kRollbackRecordKey = "member_rollback_alarm";

}  // namespace

// The slot number of "members/<16 hex>", or nullopt for another path.
std::optional<std::uint64_t> Membership::SlotOf(const std::string& path) {
  Bytes raw;
  if (path.size() != 24 || !HexDecode(path.substr(8), &raw)) {
    return std::nullopt;
  }
  std::uint64_t seq = 0;
  for (std::uint8_t b : raw) seq = seq << 8 | b;
  return seq;
}

Result<bool> Membership::PutBackLost(RefreshReport* report) {
  const std::uint64_t known = log_.size();
  // The whole log up to what this device verified: the home may have lost
  // more than the newest entry (an older backup), or hold a hole.
  ++report->requests;
  Result<home::ListPage> listed =
      home::ListUpTo(*home_, std::string(home::layout::kMembersPrefix), "",
                     static_cast<std::size_t>(known));
  if (!listed.ok()) {
    report->problems.push_back(
        "listing the member log to put back the entries the home lost: " +
        listed.status().ToString());
    return false;
  }
  std::vector<bool> present(known + 1, false);
  for (const home::ObjectInfo& info : listed->objects) {
    std::optional<std::uint64_t> seq = SlotOf(info.path);
    if (seq && *seq >= 1 && *seq <= known) present[*seq] = true;
  }
  // The caller read it and got kNotFound, whatever a listing says.
  present[known] = false;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t count = 0;
  for (std::uint64_t seq = 1; seq <= known; ++seq) {
    if (present[seq]) continue;
    const std::string path = MemberEntryPath(seq);
    COVEN_ASSIGN_OR_RETURN(Bytes bytes, CachedSlot(seq));
    ++report->requests;
    Status put = home_->Create(path, bytes);
    if (put.code() == StatusCode::kAlreadyExists) {
      // Another device put it back first, or the listing lags: fine if it
      // holds the entry this device verified.
      ++report->requests;
      Result<Bytes> there = home_->Get(
          path, std::max<std::uint64_t>(kMaxEntryBytes, bytes.size()));
      if (there.ok() && EntryHash(*there) == SlotHash(seq)) continue;
      if (there.ok() ||
          there.status().code() == StatusCode::kResourceExhausted) {
        COVEN_RETURN_IF_ERROR(
            NoteHistoryFork(path +
                            " holds a different entry than the one this device "
                            "verified"));
        return false;
      }
      put = there.status();
    }
    if (!put.ok()) {
      // Tried again next round.
      report->problems.push_back("putting back " + path +
                                 ", which the home lost: " + put.ToString());
      return false;
    }
    if (first == 0) first = seq;
    last = seq;
    ++count;
  }
  if (count == 0) return true;
  const std::string range = std::to_string(first) + ".." + std::to_string(last);
  report->problems.push_back(
      "put back member-log entries " + range + " the home had lost" +
      (count == last - first + 1
           ? std::string()
           : " (" + std::to_string(count) + " entries in that range)"));
  std::string record =
      "the home " + home_->Describe() +
      " rolled the member log back: this device had verified " +
      std::to_string(known) + " entries, and entries " + range +
      " were gone (a restore from an older copy, or someone hiding a "
      "change to the members). This device put them back. Check who can "
      "write to the home; `coven status --acknowledge` clears this record";
  report->alarms.push_back(record);
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_RETURN_IF_ERROR(
      db::SetState(db_->raw_write_handle(), kRollbackRecordKey, record));
  return true;
}

Result<Bytes> Membership::CachedSlot(std::uint64_t seq) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(db_->raw_write_handle(),
                        "SELECT bytes FROM _coven_members WHERE seq = ?"));
  stmt.Bind(1, static_cast<std::int64_t>(seq));
  COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) {
    return DataLossError("member-log slot " + std::to_string(seq) +
                         " is not in _coven_members");
  }
  return stmt.ColumnBlob(0);
}

}  // namespace coven::members
