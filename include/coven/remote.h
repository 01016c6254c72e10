// Remote: how the sync engine exchanges objects with a home.
//
// The engine never lists or reads log objects and heads through a Home
// directly: it asks a Remote to list the heads (with their bytes), to fetch
// one author's log objects after a seq in batches, to publish this device's
// objects and head, and to wait for a change. The default Remote
// (remote::OverHome) works over any coven::home::Home, reading in parallel
// where the home says it may (Capabilities::parallel_reads); a store with
// live notifications (the hub) implements Remote natively. The member log
// and key wraps are still read through the Home.
//
// Error semantics are those of Home: kUnavailable (and the other retryable
// codes) for a transient failure, kNotFound for an absent object,
// kResourceExhausted for an object over the read's limit, found without
// reading more than that limit.
//
// Thread safety: every member may be called from any thread; calls may run
// concurrently (the engine makes one at a time, except CancelWait).
#ifndef COVEN_REMOTE_H_
#define COVEN_REMOTE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coven/bytes.h"
#include "coven/home.h"
#include "coven/status.h"

namespace coven::remote {

/// One entry of the heads listing ("heads/<device>").
struct Head {
  std::string path;        ///< "heads/<16 hex digits of the device id>".
  std::uint64_t size = 0;  ///< Stored size in bytes, as listed.
  /// Set when the path names a device (16 lowercase hex digits).
  std::optional<std::uint64_t> device;
  /// OK when `bytes` holds the head as read. Otherwise why it was not read:
  /// kInvalidArgument (the path names no device), kCancelled (the caller's
  /// own head, never read), kResourceExhausted (listed over the head
  /// read limit, 4096 bytes, and not read at all), or the read's own error
  /// (kNotFound when it vanished since the listing, kUnavailable, ...).
  Status status;
  Bytes bytes;
};

/// One log object of one author, as fetched.
struct LogObject {
  std::uint64_t seq = 0;
  std::string path;  ///< "log/<author hex>/<seq hex>".
  /// OK when `bytes` holds the object; otherwise Home::Get's error for it:
  /// kNotFound (absent), kResourceExhausted (over the request's
  /// max_object_bytes, not read), kUnavailable (transient), ...
  Status status;
  Bytes bytes;
};

/// What FetchLog reads: objects after_seq + 1 .. through_seq of `author`.
struct FetchRequest {
  std::uint64_t author = 0;
  std::uint64_t after_seq = 0;
  std::uint64_t through_seq = 0;
  /// A larger object is refused (kResourceExhausted) without being read.
  std::uint64_t max_object_bytes = 64ull << 20;
  /// Most objects in this batch (0: the remote's own bound). A caller that
  /// may stop early (an object it must wait for) starts small and grows.
  std::size_t max_objects = 0;
};

/// One object or head to publish. The bytes must outlive the call.
struct Outgoing {
  std::string path;
  ByteView bytes;
};

/// What Publish did: the first `objects` were stored, then the head when
/// `head` is true; `status` is the first failure (OK when everything was).
struct Published {
  std::size_t objects = 0;
  bool head = false;
  Status status;
};

/// What WaitForChange saw.
enum class WaitOutcome {
  kChanged,      ///< Another device published: sync now.
  kDeadline,     ///< Nothing changed before the deadline.
  kUnsupported,  ///< No live notifications (returned at once): poll.
};

class Remote {
 public:
  virtual ~Remote() = default;

  /// Lists every head and reads those of devices other than `own_device`
  /// listed within the head read limit (see Head::status for the others), in
  /// ascending path order without duplicates. Errors (the whole listing
  /// failed): the home's List errors; kResourceExhausted over `max_heads`
  /// entries. A failed read of one head is reported in its entry only.
  virtual Result<std::vector<Head>> ListHeads(std::uint64_t own_device,
                                              std::size_t max_heads) = 0;

  /// Fetches the next batch of `request.author`'s log objects: consecutive
  /// seqs from after_seq + 1, in seq order, never past through_seq, each
  /// with its own status. An object that could not be read ends the batch
  /// (one refused as too large does not: the caller passes over it). Returns
  /// at least one object when after_seq < through_seq, and none otherwise.
  /// A batch is bounded in count and in bytes (an object over that bound
  /// comes alone), so a caller that holds one batch at a time holds bounded
  /// memory. Call again after the last seq it returned for the next batch.
  /// Errors: kInvalidArgument for a malformed request; object failures are
  /// reported per object.
  virtual Result<std::vector<LogObject>> FetchLog(
      const FetchRequest& request) = 0;

  /// Stores `objects` create-once, in order (Home::Create semantics: an
  /// occupied path is kAlreadyExists, whatever it holds), stopping at the
  /// first failure; then, if every object was stored and `head` is set,
  /// replaces the head atomically for readers (Home::Replace). Returns what
  /// was done; `status` is the first failure as the home reported it.
  virtual Published Publish(const std::vector<Outgoing>& objects,
                            const std::optional<Outgoing>& head) = 0;

  /// Blocks until another device publishes, `deadline_ms` (ms since the
  /// epoch, on the engine's clock) passes, or CancelWait is called
  /// (kDeadline). A remote without live notifications returns kUnsupported
  /// at once, and its caller polls. Errors: a broken notification channel
  /// (the caller then polls until it reconnects).
  virtual Result<WaitOutcome> WaitForChange(std::int64_t deadline_ms) = 0;

  /// Makes a WaitForChange in progress (or the next one) return at once.
  /// The default does nothing (for remotes whose WaitForChange never
  /// blocks).
  virtual void CancelWait() {}

  /// A short description for messages (the home's).
  virtual std::string Describe() const = 0;
};

using RemoteRef = std::shared_ptr<Remote>;

/// Options of OverHome.
struct OverHomeOptions {
  /// Reads in flight at once; 0 takes the home's
  /// Capabilities::parallel_reads. 1 reads one object after another (as
  /// coven did before Remote).
  std::size_t parallel_reads = 0;
  /// Most objects in one FetchLog batch.
  std::size_t batch_objects = 256;
  /// Most bytes of objects one FetchLog batch holds (one larger object comes
  /// alone, up to max_object_bytes).
  std::uint64_t batch_bytes = 16ull << 20;
};

/// Implemented by a Home that has a native Remote (the hub's,
/// coven/hub_home.h): RemoteFor then uses it instead of OverHome.
class RemoteSource {
 public:
  virtual ~RemoteSource() = default;
  /// The home's native Remote; the same one on every call, sharing the
  /// home's connection. Never null.
  virtual RemoteRef NativeRemote() = 0;
};

/// The Remote the engine uses for `home` (must not be null): the home's
/// native one when it implements RemoteSource, else OverHome(home, options).
RemoteRef RemoteFor(home::HomeRef home, OverHomeOptions options = {});

/// The default Remote over any Home (shared ownership; must not be null).
/// Heads and log objects are read with up to `parallel_reads` requests in
/// flight; objects are returned in seq order whatever order they arrive in.
/// WaitForChange returns kUnsupported: a Home has no notifications.
RemoteRef OverHome(home::HomeRef home, OverHomeOptions options = {});

}  // namespace coven::remote

#endif  // COVEN_REMOTE_H_
