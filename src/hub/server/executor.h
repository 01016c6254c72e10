// A fixed pool of threads for the hub's blocking work (store calls). gRPC's
// callback reactions must not block (gRFC L67), so they hand work here and
// the work finishes the RPC. The queue is bounded: a full queue refuses new
// work, and the RPC answers RESOURCE_EXHAUSTED instead of growing memory.
//
// Thread safety: Submit may be called from any thread.
#ifndef COVEN_HUB_SERVER_EXECUTOR_H_
#define COVEN_HUB_SERVER_EXECUTOR_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace coven::hub::server {

class Executor {
 public:
  Executor(std::size_t threads, std::size_t max_queued);
  /// Runs what is queued, then joins the threads.
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  /// Queues `task`; false (task not run) when the queue is full or the
  /// executor is stopping.
  [[nodiscard]] bool Submit(std::function<void()> task);
  /// Tasks queued and not started.
  std::size_t queued() const;

 private:
  void Run();

  const std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace coven::hub::server

#endif  // COVEN_HUB_SERVER_EXECUTOR_H_
