// Who may do what on a hub: the member log of each space, replayed and
// verified by the hub itself (src/members, the same rules every device
// applies), and the access it gives a device.
//
// Thread safety: MemberViews may be used from any thread.
#ifndef COVEN_HUB_SERVER_ACCESS_H_
#define COVEN_HUB_SERVER_ACCESS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "coven/clock.h"
#include "coven/status.h"
#include "hub/server/tokens.h"
#include "hub/store/store.h"
#include "members/member_log.h"

namespace coven::hub::server {

/// What a device may do in a space (hub.proto's Access).
enum class Access {
  kNone,
  /// The space has no member log and this device claimed it: may write the
  /// marker, key wraps and a genesis naming itself.
  kFounder,
  /// Its member is active, the device not listed yet: may read everything
  /// and append member-log entries and key wraps.
  kEnrolling,
  /// An active device of an active member: reads everything; writes its own
  /// log and head when its role may write, member-log entries, key wraps.
  kDevice,
};

/// The verified member logs of the spaces, brought up to date from the
/// store when older than `max_age_ms` or invalidated (a member-log change
/// announced by any hub process), so a removal takes effect within that
/// time even when a notification is lost. A refresh reads only the slots
/// after the verified ones and verifies only those. Thread-safe.
class MemberViews {
 public:
  MemberViews(store::StoreRef store, clock::ClockRef clock,
              std::int64_t max_age_ms = 1000);

  /// The space's member log (empty for a space without one). Errors: the
  /// store's.
  Result<std::shared_ptr<const members::MemberLog>> Get(std::string_view space);
  /// The next Get of `space` re-reads the store ("" for every space).
  void Invalidate(std::string_view space);
  /// How many times `space` was invalidated so far: a caller that checked a
  /// device against the log after reading this value knows, while it is
  /// unchanged, that no member-log change was announced since.
  std::uint64_t generation(std::string_view space);
  /// Called (on the thread of the Get that read it) when a space's log
  /// becomes blocked: a stored slot does not verify, so the log changes no
  /// more until a skip. Set before the first Get; not thread-safe itself.
  void OnBlocked(
      std::function<void(std::string_view space, const members::MemberLog& log)>
          listener) {
    on_blocked_ = std::move(listener);
  }

 private:
  struct Entry {
    std::shared_ptr<const members::MemberLog> log;
    std::int64_t read_ms = 0;
    std::uint64_t generation = 0;  ///< Invalidations so far.
  };
  store::StoreRef store_;
  clock::ClockRef clock_;
  std::int64_t max_age_ms_;
  std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::function<void(std::string_view, const members::MemberLog&)> on_blocked_;
};

/// What `device` (registered with `member` when enrolling) may do in a
/// space with member log `log` (size 0: none yet) claimed by `founder`.
/// `why` says why when the answer is kNone.
Access AccessOf(const members::MemberLog& log, const Key32& founder,
                const Key32& device, const std::optional<Key32>& member,
                std::string* why);

/// "founder", "enrolling", "device" or "none".
std::string_view AccessName(Access access);

}  // namespace coven::hub::server

#endif  // COVEN_HUB_SERVER_ACCESS_H_
