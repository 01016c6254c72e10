#include "members/member_log.h"

#include "home/home_layout.h"

namespace coven::members {

MemberLog::MemberLog(std::optional<crypto::Hash256> genesis_anchor)
    : anchor_(genesis_anchor) {
  states_.emplace_back();
}

SlotVerdict MemberLog::Evaluate(ByteView bytes, MemberState* next) const {
  const std::uint64_t slot = size() + 1;
  SlotVerdict verdict;
  verdict.seq = slot;
  *next = current();
  verdict.status = [&]() -> Status {
    if (slot == 1 && anchor_ && EntryHash(bytes) != *anchor_) {
      return PermissionDeniedError(
          "the genesis entry is not the one the invite or restore code names "
          "(a different or substituted library)");
    }
    COVEN_ASSIGN_OR_RETURN(MemberEntry entry, ParseEntry(bytes));
    if (entry.seq != slot) {
      verdict.link_broken = true;
      return InvalidArgumentError(
          "the entry says seq " + std::to_string(entry.seq) +
          " but sits in "
          "slot " +
          std::to_string(slot) + " (a replayed or skipped entry)");
    }
    if (entry.prev_hash != head_hash_) {
      verdict.link_broken = true;
      return InvalidArgumentError(
          "its prev hash does not name the entry in slot " +
          std::to_string(slot - 1) + " (a forked, reordered or replayed log)");
    }
    if (entry.type == EntryType::kSkipSlot) {
      if (!blocked_at_ || entry.skipped_seq != *blocked_at_ ||
          entry.skipped_hash != hashes_[*blocked_at_ - 1]) {
        return InvalidArgumentError(
            "a skip-slot entry that does not name the slot blocking the log "
            "and the bytes there");
      }
    } else if (blocked_at_) {
      return FailedPreconditionError(
          "the member log is blocked at slot " + std::to_string(*blocked_at_) +
          "; nothing after it counts until an Admin or Owner skips that slot");
    }
    return next->Apply(entry);
  }();
  if (!verdict.status.ok()) {
    *next = current();
    next->Skip();
  }
  return verdict;
}

SlotVerdict MemberLog::Judge(ByteView bytes) const {
  MemberState next;
  return Evaluate(bytes, &next);
}

const SlotVerdict& MemberLog::Append(ByteView bytes) {
  MemberState next;
  SlotVerdict verdict = Evaluate(bytes, &next);
  if (verdict.status.ok() && blocked_at_) {
    blocked_at_.reset();  // the skip-slot entry
    blocked_reason_.clear();
  }
  if (!verdict.status.ok() && !blocked_at_) {
    blocked_at_ = verdict.seq;
    blocked_reason_ = verdict.status.message();
  }
  states_.push_back(std::move(next));
  head_hash_ = EntryHash(bytes);
  hashes_.push_back(head_hash_);
  verdicts_.push_back(std::move(verdict));
  return verdicts_.back();
}

const MemberState* MemberLog::StateAt(std::uint64_t position) const {
  if (position >= states_.size()) return nullptr;
  return &states_[position];
}

std::string MemberEntryPath(std::uint64_t seq) {
  return home::layout::MemberSlotPath(seq);
}

}  // namespace coven::members
