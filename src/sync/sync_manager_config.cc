// SyncManager: the configuration read every round, and what the blob plan
// hears.
#include <algorithm>

#include "sync/sync_manager_impl.h"

namespace coven::sync::sync_manager {

namespace {

bool SameHome(const config::Config& a, const config::Config& b) {
  if (a.home != b.home) return false;
  if (a.cloud_home.has_value() != b.cloud_home.has_value()) return false;
  if (!a.cloud_home) return true;
  return a.cloud_home->provider == b.cloud_home->provider &&
         a.cloud_home->container == b.cloud_home->container &&
         a.cloud_home->account_email == b.cloud_home->account_email;
}

// What changed that the manager cannot take over while it runs.
std::vector<std::string> FixedChanges(const config::Config& was,
                                      const config::Config& now) {
  std::vector<std::string> changed;
  if (!SameHome(was, now)) changed.push_back("the home");
  if (was.library_dir != now.library_dir) changed.push_back("library_dir");
  if (was.synced_tables != now.synced_tables) {
    changed.push_back("synced_tables");
  }
  if (was.max_clock_drift_ms != now.max_clock_drift_ms) {
    changed.push_back("max_clock_drift_ms");
  }
  if (was.history_before_join != now.history_before_join) {
    changed.push_back("history_before_join");
  }
  if (was.genesis_anchor != now.genesis_anchor) {
    changed.push_back("genesis_anchor");
  }
  if (was.entropy != now.entropy) changed.push_back("entropy");
  return changed;
}

}  // namespace

void SyncManager::Impl::RefreshConfig(SyncReport* report) {
  config::Config now = config_provider();
  std::string fixed;
  for (const std::string& name : FixedChanges(config, now)) {
    fixed += (fixed.empty() ? "" : ", ") + name;
  }
  engine::EngineLimits limits;
  limits.max_object_bytes = now.max_object_bytes;
  limits.max_payload_bytes = now.max_payload_bytes;
  limits.audit_interval_ms = now.audit_interval_ms;
  const bool limits_changed =
      limits.max_object_bytes != config.max_object_bytes ||
      limits.max_payload_bytes != config.max_payload_bytes ||
      limits.audit_interval_ms != config.audit_interval_ms;
  {
    std::lock_guard<std::mutex> lock(mutex);
    config.sync_interval_ms = std::max<std::int64_t>(now.sync_interval_ms, 1);
    config.retry_base_ms = std::max<std::int64_t>(now.retry_base_ms, 1);
    config.retry_max_ms =
        std::max<std::int64_t>(now.retry_max_ms, config.retry_base_ms);
    config.max_object_bytes = limits.max_object_bytes;
    config.max_payload_bytes = limits.max_payload_bytes;
    config.audit_interval_ms = limits.audit_interval_ms;
    config.device_name = now.device_name;
  }
  if (limits_changed) engine->SetLimits(limits);
  if (fixed != reported_config_change) {
    reported_config_change = fixed;
    if (!fixed.empty()) {
      report->problems.push_back(
          "the configuration changed " + fixed +
          ", which this SyncManager was built on: it keeps the old value "
          "until the app creates a new SyncManager");
    }
  }
}

SyncManager::Impl::Timing SyncManager::Impl::CurrentTiming() {
  std::lock_guard<std::mutex> lock(mutex);
  return {config.sync_interval_ms, config.retry_base_ms, config.retry_max_ms};
}

void SyncManager::Impl::ListenForChanges() {
  if (observer || blob_plan) {
    engine->set_change_listener(
        [this](const std::vector<changeset::RowChange>& rows) {
          if (observer) observer->on_rows_changed(rows);
          if (blob_plan) NoteBlobs(blob_plan->blobs_to_pull(rows));
        });
  } else {
    engine->set_change_listener(nullptr);
  }
  if (blob_plan) {
    engine->set_capture_listener(
        [this](const std::vector<changeset::RowChange>& rows) {
          NoteBlobs(blob_plan->blobs_to_push(rows));
        });
  }
}

void SyncManager::Impl::NoteBlobs(const std::vector<blob::BlobRef>& refs) {
  if (refs.empty()) return;
  std::lock_guard<std::mutex> lock(mutex);
  if (unsynced_blobs == 0) {
    first_unsynced_blob = refs.front().name_space + "/" + refs.front().id;
  }
  unsynced_blobs += refs.size();
}

void SyncManager::Impl::NoteUnsyncedBlobs(SyncReport* report) {
  std::lock_guard<std::mutex> lock(mutex);
  if (unsynced_blobs == 0) return;
  report->problems.push_back(
      "the blob plan named " + std::to_string(unsynced_blobs) +
      " file(s) (first: " + first_unsynced_blob +
      ") that are not synced: this version of coven syncs rows only, not "
      "blobs");
  unsynced_blobs = 0;
  first_unsynced_blob.clear();
}

}  // namespace coven::sync::sync_manager
