#include "coven/sync_manager.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "coven/memory_home.h"
#include "coven/session.h"
#include "db/sql.h"
#include "engine/sync_engine.h"
#include "sync/backoff.h"
#include "sync/home_credentials.h"
#include "sync/sync_manager_impl.h"

namespace coven::sync::sync_manager {

namespace {

Result<std::optional<std::string>> GetSyncState(db::SyncDb& db,
                                                std::string_view key) {
  std::lock_guard<std::recursive_mutex> lock(db.write_mutex());
  return db::GetState(db.raw_write_handle(), key);
}

Status SetSyncState(db::SyncDb& db, std::string_view key,
                    std::string_view value) {
  std::lock_guard<std::recursive_mutex> lock(db.write_mutex());
  return db::SetState(db.raw_write_handle(), key, value);
}

// Moves the lines of `from` that `to` does not hold yet to its end.
void AppendNew(std::vector<std::string>& from, std::vector<std::string>& to) {
  for (std::string& line : from) {
    if (std::find(to.begin(), to.end(), line) == to.end()) {
      to.push_back(std::move(line));
    }
  }
}

}  // namespace

Result<std::unique_ptr<SyncManager>> SyncManager::Create(
    ConfigProvider config_provider, keys::KeyService key_service,
    encryption::EncryptionService encryption_service,
    std::shared_ptr<db::SyncDb> db, clock::ClockRef clock,
    SyncManagerOptions options) {
  if (!config_provider) return InvalidArgumentError("config_provider is empty");
  if (!db) return InvalidArgumentError("db is null");
  if (!clock) clock = std::make_shared<clock::SystemClock>();
  auto impl = std::make_unique<Impl>();
  impl->config_provider = std::move(config_provider);
  impl->config = impl->config_provider();
  impl->observer = std::move(options.observer);
  if (options.blob_plan &&
      !dynamic_cast<blob::NoBlobs*>(options.blob_plan.get())) {
    impl->blob_plan = std::move(options.blob_plan);
  }
  impl->clock = clock;
  impl->entropy = impl->config.entropy ? impl->config.entropy
                                       : std::make_shared<SystemEntropy>();

  engine::Identity identity;
  Bytes library_id;
  if (!HexDecode(key_service.library_id(), &library_id) ||
      library_id.size() != 16) {
    return InvalidArgumentError("library id `" + key_service.library_id() +
                                "` is not 32 hex digits");
  }
  std::copy(library_id.begin(), library_id.end(), identity.library_id.begin());
  identity.library_key = crypto::LibraryKey(encryption_service.key().bytes);
  COVEN_ASSIGN_OR_RETURN(keys::DeviceKey device_key,
                         key_service.get_or_create_device_key());
  identity.signer = crypto::SigningKeyPair::FromSeed(device_key.seed);
  // A device that dropped its member seed syncs with its device key alone.
  COVEN_ASSIGN_OR_RETURN(bool seed_dropped, key_service.member_seed_dropped());
  if (!seed_dropped) {
    COVEN_ASSIGN_OR_RETURN(auto member_seed,
                           key_service.get_or_create_member_seed());
    identity.member = members::MemberIdentity::FromSeed(member_seed);
    crypto::WipeMemory(member_seed.data(), member_seed.size());
    COVEN_ASSIGN_OR_RETURN(bool enrol_only,
                           key_service.member_seed_enrol_only());
    if (enrol_only) {
      identity.drop_member_seed = [key_service]() mutable {
        return key_service.drop_member_seed();
      };
    }
  }
  COVEN_ASSIGN_OR_RETURN(std::vector<keys::EncryptionKey> held,
                         key_service.library_keys());
  for (const keys::EncryptionKey& key : held) {
    identity.known_keys.emplace_back(key.bytes);
  }
  identity.persist_key = [key_service](const crypto::LibraryKey& key) mutable {
    return key_service.store_library_key(keys::EncryptionKey{key.bytes()});
  };
  if (!impl->config.genesis_anchor.empty()) {
    Bytes anchor;
    if (!HexDecode(impl->config.genesis_anchor, &anchor) ||
        anchor.size() != 32) {
      return InvalidArgumentError(
          "Config::genesis_anchor must be 64 hex digits (from an invite or "
          "restore code)");
    }
    crypto::Hash256 hash{};
    std::copy(anchor.begin(), anchor.end(), hash.begin());
    identity.genesis_anchor = hash;
    identity.may_found = false;
  }
  impl->key_service = key_service;

  impl->db = db;
  impl->library_id = key_service.library_id();
  // A home that authenticates (hub://) proves who asks with this device's
  // keys, unless the host gave credentials of its own.
  config::Config home_config = impl->config;
  if (!home_config.home_credentials) {
    home_config.home_credentials =
        CredentialsFromKeys(identity.signer, identity.member);
  }
  COVEN_ASSIGN_OR_RETURN(home::HomeRef home,
                         config::OpenHome(home_config, clock));
  // A home with a native Remote (the hub's) exchanges heads and log objects
  // through it, past the guard below (every round checks the guard first).
  remote::RemoteRef native_remote;
  if (dynamic_cast<remote::RemoteSource*>(home.get()) != nullptr) {
    native_remote = remote::RemoteFor(home);
  }
  // A home named by the configuration must be there and be this library's
  // before anything is read from it or written to it; an injected home is
  // the caller's business.
  if (!impl->config.home && !dynamic_cast<home::MemoryHome*>(home.get())) {
    COVEN_ASSIGN_OR_RETURN(std::optional<std::string> seen,
                           GetSyncState(*db, "home_marker"));
    impl->home_guard =
        HomeGuard::Wrap(std::move(home),
                        HomeGuard::Options{impl->library_id, seen.has_value()});
    home = impl->home_guard;
  }
  engine::EngineOptions engine_options;
  engine_options.tables = impl->config.synced_tables.empty()
                              ? session::synced_tables()
                              : impl->config.synced_tables;
  engine_options.max_clock_drift_ms = impl->config.max_clock_drift_ms;
  engine_options.max_object_bytes = impl->config.max_object_bytes;
  engine_options.max_payload_bytes = impl->config.max_payload_bytes;
  engine_options.audit_interval_ms = impl->config.audit_interval_ms;
  engine_options.history_before_join = impl->config.history_before_join;
  engine_options.remote = std::move(native_remote);
  COVEN_ASSIGN_OR_RETURN(
      impl->engine, engine::SyncEngine::Open(std::move(db), std::move(home),
                                             std::move(identity), clock,
                                             std::move(engine_options)));
  impl->ListenForChanges();
  return std::unique_ptr<SyncManager>(new SyncManager(std::move(impl)));
}

SyncManager::SyncManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SyncManager::~SyncManager() { stop().IgnoreError(); }

Status SyncManager::Impl::CheckHome() {
  if (!home_guard) return Status::Ok();
  COVEN_RETURN_IF_ERROR(home_guard->Check());
  if (home_guard->TakeFirstSeen()) {
    return SetSyncState(*db, "home_marker", library_id);
  }
  return Status::Ok();
}

Result<SyncReport> SyncManager::Impl::Round() {
  // A home that is missing or not this library's stops the round before
  // anything is captured, sent or fetched.
  SyncReport report;
  RefreshConfig(&report);
  Status home_ok = CheckHome();
  Result<engine::RoundReport> round =
      home_ok.ok() ? engine->SyncOnce() : Result<engine::RoundReport>(home_ok);
  Status status = round.status();
  if (round.ok()) {
    report.flushed_rows = round->flushed_rows;
    report.pushed_objects = round->pushed_objects;
    report.pulled_objects = round->pulled_objects;
    report.applied_rows = round->applied_rows;
    report.quarantined = round->quarantined;
    report.requests = round->requests;
    report.problems.insert(report.problems.end(), round->problems.begin(),
                           round->problems.end());
    report.waiting = round->waiting;
    report.alarms = round->alarms;
  }
  NoteUnsyncedBlobs(&report);
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (status.ok()) {
      last_success_ms = clock->NowMillis();
      last_error.clear();
      problems = report.problems;
      problems.insert(problems.end(), report.waiting.begin(),
                      report.waiting.end());
    } else {
      last_error = status.ToString();
    }
  }
  if (observer) observer->on_round(report, status);
  if (!status.ok()) return status;
  return report;
}

bool SyncManager::Impl::MoreToSend(const SyncReport& round,
                                   std::size_t queued) {
  return round.pushed_objects > 0 && queued > 0;
}

Result<SyncReport> SyncManager::Impl::RoundsUntilSent() {
  COVEN_ASSIGN_OR_RETURN(SyncReport total, Round());
  std::size_t queued = engine->PendingObjects();
  bool more = MoreToSend(total, queued);
  while (more) {
    COVEN_ASSIGN_OR_RETURN(SyncReport next, Round());
    total.flushed_rows += next.flushed_rows;
    total.pushed_objects += next.pushed_objects;
    total.pulled_objects += next.pulled_objects;
    total.applied_rows += next.applied_rows;
    total.quarantined += next.quarantined;
    total.requests += next.requests;
    // The same note or alarm in every round is said once.
    AppendNew(next.problems, total.problems);
    AppendNew(next.alarms, total.alarms);
    total.waiting = std::move(next.waiting);  // A state: the latest holds.
    // On only while the queue shrinks: an app that writes as fast as the
    // rounds send leaves the rest to the loop instead of keeping this call.
    const std::size_t now_queued = engine->PendingObjects();
    more = MoreToSend(next, now_queued) && now_queued < queued;
    queued = now_queued;
  }
  return total;
}

void SyncManager::Impl::Loop() {
  Backoff backoff(*entropy);
  while (true) {
    Result<SyncReport> result = Round();
    Timing timing = CurrentTiming();
    std::int64_t wait_ms = timing.sync_interval_ms;
    if (!result.ok()) {
      wait_ms = std::min(
          wait_ms, backoff.Next(timing.retry_base_ms, timing.retry_max_ms));
    } else {
      backoff.Reset();
      // A backlog (a long offline spell, a large first sync) goes out
      // round after round, not one batch per interval.
      if (MoreToSend(*result, engine->PendingObjects())) wait_ms = 0;
    }
    const std::int64_t deadline = clock->NowMillis() + wait_ms;
    // A remote with live notifications ends the wait when another device
    // publishes; one without returns at once, and the loop polls.
    Result<remote::WaitOutcome> seen = engine->remote().WaitForChange(deadline);
    if (!seen.ok() || *seen != remote::WaitOutcome::kChanged) {
      clock->WaitUntil(deadline, waker);
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (stopping) return;
    triggered = false;
  }
}

void SyncManager::Impl::WakeLoop() {
  waker.Wake();
  if (engine) engine->remote().CancelWait();
}

void SyncManager::start_sync() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->running) return;
  impl_->running = true;
  impl_->stopping = false;
  impl_->thread = std::thread([impl = impl_.get()] { impl->Loop(); });
}

void SyncManager::trigger_sync() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->triggered = true;
  impl_->WakeLoop();
}

Result<SyncReport> SyncManager::sync_now() { return impl_->RoundsUntilSent(); }

Result<std::size_t> SyncManager::flush() { return impl_->engine->Flush(); }

Result<SyncReport> SyncManager::retry_quarantined() {
  engine::RoundReport round;
  COVEN_RETURN_IF_ERROR(impl_->engine->RetryQuarantined(&round));
  SyncReport report;
  report.pulled_objects = round.pulled_objects;
  report.applied_rows = round.applied_rows;
  report.requests = round.requests;
  report.problems = round.problems;
  return report;
}

Status SyncManager::stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
    impl_->WakeLoop();
    thread = std::move(impl_->thread);
    impl_->running = false;
  }
  if (thread.joinable()) thread.join();
  return impl_->engine->Close();
}

Status SyncManager::acknowledge_alarms() {
  return impl_->engine->AcknowledgeAlarms();
}

Status SyncManager::check_home() { return impl_->engine->CheckHome(); }

SyncStatus SyncManager::status() {
  SyncStatus out;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    out.running = impl_->running;
    out.last_success_ms = impl_->last_success_ms;
    out.last_error = impl_->last_error;
    out.problems = impl_->problems;
  }
  out.device_id = DeviceIdToHex(impl_->engine->device_id());
  out.pending_objects = impl_->engine->PendingObjects();
  out.pending_error = impl_->engine->PendingError();
  for (const engine::WaitingAuthor& w : impl_->engine->Waiting()) {
    out.waiting.push_back(
        {DeviceIdToHex(w.author), w.seq, w.reason, w.since_ms});
  }
  for (const auto& q : impl_->engine->Quarantined()) {
    out.quarantined.push_back({q.path, q.reason});
  }
  for (const engine::LostEntry& l : impl_->engine->Lost()) {
    out.lost.push_back({l.table, l.id, l.stamp, l.reason});
  }
  out.alarms = impl_->engine->Alarms();
  {
    std::lock_guard<std::mutex> round(impl_->engine->round_mutex());
    members::Membership& m = impl_->engine->membership();
    const crypto::PublicKey me = m.MemberSign();
    out.member_id = members::MemberIdHex(me);
    out.member_key_here = m.member().has_seed();
    if (const members::MemberRecord* r = m.current().FindMember(me);
        r && r->active) {
      out.role = std::string(members::RoleName(r->role));
    }
    out.member_log_size = m.position();
    for (const members::MemberInfo& member :
         m.current().Members(/*include_removed=*/true)) {
      for (const members::DeviceInfo& device : member.devices) {
        if (device.added_at != 1) continue;
        out.founding_device = device.device_id;
        out.founding_device_active = device.active && member.active;
      }
    }
    out.fingerprint = m.Fingerprint();
    out.missing_key = m.MissingCurrentKey();
  }
  return out;
}

}  // namespace coven::sync::sync_manager
