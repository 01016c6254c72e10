#include "hub/server/access.h"

#include <algorithm>

#include "coven/bytes.h"
#include "coven/hlc.h"
#include "crypto/crypto.h"

namespace coven::hub::server {

MemberViews::MemberViews(store::StoreRef store, clock::ClockRef clock,
                         std::int64_t max_age_ms)
    : store_(std::move(store)),
      clock_(std::move(clock)),
      max_age_ms_(max_age_ms) {}

Result<std::shared_ptr<const members::MemberLog>> MemberViews::Get(
    std::string_view space) {
  const std::int64_t now = clock_->NowMillis();
  std::shared_ptr<const members::MemberLog> known;
  std::uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = entries_.find(space);
    if (found != entries_.end()) {
      const Entry& entry = found->second;
      if (entry.log && now - entry.read_ms < max_age_ms_) return entry.log;
      known = entry.log;
      generation = entry.generation;
    }
  }
  // Stale or invalidated: read only the slots after the ones verified
  // already (a member log only grows, and a stored slot never changes).
  // Most refreshes find none and cost one indexed read; new slots are
  // verified on a copy, so callers holding the old view keep it intact.
  const std::uint64_t after = known ? known->size() : 0;
  COVEN_ASSIGN_OR_RETURN(std::vector<Bytes> entries,
                         store_->MemberLogAfter(space, after));
  std::shared_ptr<const members::MemberLog> log = known;
  if (!known || !entries.empty()) {
    auto grown = known ? std::make_shared<members::MemberLog>(*known)
                       : std::make_shared<members::MemberLog>();
    for (const Bytes& entry : entries) grown->Append(entry);
    const bool newly_blocked =
        grown->blocked_at() && !(known && known->blocked_at());
    log = std::move(grown);
    if (newly_blocked && on_blocked_) on_blocked_(space, *log);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& entry = entries_[std::string(space)];
  // Keep the longer log when two readers raced (a log only grows).
  if (!entry.log || entry.log->size() <= log->size()) entry.log = log;
  // Fresh only when no Invalidate came while the store was read (the read
  // may have missed the slot that Invalidate announced).
  if (entry.generation == generation)
    entry.read_ms = std::max(entry.read_ms, now);
  return entry.log;
}

void MemberViews::Invalidate(std::string_view space) {
  std::lock_guard<std::mutex> lock(mutex_);
  // (A space not read yet gets an entry too: a first read racing with this
  // call then does not count as fresh.)
  if (!space.empty()) entries_.try_emplace(std::string(space));
  for (auto& [name, entry] : entries_) {
    if (space.empty() || name == space) {
      entry.read_ms = INT64_MIN / 2;
      ++entry.generation;
    }
  }
}

std::uint64_t MemberViews::generation(std::string_view space) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = entries_.find(space);
  return found == entries_.end() ? 0 : found->second.generation;
}

Access AccessOf(const members::MemberLog& log, const Key32& founder,
                const Key32& device, const std::optional<Key32>& member,
                std::string* why) {
  if (log.size() == 0) {
    if (device == founder) return Access::kFounder;
    *why =
        "this space is being created by another device (it has no member "
        "log yet); choose another space name, or wait and ask its owner "
        "for an invite";
    return Access::kNone;
  }
  const members::MemberState& state = log.current();
  if (state.ResolveSigner(device).ok()) return Access::kDevice;
  if (const members::DeviceRecord* record = state.FindDevice(device)) {
    if (!record->active) {
      *why =
          "this device was removed from the library at member-log "
          "position " +
          std::to_string(record->removed_at);
    } else {
      *why = "this device's member was removed from the library";
    }
    return Access::kNone;
  }
  if (member && state.ResolveSigner(*member).ok() &&
      state.FindMember(*member) != nullptr) {
    return Access::kEnrolling;
  }
  // (How long the log is, and where it is blocked, goes to the hub's log
  // only: the caller may be anyone.)
  *why =
      "the library's member log on this hub does not list this device "
      "(id " +
      DeviceIdToHex(crypto::DeviceIdFor(device)) +
      "); ask a member to invite you, then join with the invite code. If "
      "this device was admitted already, the hub lost member-log entries "
      "or cannot verify them (its store was restored from an older backup "
      "or damaged): a device that verified the lost entries puts them "
      "back when it next syncs; otherwise the hub's operator should see the "
      "hub's log and restore the latest backup. This device keeps its data "
      "meanwhile";
  return Access::kNone;
}

std::string_view AccessName(Access access) {
  switch (access) {
    case Access::kFounder:
      return "founder";
    case Access::kEnrolling:
      return "enrolling";
    case Access::kDevice:
      return "device";
    case Access::kNone:
      break;
  }
  return "none";
}

}  // namespace coven::hub::server
