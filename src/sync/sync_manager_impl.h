// SyncManager's private state, shared by sync_manager.cc (rounds, loop)
// and membership_api.cc (member changes, codes).
#ifndef COVEN_SYNC_SYNC_MANAGER_IMPL_H_
#define COVEN_SYNC_SYNC_MANAGER_IMPL_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "coven/sync_manager.h"
#include "engine/sync_engine.h"
#include "sync/home_marker.h"

namespace coven::sync::sync_manager {

struct SyncManager::Impl {
  ConfigProvider config_provider;
  config::Config config;
  std::shared_ptr<SyncObserver> observer;
  clock::ClockRef clock;
  EntropyRef entropy;
  std::unique_ptr<engine::SyncEngine> engine;
  std::optional<keys::KeyService> key_service;
  std::shared_ptr<db::SyncDb> db;
  /// Checks the home before each round; null for an injected home.
  std::shared_ptr<HomeGuard> home_guard;
  std::string library_id;  ///< 32 hex digits.

  std::mutex mutex;
  /// Wakes the loop from its wait on the clock (trigger_sync, stop).
  clock::Waker waker;
  bool running = false;
  bool stopping = false;
  bool triggered = false;
  std::thread thread;
  std::int64_t last_success_ms = 0;
  std::string last_error;
  std::vector<std::string> problems;

  Result<SyncReport> Round();
  /// OK when the home is there and is this library's (see HomeGuard).
  Status CheckHome();
  /// The background loop: a round, then a wait on the injected clock until
  /// the next poll (or, after a failure, the backoff) or a wake.
  void Loop();
  /// Wakes the loop (under `mutex`, after setting `stopping`/`triggered`).
  void WakeLoop();
};

}  // namespace coven::sync::sync_manager

#endif  // COVEN_SYNC_SYNC_MANAGER_IMPL_H_
