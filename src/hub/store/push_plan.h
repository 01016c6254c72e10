// The decision PushLog makes once it holds the author's head row: which
// objects are retries, which are new, whether the batch forks the log or
// leaves a gap. Shared by both stores, so they refuse the same pushes with
// the same codes.
#ifndef COVEN_HUB_STORE_PUSH_PLAN_H_
#define COVEN_HUB_STORE_PUSH_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "coven/status.h"
#include "crypto/crypto.h"
#include "hub/store/store.h"

namespace coven::hub::store {

/// The hash the stores keep per log object (BLAKE2b-256, labelled).
crypto::Hash256 LogObjectHash(ByteView data);

/// A stored object's hash and size, as the store read it.
struct StoredHash {
  std::uint64_t seq = 0;
  crypto::Hash256 hash{};
  std::uint64_t size = 0;
};

/// Checks what needs no store: a space name, consecutive seqs in
/// [1, 2^63), something to do. kInvalidArgument otherwise.
Status ValidatePush(const LogPush& push);

/// What to write.
struct PushPlan {
  std::size_t first_new = 0;  ///< Index of the first object to insert.
  std::uint64_t log_seq = 0;  ///< The head's seq afterwards.
  std::uint32_t already_had = 0;
  /// The head bytes are written: a head-only push, or a push that reaches
  /// the head seq (a retry of an older batch leaves a newer head alone).
  bool replace_head = false;
};

/// Decides, given the author's current head seq and the stored hashes of
/// the pushed seqs at or below it (any order). kAlreadyExists ("fork") when
/// a stored object differs; kFailedPrecondition naming the head for a gap
/// or a head pushed without a log; kDataLoss when a seq at or below the
/// head is missing from `stored`.
Result<PushPlan> PlanPush(const LogPush& push, std::uint64_t log_seq,
                          const std::vector<StoredHash>& stored);

/// The seqs of `push` at or below `log_seq`: [first, last]; first > last
/// when none.
std::pair<std::uint64_t, std::uint64_t> StoredRange(const LogPush& push,
                                                    std::uint64_t log_seq);

/// A stored object as a repair reads it: the hash recorded when it was
/// stored, and the bytes held now.
struct StoredCopy {
  std::uint64_t seq = 0;
  crypto::Hash256 hash{};
  Bytes data;
};

/// A copy as read from a store row; nullopt when the recorded hash is not
/// a hash (not the hub's to judge).
std::optional<StoredCopy> CopyFromRow(std::uint64_t seq, const Bytes& hash,
                                      Bytes data);

/// The seqs of the first `held` objects of `push` (which must have some):
/// what RepairLogObjects reads back.
std::pair<std::uint64_t, std::uint64_t> HeldRange(const LogPush& push,
                                                  std::uint32_t held);

/// The objects of `push` that should replace their stored copy: the copy's
/// bytes no longer hash to its recorded hash (a disk or someone with the
/// store changed them) and the pushed bytes do. A copy that is intact, or
/// whose recorded hash the push does not match (a fork: PlanPush refuses
/// it), is left alone.
std::vector<const LogObject*> DamagedCopies(
    const LogPush& push, const std::vector<StoredCopy>& stored);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_PUSH_PLAN_H_
