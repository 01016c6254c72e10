// Deadline: a GCancellable that cancels itself after a timeout, so that a
// synchronous GIO or libsecret call cannot block forever.
//
// Thread safety: one Deadline per call; the watchdog thread only touches the
// (thread-safe) GCancellable.
#ifndef COVEN_KEYRING_KEYRING_DEADLINE_H_
#define COVEN_KEYRING_KEYRING_DEADLINE_H_

#if defined(COVEN_HAVE_LIBSECRET)

#include <gio/gio.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace coven::keys {

class Deadline {
 public:
  explicit Deadline(int timeout_ms) : cancellable_(g_cancellable_new()) {
    watchdog_ = std::thread([this, timeout_ms] {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!done_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                             [this] { return done_; })) {
        g_cancellable_cancel(cancellable_);
      }
    });
  }
  ~Deadline() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    watchdog_.join();
    g_object_unref(cancellable_);
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  GCancellable* cancellable() const { return cancellable_; }

 private:
  GCancellable* cancellable_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread watchdog_;
};

}  // namespace coven::keys

#endif  // COVEN_HAVE_LIBSECRET
#endif  // COVEN_KEYRING_KEYRING_DEADLINE_H_
