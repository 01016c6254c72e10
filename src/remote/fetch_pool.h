// Bounded parallel reads for remote::OverHome: a few threads, a byte budget,
// results kept in request order.
#ifndef COVEN_SRC_REMOTE_FETCH_POOL_H_
#define COVEN_SRC_REMOTE_FETCH_POOL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "coven/bytes.h"
#include "coven/home.h"
#include "coven/status.h"

namespace coven::remote {

/// Runs `task(i)` for every i in [0, n) on at most `threads` threads (the
/// calling thread included), and returns when all are done. With one thread
/// the tasks run in order on the caller's thread.
void ForEachParallel(std::size_t n, std::size_t threads,
                     const std::function<void(std::size_t)>& task);

/// One read of a batch.
struct Read {
  std::string path;
  Status status;  ///< Unset (OK, empty bytes) for a read never made.
  Bytes bytes;
  bool done = false;
};

/// What ReadInOrder may do.
struct ReadLimits {
  std::size_t threads = 1;
  /// Each read is refused (kResourceExhausted) past this many bytes.
  std::uint64_t max_bytes = 0;
  /// Bytes the batch may hold, in flight (counted at `max_bytes` each while
  /// a read runs) and read. The first read is always made.
  std::uint64_t budget = 0;
};

/// Reads `paths` in order of index with up to `limits.threads` reads in
/// flight, and returns the longest prefix that may be handed on: it ends
/// after the first read that failed with anything but kResourceExhausted,
/// and before the first read the byte budget did not allow. Never empty
/// when `paths` is not.
std::vector<Read> ReadInOrder(home::Home& home,
                              const std::vector<std::string>& paths,
                              const ReadLimits& limits);

}  // namespace coven::remote

#endif  // COVEN_SRC_REMOTE_FETCH_POOL_H_
