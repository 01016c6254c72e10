// The PostgreSQL store's Watch: one connection of its own that LISTENs on
// channel coven_hub, and a thread that waits on its socket, turns each
// notification into a Change and hands it to the watcher. On a lost
// connection it reconnects with backoff, LISTENs again and hands over an
// empty Change{} (notifications may have been lost: re-read everything).
#ifndef COVEN_HUB_STORE_POSTGRES_LISTENER_H_
#define COVEN_HUB_STORE_POSTGRES_LISTENER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "coven/status.h"
#include "hub/store/pg_conn.h"
#include "hub/store/watcher_slot.h"

namespace coven::hub::store {

/// The NOTIFY channel every hub process on a database shares.
inline constexpr const char* kNotifyChannel = "coven_hub";

/// "space\tauthor\tlog_seq" or "space\tmembers" (decimal numbers).
std::string ChangePayload(const Change& change);
/// The Change a payload names; an empty Change{} (re-read everything) when
/// it names none.
Change ParseChangePayload(std::string_view payload);

class PostgresListener {
 public:
  /// Connects and LISTENs before returning (so no change made after Open
  /// returned is missed), then starts the thread.
  static Result<std::unique_ptr<PostgresListener>> Start(std::string url,
                                                         WatcherSlot* watcher);
  /// Stops the thread (within one poll interval at most) and disconnects.
  ~PostgresListener();

 private:
  PostgresListener(std::string url, WatcherSlot* watcher);
  static Result<std::unique_ptr<PgConnection>> Listen(const std::string& url);
  void Loop();
  // Waits `ms` or until stopped; false when stopped.
  bool Pause(int ms);

  const std::string url_;
  WatcherSlot* const watcher_;
  std::unique_ptr<PgConnection> conn_;  // The thread's.
  int wake_fd_ = -1;                    // An eventfd: written to stop.
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_POSTGRES_LISTENER_H_
