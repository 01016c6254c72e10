// HintWatch: the hub's Subscribe stream, kept open by a background thread,
// merged into one "something changed" flag that WaitForChange waits on.
//
// The hub sends one hint with every author's newest seq when the stream
// opens, then one whenever an author's log or the member log grows. A hint
// counts as a change when it names another device's log past what this
// device has seen (from hints and from ListHeads, see Seen) or a longer
// member log. A broken stream ends a Wait in progress with its error (the
// caller polls meanwhile) and is reopened with jittered exponential backoff
// on the host's clock and entropy (home::NetworkOptions). The stream asks
// for the new objects themselves (Hint.objects); they are kept in
// hinted_objects() before the change is signalled, for FetchLog to take.
//
// Thread safety: every member may be called from any thread; one Wait at a
// time.
#ifndef COVEN_HUB_CLIENT_HINT_WATCH_H_
#define COVEN_HUB_CLIENT_HINT_WATCH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "coven/clock.h"
#include "coven/remote.h"
#include "hub/client/hinted_objects.h"
#include "hub/client/hub_session.h"

namespace coven::hub::client {

class HintWatch {
 public:
  explicit HintWatch(std::shared_ptr<HubSession> session);
  /// Closes the stream and joins the thread.
  ~HintWatch();
  HintWatch(const HintWatch&) = delete;
  HintWatch& operator=(const HintWatch&) = delete;

  /// Opens the stream on first use. Returns kChanged when a change came
  /// since the last kChanged, kDeadline when `deadline_ms` (on the host's
  /// clock) passed or Cancel was called; kUnavailable (the stream's error)
  /// while the stream is broken.
  Result<remote::WaitOutcome> Wait(std::int64_t deadline_ms);
  /// Makes the current (or next) Wait return kDeadline at once.
  void Cancel();
  /// Records what a ListHeads saw, so that a hint repeating it is no change.
  void Seen(const v1::ListHeadsReply& reply);
  /// The objects hints carried, not yet taken.
  HintedObjects& hinted_objects() { return hinted_; }

  /// Most object bytes the stream asks one hint to carry.
  static constexpr std::uint32_t kMaxHintBytes = 1u << 20;

 private:
  void Run();
  // Under mutex_: true if `hint` (`first` of its stream) tells something
  // new.
  bool MergeLocked(const v1::Hint& hint, bool first);

  const std::shared_ptr<HubSession> session_;
  const clock::ClockRef clock_;
  clock::Waker waker_;         // Wakes Wait.
  clock::Waker reopen_waker_;  // Ends the reopen backoff (destruction).
  std::mutex mutex_;
  bool started_ = false;
  bool stopping_ = false;
  bool changed_ = false;
  bool cancelled_ = false;
  bool connected_ = false;
  Status broken_;  // Why the stream is down (OK while it is up or opening).
  std::map<std::uint64_t, std::uint64_t> seen_;  // author -> log_seq
  std::uint64_t member_epoch_ = 0;
  HintedObjects hinted_;
  grpc::ClientContext* live_ = nullptr;  // The open stream's.
  std::thread thread_;
};

}  // namespace coven::hub::client

#endif  // COVEN_HUB_CLIENT_HINT_WATCH_H_
