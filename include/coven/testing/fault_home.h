// FaultHome: a home wrapper that injects the failures real storage has.
//
// It forwards every call to another home and, with configured
// probabilities, fails it before doing it, does it but loses the reply,
// hides a fresh object for a while (eventual consistency), repeats an entry
// in a listing page, or serves the previous version of a head once. The
// decisions come from a small PRNG seeded with FaultOptions::seed, so a
// single-threaded run with the same seed and the same calls injects the
// same faults. set_enabled(false) heals the home: calls then pass straight
// through and hidden objects become visible, so a test can let sync
// converge. Every injected error message starts with "injected fault:".
//
// For tests only. Thread safety: every member function may be called
// concurrently (the injected sequence then depends on scheduling).
#ifndef COVEN_TESTING_FAULT_HOME_H_
#define COVEN_TESTING_FAULT_HOME_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "coven/bytes.h"
#include "coven/home.h"
#include "coven/status.h"

namespace coven::testing {

/// What to inject; each rate is a probability in [0, 1] per eligible call.
struct FaultOptions {
  std::uint64_t seed = 1;
  /// Fail before doing the operation, with kUnavailable. Any call.
  double error_rate = 0;
  /// Do the operation, then report kUnavailable. Any call.
  double lost_reply_rate = 0;
  /// A successful Create is hidden from List, Get and GetRange (which return
  /// kNotFound) for the next `visibility_delay_ops` calls on this home.
  double delayed_visibility_rate = 0;
  int visibility_delay_ops = 5;
  /// A List page repeats one of its entries (callers must deduplicate).
  double duplicate_listing_rate = 0;
  /// A Get of a path under "heads/" returns the version that the last
  /// Replace through this home overwrote, at most once per Replace.
  double stale_head_rate = 0;
  /// The most bytes of an overwritten head kept for stale reads.
  std::uint64_t max_head_bytes = 64 << 10;
};

/// Counters of injected faults and of calls made, per kind.
struct FaultStats {
  std::uint64_t errors = 0;        ///< Calls failed before doing them.
  std::uint64_t lost_replies = 0;  ///< Calls done whose reply was dropped.
  std::uint64_t delayed = 0;       ///< Creates hidden for a while.
  std::uint64_t duplicates = 0;    ///< List pages with a repeated entry.
  std::uint64_t stale_reads = 0;   ///< Gets that served an old head.
  std::uint64_t creates = 0;       ///< Total calls of each kind, faulty or
  std::uint64_t replaces = 0;      ///< not, counted while enabled or not.
  std::uint64_t gets = 0;
  std::uint64_t get_ranges = 0;
  std::uint64_t lists = 0;
  std::uint64_t deletes = 0;
};

/// A Home that forwards to `inner` and injects faults.
class FaultHome final : public home::Home {
 public:
  /// Wraps `inner` (shared ownership; must not be null). Faults are enabled
  /// from the start. Every call counts as one operation on the op clock that
  /// delayed visibility uses.
  FaultHome(home::HomeRef inner, FaultOptions options);

  /// Each returns what the wrapped home returns, except for injected faults:
  /// kUnavailable ("injected fault: unavailable (<op> <path>)" before the
  /// call, "injected fault: lost reply (<op> <path>)" after it), kNotFound
  /// from Get/GetRange for a hidden fresh object, a repeated entry in a List
  /// page, an old head from Get. List never returns an empty truncated page
  /// because of hidden objects.
  Status Create(std::string_view path, ByteView data) override;
  Status Replace(std::string_view path, ByteView data) override;
  Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) override;
  Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                         std::uint64_t length) override;
  Result<home::ListPage> List(std::string_view prefix,
                              std::string_view start_after,
                              std::size_t max_keys) override;
  Status Delete(std::string_view path) override;
  /// The wrapped home's capabilities.
  home::Capabilities capabilities() const override;
  /// "fault-injecting <wrapped home's description>".
  std::string Describe() const override;

  /// Enables or disables injection. Disabling also reveals hidden objects
  /// and forgets old head versions.
  void set_enabled(bool enabled);
  /// A snapshot of the counters.
  FaultStats stats() const;
  /// The wrapped home.
  const home::HomeRef& inner() const { return inner_; }

 private:
  enum class Op { kCreate, kReplace, kGet, kGetRange, kList, kDelete };
  struct Decision {
    bool fail = false;
    bool lose_reply = false;
    bool delay = false;
    bool duplicate = false;
    bool stale = false;
    std::uint64_t pick = 0;      // A random value for choices within the op.
    std::uint64_t op_index = 0;  // This call's position on the op clock.
  };
  struct OldHead {
    Bytes bytes;
    bool served = false;
  };

  // Counts the call, advances the op clock and draws its faults.
  Decision Begin(Op op, std::string_view path);
  double NextUnit();                                 // Requires mutex_.
  bool HiddenLocked(const std::string& path) const;  // Requires mutex_.
  static Status Injected(std::string_view what, std::string_view op,
                         std::string_view path);
  // Counts a lost reply and returns its error.
  Status LoseReply(std::string_view op, std::string_view path);

  const home::HomeRef inner_;
  const FaultOptions options_;
  mutable std::mutex mutex_;
  bool enabled_ = true;
  std::uint64_t rng_state_;
  std::uint64_t op_clock_ = 0;
  FaultStats stats_;
  std::map<std::string, std::uint64_t, std::less<>> hidden_until_;
  std::map<std::string, OldHead, std::less<>> old_heads_;
};

}  // namespace coven::testing

// Transitional: the test doubles lived in coven::home before they were
// gathered in coven::testing. New code names coven::testing.
namespace coven::home {
using testing::FaultHome;
using testing::FaultOptions;
using testing::FaultStats;
}  // namespace coven::home

#endif  // COVEN_TESTING_FAULT_HOME_H_
