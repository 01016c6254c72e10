// A verified member log: the entries of slots members/1, members/2, ... in
// order, each checked for structure, signature, link and authorization.
//
// Every slot advances the position, accepted or not (an appender links its
// entry to whatever bytes occupy the previous slot), but a slot that does
// not verify (garbage, a forged or unauthorized entry: an honest appender
// never writes one) blocks the log: later slots change nothing until an
// Admin or Owner appends a skip-slot entry that names it and its hash.
// The states after every position are kept, so authorization "as the author
// had seen the log" (an object's header names its position) is a lookup.
//
// Thread safety: not thread-safe; callers serialize.
#ifndef COVEN_MEMBERS_MEMBER_LOG_H_
#define COVEN_MEMBERS_MEMBER_LOG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coven/bytes.h"
#include "coven/status.h"
#include "members/member_state.h"

namespace coven::members {

/// The outcome of one slot.
struct SlotVerdict {
  std::uint64_t seq = 0;
  Status status;  ///< OK if the entry was accepted; otherwise why not.
  bool link_broken = false;  ///< prev_hash or seq did not match the slot.
};

class MemberLog {
 public:
  /// `genesis_anchor`: when set, slot 1 must hash to it (an invite or
  /// restore code names the genesis, so a home cannot substitute a log).
  explicit MemberLog(std::optional<crypto::Hash256> genesis_anchor = {});

  /// Verifies the raw bytes of slot size()+1 and advances. Returns the
  /// verdict (also kept in verdicts()).
  const SlotVerdict& Append(ByteView bytes);
  /// The verdict Append would give `bytes`, without appending.
  SlotVerdict Judge(ByteView bytes) const;

  std::uint64_t size() const { return current().position(); }
  /// Hash of the bytes in the last slot (zero when empty): the prev_hash
  /// of the next entry.
  const crypto::Hash256& head_hash() const { return head_hash_; }
  const MemberState& current() const { return states_.back(); }
  /// The state after `position` slots; nullptr past size().
  const MemberState* StateAt(std::uint64_t position) const;
  const std::vector<SlotVerdict>& verdicts() const { return verdicts_; }
  /// The first slot that did not verify and has not been skipped by a
  /// skip-slot entry: the log is blocked there (later slots change nothing
  /// until the skip). nullopt while the log is whole.
  std::optional<std::uint64_t> blocked_at() const { return blocked_at_; }
  /// Why the slot at blocked_at() did not verify.
  const std::string& blocked_reason() const { return blocked_reason_; }
  /// Hashes of every slot's bytes, slot 1 first.
  const std::vector<crypto::Hash256>& slot_hashes() const { return hashes_; }

 private:
  // The verdict for `bytes` as slot size()+1 and the state after it.
  SlotVerdict Evaluate(ByteView bytes, MemberState* next) const;

  std::optional<crypto::Hash256> anchor_;
  crypto::Hash256 head_hash_{};
  std::vector<MemberState> states_;
  std::vector<SlotVerdict> verdicts_;
  std::vector<crypto::Hash256> hashes_;
  std::optional<std::uint64_t> blocked_at_;
  std::string blocked_reason_;
};

/// "members/<seq as 16 hex digits>".
std::string MemberEntryPath(std::uint64_t seq);

}  // namespace coven::members

#endif  // COVEN_MEMBERS_MEMBER_LOG_H_
