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
  /// The configuration the manager was built on, with the parts a round
  /// may change (RefreshConfig) updated under `mutex`.
  config::Config config;
  /// Null for NoBlobs.
  blob::BlobPlanRef blob_plan;
  /// Files the plan named that no blob store synced yet (since the last
  /// round reported them), and the first of them.
  std::size_t unsynced_blobs = 0;
  std::string first_unsynced_blob;
  /// Restart-needing changes already reported ("" when none).
  std::string reported_config_change;
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

  struct Timing {
    std::int64_t sync_interval_ms;
    std::int64_t retry_base_ms;
    std::int64_t retry_max_ms;
  };

  Result<SyncReport> Round();
  /// Rounds until this device's queue is sent, or a round sends nothing,
  /// or the queue stops shrinking (the app writes as fast as rounds send):
  /// one round uploads a bounded batch. The report adds the rounds up; an
  /// error of a later round is returned alone (the observer saw each round).
  Result<SyncReport> RoundsUntilSent();
  /// Whether `round` sent objects and left `queued` objects to send.
  static bool MoreToSend(const SyncReport& round, std::size_t queued);
  /// Asks config_provider for the configuration and applies what a running
  /// manager can change; a change that needs a new manager becomes a
  /// problem of `report` (once per change).
  void RefreshConfig(SyncReport* report);
  Timing CurrentTiming();
  /// Hands row changes to the observer and the blob plan.
  void ListenForChanges();
  void NoteBlobs(const std::vector<blob::BlobRef>& refs);
  /// Adds a problem naming the files the blob plan named since the last
  /// round: there is no blob store to sync them yet.
  void NoteUnsyncedBlobs(SyncReport* report);
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
