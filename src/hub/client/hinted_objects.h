// HintedObjects: the log objects a hub's hints carried (Hint.objects), kept
// until FetchLog asks for them, so a device that was told of a change reads
// it without a Pull. The bytes are the hub's, unverified, as Pull's are:
// the engine verifies what FetchLog returns either way.
//
// Bounded: past kMaxBytes everything held is dropped (the objects are then
// pulled as before). Objects at or below a FetchLog's after_seq are dropped
// when it asks, and so are the ones it takes.
//
// Thread safety: every member may be called from any thread.
#ifndef COVEN_HUB_CLIENT_HINTED_OBJECTS_H_
#define COVEN_HUB_CLIENT_HINTED_OBJECTS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "coven/bytes.h"
#include "coven/remote.h"

namespace coven::hub::client {

class HintedObjects {
 public:
  /// Most bytes held in all, kEntryOverhead per object included.
  static constexpr std::uint64_t kMaxBytes = 8ull << 20;
  /// What one held object costs besides its bytes (map node, vector).
  static constexpr std::uint64_t kEntryOverhead = 96;

  /// Keeps object `seq` of `author`. A seq held already keeps its first
  /// bytes (the hub sends a seq once per stream; a second stream's copy of
  /// an immutable object is the same or a fork the engine will see).
  void Keep(std::uint64_t author, std::uint64_t seq, ByteView bytes);

  /// The held objects of request.author from after_seq + 1 on, consecutive,
  /// through through_seq: at most request.max_objects (0: no limit) and
  /// `max_bytes` (at least one), none over request.max_object_bytes (it
  /// and what follows are left to Pull). Empty when after_seq + 1 is not
  /// held. Path and status OK set on each.
  std::vector<remote::LogObject> Take(const remote::FetchRequest& request,
                                      std::uint64_t max_bytes);

  /// Bytes held, overheads included (tests).
  std::uint64_t bytes() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::map<std::uint64_t, Bytes>> held_;
  std::uint64_t bytes_ = 0;
};

}  // namespace coven::hub::client

#endif  // COVEN_HUB_CLIENT_HINTED_OBJECTS_H_
