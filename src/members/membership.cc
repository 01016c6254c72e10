#include "members/membership.h"

#include <algorithm>
#include <map>

#include "db/sql.h"
#include "home/home_layout.h"
#include "home/read_limits.h"

namespace coven::members {

namespace {

constexpr std::string_view kAlarmKey = "member_alarm";

bool IsForkAlarm(const std::string& alarm) {
  return alarm.find(" is forked") != std::string::npos;
}

// "members/... is N bytes, over 4096: not a member-log entry; ...".
std::string OversizedSlot(const std::string& path, std::string_view size,
                          const std::string& home) {
  return path + " is " + std::string(size) + " bytes, over " +
         std::to_string(kMaxEntryBytes) +
         ": not a member-log entry (coven never writes one that large). The "
         "member log waits at this slot until the file is removed from " +
         home;
}

}  // namespace

Result<std::unique_ptr<Membership>> Membership::Open(
    std::shared_ptr<db::SyncDb> db, home::HomeRef home,
    MembershipOptions options) {
  std::unique_ptr<Membership> m(new Membership());
  m->db_ = std::move(db);
  m->home_ = std::move(home);
  m->options_ = std::move(options);
  if (!m->options_.entropy)
    m->options_.entropy = std::make_shared<SystemEntropy>();
  if (!m->options_.clock)
    m->options_.clock = std::make_shared<clock::SystemClock>();
  m->log_ = MemberLog(m->options_.genesis_anchor);
  m->device_box_ = crypto::BoxKeyPair::FromSigningKey(m->options_.device);
  for (const crypto::LibraryKey& key : m->options_.known_keys) {
    m->keys_[key.id()] = key;
  }
  COVEN_RETURN_IF_ERROR(m->LoadCached());
  return m;
}

Status Membership::LoadCached() {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  sqlite3* conn = db_->raw_write_handle();
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt, db::Stmt::Prepare(conn,
                                       "SELECT seq, bytes FROM _coven_members "
                                       "ORDER BY seq"));
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    const auto seq = static_cast<std::uint64_t>(stmt.ColumnInt(0));
    if (seq != log_.size() + 1) {
      return DataLossError(
          "the cached member log in the database has a gap at slot " +
          std::to_string(log_.size() + 1) +
          "; delete the rows of _coven_members to fetch it again");
    }
    const Bytes bytes = stmt.ColumnBlob(1);
    log_.Append(bytes);
    last_slot_size_ = bytes.size();
  }
  COVEN_ASSIGN_OR_RETURN(auto alarm, db::GetState(conn, kAlarmKey));
  alarm_ = alarm.value_or("");
  COVEN_RETURN_IF_ERROR(LoadBlocked(conn));
  return Status::Ok();
}

Status Membership::Refresh(RefreshReport* report) {
  COVEN_RETURN_IF_ERROR(FetchNew(report));
  if (log_.size() == 0) {
    COVEN_RETURN_IF_ERROR(Found(report));
  }
  COVEN_RETURN_IF_ERROR(Enrol(report));
  COVEN_RETURN_IF_ERROR(FetchKeys(report));
  return DropSeedWhenDone();
}

Status Membership::FetchNew(RefreshReport* report) {
  blocked_.reset();  // found again below if still there
  const std::uint64_t known = log_.size();
  const std::string start_after = known >= 1 ? MemberEntryPath(known - 1) : "";
  ++report->requests;
  // A bounded page from the known position; the next refresh goes on.
  Result<home::ListPage> listed =
      home::ListUpTo(*home_, std::string(home::layout::kMembersPrefix),
                     start_after, home::kMaxMemberSlotsPerRefresh);
  if (!listed.ok()) {
    // Like any listing failure, this fails the round: a wrong credential or
    // a missing bucket must surface, not hide among the notes.
    return listed.status().Annotate("listing the member log");
  }
  std::map<std::string, std::uint64_t> paths;  // path -> listed size
  for (const home::ObjectInfo& info : listed->objects) {
    paths[info.path] = info.size;
  }
  COVEN_RETURN_IF_ERROR(CheckRemembered(listed->objects, report));
  std::uint64_t highest = 0;
  for (const auto& [path, size] : paths) {
    if (std::optional<std::uint64_t> seq = SlotOf(path)) {
      highest = std::max(highest, *seq);
    }
  }
  for (std::uint64_t seq = known + 1; seq <= highest; ++seq) {
    const std::string path = MemberEntryPath(seq);
    auto listed_slot = paths.find(path);
    if (listed_slot == paths.end()) {
      report->problems.push_back("the member log has a hole: " + path +
                                 " is missing while later "
                                 "entries exist; waiting for it");
      break;
    }
    // Checked before anything is read or stored: a slot over the entry
    // limit is never stored, and the log waits at it.
    if (listed_slot->second > kMaxEntryBytes) {
      report->problems.push_back(OversizedSlot(
          path, std::to_string(listed_slot->second), home_->Describe()));
      break;
    }
    ++report->requests;
    Result<Bytes> bytes = home_->Get(path, kMaxEntryBytes);
    if (bytes.status().code() == StatusCode::kResourceExhausted) {
      // The listing showed an older, smaller file.
      report->problems.push_back(
          OversizedSlot(path, "more than " + std::to_string(kMaxEntryBytes),
                        home_->Describe()));
      break;
    }
    if (!bytes.ok()) {
      report->problems.push_back("reading " + path + ": " +
                                 bytes.status().ToString());
      break;
    }
    COVEN_ASSIGN_OR_RETURN(bool took, TakeSlot(seq, *bytes, report));
    if (!took) break;
    if (log_.size() > seq) seq = log_.size();  // took the skip after it too
  }
  return SaveBlocked();
}

Status Membership::CheckRemembered(const std::vector<home::ObjectInfo>& listed,
                                   RefreshReport* report) {
  const std::uint64_t known = log_.size();
  if (known == 0) return Status::Ok();
  const std::string path = MemberEntryPath(known);
  // Read and compared by hash every time (a small read): a replacement of
  // the same size must not pass for the entry this device verified.
  (void)listed;
  bool seen = false;
  std::string alarm;
  if (!seen) {
    ++report->requests;
    // Anything larger than the entry this device stored is another entry.
    Result<Bytes> bytes = home_->Get(
        path, std::max<std::uint64_t>(kMaxEntryBytes, last_slot_size_));
    if (bytes.ok() && EntryHash(*bytes) == log_.slot_hashes().back()) {
      seen = true;  // the listing lags; the entry is there
    } else if (bytes.ok() ||
               bytes.status().code() == StatusCode::kResourceExhausted) {
      alarm = "the member log in " + home_->Describe() + " is forked: " + path +
              " holds a different entry than the one this device "
              "verified. Compare `coven fingerprint` with other members";
    } else if (bytes.status().code() == StatusCode::kNotFound) {
      alarm = "the home " + home_->Describe() +
              " rolled the member log back: this device verified " +
              std::to_string(known) + " entries but " + path +
              " is gone. Restore the home from a newer copy, or compare "
              "`coven fingerprint` with other members";
      // Every entry is signed by its author and verified by every reader
      // (and the hub), so this device puts back the very bytes it verified:
      // readers that wait for those entries go on, and a removal the
      // rollback hid is in force again.
      COVEN_ASSIGN_OR_RETURN(bool healed, PutBackLost(report));
      if (healed && !IsForkAlarm(alarm_)) {
        seen = true;
      }
    } else {
      report->problems.push_back("reading " + path + ": " +
                                 bytes.status().ToString());
      return Status::Ok();
    }
  }
  if (seen) {
    // The home serves the remembered entry again: a rollback alarm ends; a
    // fork alarm stays (the other history exists).
    return IsForkAlarm(alarm_) ? Status::Ok() : SetAlarm("");
  }
  if (!IsForkAlarm(alarm_)) COVEN_RETURN_IF_ERROR(SetAlarm(alarm));
  report->problems.push_back(alarm_);
  return Status::Ok();
}

Status Membership::SetAlarm(std::string alarm) {
  if (alarm == alarm_) return Status::Ok();
  alarm_ = std::move(alarm);
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  return db::SetState(db_->raw_write_handle(), kAlarmKey, alarm_);
}

Result<SlotVerdict> Membership::AddSlot(const Bytes& bytes) {
  const std::uint64_t seq = log_.size() + 1;
  if (bytes.size() > kMaxEntryBytes) {
    // Never stored: callers check the size first (FetchNew waits at such a
    // slot), so this is a bug, not a verdict.
    return InternalError("member-log slot " + std::to_string(seq) + " is " +
                         std::to_string(bytes.size()) + " bytes, over " +
                         std::to_string(kMaxEntryBytes) + "; not stored");
  }
  {
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt stmt,
        db::Stmt::Prepare(db_->raw_write_handle(),
                          "INSERT OR REPLACE INTO _coven_members(seq, bytes) "
                          "VALUES (?, ?)"));
    stmt.Bind(1, static_cast<std::int64_t>(seq));
    stmt.BindBlob(2, bytes);
    COVEN_RETURN_IF_ERROR(stmt.Run());
  }
  last_slot_size_ = bytes.size();
  return log_.Append(bytes);
}

Status Membership::CanWrite() const {
  if (log_.blocked_at() || blocked_) {
    return FailedPreconditionError(BlockedAlarm());
  }
  const MemberState& state = current();
  if (!state.has_genesis()) {
    return FailedPreconditionError(
        "this device has not verified the library's member log yet; sync "
        "first");
  }
  const crypto::PublicKey& device = options_.device.public_key();
  const MemberRecord* me = state.FindMember(MemberSign());
  if (me == nullptr) {
    return PermissionDeniedError(
        "this device's member is not a member of the library; show `coven "
        "identity` to an Admin or Owner and ask for an invite");
  }
  if (!me->active) {
    return PermissionDeniedError(
        "this device's member was removed from the library at member-log "
        "position " +
        std::to_string(me->removed_at) +
        "; its changes are no longer accepted");
  }
  const DeviceRecord* record = state.FindDevice(device);
  if (record == nullptr) {
    return FailedPreconditionError(
        "this device is not enrolled in the member log yet; sync first");
  }
  if (!record->active) {
    return PermissionDeniedError(
        "this device was removed from the library at member-log position " +
        std::to_string(record->removed_at) +
        " (`coven remove-device`): it reads nothing new and its changes are "
        "no longer accepted. If that was a mistake, set this device up again "
        "from a restore code in a new directory");
  }
  Status allowed = state.AuthorizeWrite(device);
  if (!allowed.ok()) {
    if (me->role < MemberRole::Writer) {
      return PermissionDeniedError(
          "this device's member is a Reader in this library: it cannot "
          "change synced tables. Ask an Admin or Owner for the Writer role");
    }
    return PermissionDeniedError("this device cannot write: " +
                                 allowed.message());
  }
  return CurrentKey().status();
}

Status Membership::AuthorizeObject(const object::ObjectHeader& header,
                                   const crypto::Hash256& object_hash) const {
  const std::uint64_t at = header.member_seq;
  if (at == 0) {
    return PermissionDeniedError("it names no member-log position");
  }
  const MemberState* state = log_.StateAt(at);
  if (log_.blocked_at() && at >= *log_.blocked_at()) {
    return UnavailableError("it names member-log position " +
                            std::to_string(at) + ", past slot " +
                            std::to_string(*log_.blocked_at()) +
                            ", which does not verify; waiting until an Admin "
                            "or Owner skips that slot");
  }
  if (state == nullptr) {
    return UnavailableError(
        "it was written at member-log position " + std::to_string(at) +
        ", but this device has "
        "verified only " +
        std::to_string(log_.size()) + " entries; waiting for the member log");
  }
  if (header.member_hash != SlotHash(at)) {
    return FailedPreconditionError(
        "it names member-log slot " + std::to_string(at) + " with hash " +
        HexEncode(header.member_hash).substr(0, 16) +
        "..., but the slot this device verified there hashes to " +
        HexEncode(SlotHash(at)).substr(0, 16) +
        "...: its author saw another history of the member log (a fork "
        "served by the home)");
  }
  if (header.kind == object::ObjectKind::kHead) {
    if (state->FindDevice(header.author_public_key) == nullptr) {
      return PermissionDeniedError(
          "its author is not a device of any member at member-log position " +
          std::to_string(at));
    }
    return Status::Ok();
  }
  Status allowed = state->AuthorizeWrite(header.author_public_key);
  if (!allowed.ok()) {
    return PermissionDeniedError("not authorized at member-log position " +
                                 std::to_string(at) + ": " + allowed.message());
  }
  // Cuts are read from the whole log this device verified, not from the
  // position the author chose: that is what makes a backdated write fail.
  COVEN_RETURN_IF_ERROR(current().CheckCuts(header.author_public_key,
                                            header.seq, at, object_hash));
  if (header.key_id != state->current_key_id()) {
    return PermissionDeniedError(
        "it is sealed with key " + HexEncode(header.key_id) +
        ", which was not the library key at member-log position " +
        std::to_string(at) + " (a retired or foreign key)");
  }
  return Status::Ok();
}

crypto::PublicKey Membership::MemberSign() const {
  if (options_.member.has_seed()) return options_.member.signer().public_key();
  const DeviceRecord* device =
      current().FindDevice(options_.device.public_key());
  return device == nullptr ? crypto::PublicKey{} : device->member;
}

Result<PublicIdentity> Membership::MemberPublic() const {
  if (options_.member.has_seed()) return options_.member.public_identity();
  const MemberRecord* me = current().FindMember(MemberSign());
  if (me == nullptr) {
    return NotFoundError(
        "this device holds no member seed and the member log does not list "
        "it yet");
  }
  return me->identity;
}

crypto::Hash256 Membership::SlotHash(std::uint64_t position) const {
  if (position == 0 || position > log_.slot_hashes().size()) return {};
  return log_.slot_hashes()[position - 1];
}

Status Membership::NoteHistoryFork(const std::string& what) {
  if (IsForkAlarm(alarm_)) return Status::Ok();
  return SetAlarm("the member log in " + home_->Describe() + " is forked: " +
                  what + ". Compare `coven fingerprint` with other members");
}

crypto::Hash256 Membership::genesis_hash() const {
  if (log_.slot_hashes().empty()) return {};
  return log_.slot_hashes().front();
}

std::string Membership::Fingerprint() const {
  static const char* kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  Bytes input(log_.head_hash().begin(), log_.head_hash().end());
  for (int shift = 56; shift >= 0; shift -= 8) {
    input.push_back(static_cast<std::uint8_t>(log_.size() >> shift));
  }
  crypto::Hash256 h = crypto::Hash("coven/fingerprint/v1", input);
  std::string chars;
  std::uint64_t bits = 0;
  int have = 0;
  std::size_t i = 0;
  while (chars.size() < 16) {
    if (have < 5) {
      bits = bits << 8 | h[i++];
      have += 8;
    }
    chars.push_back(kAlphabet[(bits >> (have - 5)) & 31]);
    have -= 5;
  }
  std::string out;
  for (std::size_t c = 0; c < chars.size(); ++c) {
    if (c > 0 && c % 4 == 0) out.push_back('-');
    out.push_back(chars[c]);
  }
  return out + " @" + std::to_string(log_.size());
}

}  // namespace coven::members
