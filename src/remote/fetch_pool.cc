#include "remote/fetch_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace coven::remote {

namespace {

// Runs `work` on `threads` threads, the caller's included.
void RunOn(std::size_t threads, const std::function<void()>& work) {
  std::vector<std::thread> helpers;
  for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace

void ForEachParallel(std::size_t n, std::size_t threads,
                     const std::function<void(std::size_t)>& task) {
  if (threads <= 1 || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) task(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  RunOn(std::min(threads, n), [&] {
    for (std::size_t i = next++; i < n; i = next++) task(i);
  });
}

std::vector<Read> ReadInOrder(home::Home& home,
                              const std::vector<std::string>& paths,
                              const ReadLimits& limits) {
  std::vector<Read> reads(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) reads[i].path = paths[i];
  auto ends_batch = [](const Status& status) {
    return !status.ok() && status.code() != StatusCode::kResourceExhausted;
  };
  if (limits.threads <= 1 || paths.size() <= 1) {
    // One read after another, as coven always read: at most `budget` bytes
    // held plus the read in progress.
    std::uint64_t held = 0;
    for (std::size_t i = 0; i < reads.size(); ++i) {
      if (i > 0 && held >= limits.budget) {
        reads.resize(i);
        break;
      }
      Result<Bytes> got = home.Get(reads[i].path, limits.max_bytes);
      reads[i].done = true;
      if (got.ok()) {
        held += got->size();
        reads[i].bytes = std::move(*got);
      } else {
        reads[i].status = got.status();
        if (ends_batch(reads[i].status)) {
          reads.resize(i + 1);
          break;
        }
      }
    }
    return reads;
  }
  std::mutex mutex;
  std::condition_variable freed;
  std::size_t next = 0;
  std::size_t end = reads.size();
  std::size_t in_flight = 0;
  // Bytes read plus `max_bytes` for each read in flight.
  std::uint64_t held = 0;
  RunOn(std::min(limits.threads, reads.size()), [&] {
    std::unique_lock<std::mutex> lock(mutex);
    while (next < end) {
      if (next > 0 && held + limits.max_bytes > limits.budget) {
        if (in_flight == 0) {
          end = next;  // nothing in flight can free room: the batch ends
          freed.notify_all();
          return;
        }
        freed.wait(lock);
        continue;
      }
      const std::size_t i = next++;
      held += limits.max_bytes;
      ++in_flight;
      lock.unlock();
      Result<Bytes> got = home.Get(reads[i].path, limits.max_bytes);
      lock.lock();
      --in_flight;
      held -= limits.max_bytes;
      if (got.ok()) {
        held += got->size();
        reads[i].bytes = std::move(*got);
      } else {
        reads[i].status = got.status();
        if (ends_batch(reads[i].status)) end = std::min(end, i + 1);
      }
      reads[i].done = true;
      freed.notify_all();
    }
  });
  reads.resize(std::min(end, next));
  return reads;
}

}  // namespace coven::remote
