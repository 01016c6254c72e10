// Live delivery: the open Subscribe streams of this hub process, and the
// hints they get. Each stream keeps ONE merged state (the newest log_seq of
// each author that changed, the newest member epoch), never a queue, so a
// slow client costs O(1) memory per author. A hint may carry the new
// objects themselves (Hint.objects) when the client asked for them and this
// process still holds them (RecentLogs): read when the hint is written, so
// they too cost no queue, and bounded per hint and over all streams. Changes
// come from this process (HubCore), from other processes through the store
// (Store::Watch: PostgreSQL NOTIFY), and from a slow poll of the heads that
// covers lost notifications. A stream whose device the member log no longer
// admits, or whose token expired, is closed (on every process: each one
// re-checks its own streams when the member log changes and every second).
//
// Thread safety: every member may be called from any thread.
#ifndef COVEN_HUB_SERVER_SUBSCRIPTIONS_H_
#define COVEN_HUB_SERVER_SUBSCRIPTIONS_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "hub/server/hub_core.h"

namespace coven::hub::server {

class Subscriptions;

/// One Subscribe stream.
class SubscribeReactor final : public grpc::ServerWriteReactor<pb::Hint> {
 public:
  /// `max_hint_bytes`: most object bytes one hint carries (0: none).
  SubscribeReactor(Subscriptions* owner, Caller caller, std::string token,
                   std::uint64_t max_hint_bytes);

  const Caller& caller() const { return caller_; }
  const std::string& token() const { return token_; }
  /// Merges a change into the pending hint and writes it when no write is
  /// in flight. Own changes are not hinted.
  void Notify(std::uint64_t author, std::uint64_t log_seq,
              std::uint64_t member_epoch);
  /// The device was checked against the member log as it was at
  /// member-view generation `generation` (MemberViews::generation, read
  /// before the check). Hints carry objects only while the space's
  /// generation is still that one: after a member-log change, none until
  /// the device was checked again.
  void Admit(std::uint64_t generation);
  /// Ends the stream with `status` (once).
  void Close(const grpc::Status& status);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void WriteLocked(std::unique_lock<std::mutex>& lock);
  // Adds to hint_ the objects of `author` after named_ through `log_seq`
  // if they are all held and fit in `room`; returns the bytes added.
  std::uint64_t AddObjectsLocked(std::uint64_t author, std::uint64_t log_seq,
                                 std::uint64_t room);

  Subscriptions* owner_;
  Caller caller_;
  std::string token_;
  const std::uint64_t max_hint_bytes_;
  std::mutex mutex_;
  std::map<std::uint64_t, std::uint64_t> pending_;
  // The seq each author was last named at in a written hint: a later hint
  // carries the objects after it.
  std::map<std::uint64_t, std::uint64_t> named_;
  std::uint64_t pending_epoch_ = 0;
  bool writing_ = false;
  bool finished_ = false;
  bool first_written_ = false;  // The first hint (the state) carries none.
  std::uint64_t admitted_generation_ = UINT64_MAX;  // None yet.
  std::uint64_t hint_bytes_ = 0;  // Object bytes of the hint in flight.
  pb::Hint hint_;
};

class Subscriptions {
 public:
  /// `max_per_device`: more open streams of one device are refused.
  Subscriptions(HubCore& core, std::size_t max_per_device = 4,
                std::int64_t poll_ms = 2000);
  ~Subscriptions();

  /// Opens a stream for `caller`: sends the current heads at once. Its
  /// later hints carry up to `max_hint_bytes` of objects (capped at
  /// kMaxHintBytes; 0: none).
  grpc::ServerWriteReactor<pb::Hint>* Open(Caller caller, std::string token,
                                           std::uint64_t max_hint_bytes = 0);
  /// A change made anywhere (empty space: anything may have changed).
  void OnChange(const store::Change& change);
  /// Closes every stream with UNAVAILABLE (shutdown: clients reconnect
  /// elsewhere) and stops accepting new ones.
  void CloseAll();
  std::size_t size() const;

  /// Most object bytes in one hint, whatever the client asks.
  static constexpr std::uint64_t kMaxHintBytes = 1ull << 20;
  /// Most object bytes in the hints being written, over every stream: past
  /// it a hint names heads only (the client Pulls).
  static constexpr std::uint64_t kHintBudgetBytes = 32ull << 20;
  /// Objects carried in hints so far (metrics, tests).
  std::uint64_t hinted_objects() const { return hinted_objects_; }

 private:
  friend class SubscribeReactor;
  // Takes `want` bytes from the budget for hints in flight: `want`, or 0
  // when they do not fit.
  std::uint64_t ReserveHintBytes(std::uint64_t want);
  void ReleaseHintBytes(std::uint64_t bytes);
  void Remove(SubscribeReactor* reactor);
  void Recheck(const std::string& space);
  void PollHeads(const std::string& space);
  void Loop();

  HubCore& core_;
  const std::size_t max_per_device_;
  const std::int64_t poll_ms_;
  // Recursive: closing a stream may run its OnDone (which removes it) on
  // this thread.
  mutable std::recursive_mutex mutex_;
  std::map<std::string, std::set<SubscribeReactor*>> streams_;
  std::map<std::string, std::map<std::uint64_t, std::uint64_t>> known_heads_;
  bool closed_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> hint_bytes_in_flight_{0};
  std::atomic<std::uint64_t> hinted_objects_{0};
  std::mutex loop_mutex_;
  std::condition_variable loop_wake_;
  std::set<std::string> recheck_;
  std::thread loop_;
};

}  // namespace coven::hub::server

#endif  // COVEN_HUB_SERVER_SUBSCRIPTIONS_H_
