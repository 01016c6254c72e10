// Membership: slots that do not verify. coven never writes one, so such a
// slot blocks the log (nothing after it counts, nothing is published) until
// an Admin or Owner who has checked it appends a skip-slot entry naming it
// (docs/format/members.md §3).
#include <charconv>
#include <cstdint>
#include <system_error>

#include "db/sql.h"
#include "home/read_limits.h"
#include "members/membership.h"

namespace coven::members {

namespace {
constexpr std::string_view kBlockedKey = "member_blocked";
}  // namespace

Status Membership::LoadBlocked(sqlite3* conn) {
  COVEN_ASSIGN_OR_RETURN(auto text, db::GetState(conn, kBlockedKey));
  blocked_.reset();
  if (!text || text->empty()) return Status::Ok();
  // "<seq> <hash hex> <reason>"
  const auto space = text->find(' ');
  const auto second = text->find(' ', space + 1);
  Bytes hash;
  std::uint64_t seq = 0;
  auto seq_ok = [&] {
    const char* end = text->data() + space;
    const auto [ptr, ec] = std::from_chars(text->data(), end, seq);
    return ec == std::errc() && ptr == end;
  };
  if (space == std::string::npos || second == std::string::npos || !seq_ok() ||
      !HexDecode(text->substr(space + 1, second - space - 1), &hash) ||
      hash.size() != 32) {
    return Status::Ok();  // a damaged record is dropped like a missing one
  }
  Blocked blocked;
  blocked.seq = seq;
  std::copy(hash.begin(), hash.end(), blocked.hash.begin());
  blocked.reason = text->substr(second + 1);
  blocked_ = blocked;
  return Status::Ok();
}

Status Membership::SaveBlocked() {
  const std::string text = blocked_ ? std::to_string(blocked_->seq) + " " +
                                          HexEncode(blocked_->hash) + " " +
                                          blocked_->reason
                                    : "";
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  return db::SetState(db_->raw_write_handle(), kBlockedKey, text);
}

Result<bool> Membership::TakeSlot(std::uint64_t seq, const Bytes& bytes,
                                  RefreshReport* report) {
  const std::string path = MemberEntryPath(seq);
  if (seq == 1) {
    // The genesis names the library the log belongs to. A founding device
    // has no anchor to check it against, so the id is checked here, before
    // anything is stored.
    Result<MemberEntry> genesis = ParseEntry(bytes);
    if (genesis.ok() && genesis->type == EntryType::kGenesis &&
        genesis->library_id != options_.library_id) {
      return FailedPreconditionError(
          "the member log in " + home_->Describe() + " belongs to library " +
          HexEncode(genesis->library_id) + ", not this library " +
          HexEncode(options_.library_id) +
          ": the home holds another library (nothing was stored; point "
          "this library at its own home)");
    }
  }
  const SlotVerdict judged = log_.Judge(bytes);
  if (judged.status.ok() || log_.blocked_at()) {
    COVEN_ASSIGN_OR_RETURN(SlotVerdict verdict, AddSlot(bytes));
    if (!verdict.status.ok()) {
      report->problems.push_back("member-log entry " + path +
                                 " rejected: " + verdict.status.message());
    }
    return true;
  }
  if (judged.link_broken && ParseEntry(bytes).ok()) {
    COVEN_RETURN_IF_ERROR(
        SetAlarm("the member log in " + home_->Describe() +
                 " is forked: a validly signed entry at " + path +
                 " does not continue the log this device verified. Compare "
                 "`coven fingerprint` with other members"));
  }
  // Stored only with the skip-slot entry that lets the log go on.
  const std::string next_path = MemberEntryPath(seq + 1);
  ++report->requests;
  Result<Bytes> next = home_->Get(next_path, kMaxEntryBytes);
  if (next.ok()) {
    MemberLog trial = log_;
    trial.Append(bytes);
    if (trial.Judge(*next).status.ok()) {
      COVEN_RETURN_IF_ERROR(AddSlot(bytes).status());
      COVEN_RETURN_IF_ERROR(AddSlot(*next).status());
      report->problems.push_back(
          "member-log slot " + path + " does not verify (" +
          judged.status.message() + "); skipped by the entry after it");
      return true;
    }
  }
  blocked_ = Blocked{seq, judged.status.message(), EntryHash(bytes)};
  // An alarm, not a note: this device's writes wait until the slot is
  // restored or skipped (`coven sync` exits 5 on it).
  report->alarms.push_back(BlockedAlarm());
  return false;
}

std::string Membership::BlockedAlarm() const {
  std::uint64_t seq = 0;
  std::string reason;
  if (log_.blocked_at()) {
    seq = *log_.blocked_at();
    reason = log_.blocked_reason();
  } else if (blocked_) {
    seq = blocked_->seq;
    reason = blocked_->reason;
  } else {
    return "";
  }
  return "the member log in " + home_->Describe() + " is blocked at " +
         MemberEntryPath(seq) + ", which does not verify (" + reason +
         "). coven never writes such a slot: someone with access to the home "
         "did, or it was damaged. This device publishes nothing and waits "
         "for objects written after it until the slot is restored, or an "
         "Admin or Owner who has checked it runs `coven skip-slot " +
         std::to_string(seq) + " --dir <library>`";
}

Status Membership::SkipSlot(std::uint64_t seq) {
  if (!blocked_ || blocked_->seq != seq) {
    return FailedPreconditionError(
        "the member log is not blocked at slot " + std::to_string(seq) +
        (blocked_ ? "; it is blocked at " + std::to_string(blocked_->seq)
                  : "; it is whole") +
        ". `coven status` shows its state");
  }
  const std::string path = MemberEntryPath(seq);
  Result<Bytes> bad = home_->Get(path, kMaxEntryBytes);
  if (!bad.ok() || EntryHash(*bad) != blocked_->hash) {
    return AbortedError(path +
                        " changed since it was read; run `coven sync` "
                        "and look again before skipping it");
  }
  MemberEntry entry;
  entry.type = EntryType::kSkipSlot;
  entry.library_id = options_.library_id;
  entry.seq = seq + 1;
  entry.prev_hash = blocked_->hash;
  entry.time_ms = static_cast<std::uint64_t>(options_.clock->NowMillis());
  entry.signer = options_.device.public_key();
  entry.skipped_seq = seq;
  entry.skipped_hash = blocked_->hash;
  COVEN_ASSIGN_OR_RETURN(Bytes bytes, EncodeEntry(entry, options_.device));
  MemberLog trial = log_;
  trial.Append(*bad);
  if (Status allowed = trial.Judge(bytes).status; !allowed.ok()) {
    return PermissionDeniedError("refused: " + allowed.message());
  }
  Status created = home_->Create(MemberEntryPath(seq + 1), bytes);
  if (created.code() == StatusCode::kAlreadyExists) {
    return AbortedError("another entry was written after " + path +
                        " meanwhile; run `coven sync` and look again");
  }
  COVEN_RETURN_IF_ERROR(created.Annotate("writing the skip-slot entry"));
  COVEN_RETURN_IF_ERROR(AddSlot(*bad).status());
  COVEN_RETURN_IF_ERROR(AddSlot(bytes).status());
  blocked_.reset();
  return SaveBlocked();
}

}  // namespace coven::members
