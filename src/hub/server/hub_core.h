// What coven-hub does, apart from gRPC: registration, authentication,
// authorization and the store operations behind every RPC. The gRPC
// service (hub_service.cc) only moves messages in and out of it, so the
// rules are tested here without a network.
//
// Every write is checked against the space's member log (access.h): a
// device reads a space only while the log admits it (or its member), writes
// only its own log and head (only while its role may write), member-log
// entries only when they verify as the next entry, the marker only as the
// founder. Refusals are logged as security events.
//
// Thread safety: every member may be called from any thread.
#ifndef COVEN_HUB_SERVER_HUB_CORE_H_
#define COVEN_HUB_SERVER_HUB_CORE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coven/clock.h"
#include "coven/entropy.h"
#include "coven/hub/v1/hub.pb.h"
#include "coven/status.h"
#include "hub/server/access.h"
#include "hub/server/tokens.h"
#include "hub/store/store.h"

namespace coven::hub::server {

namespace pb = ::coven::hub::v1;

struct HubCoreOptions {
  std::int64_t token_lifetime_ms = 30 * 60 * 1000;
  std::int64_t challenge_lifetime_ms = 60 * 1000;
  /// How stale a cached member log may be (a removal takes effect within).
  std::int64_t member_log_max_age_ms = 1000;
  /// Most bytes of objects one Push may carry.
  std::uint64_t max_push_bytes = 64ull << 20;
  /// Most bytes of one Pull page (below the gRPC message limit).
  std::uint64_t max_page_bytes = 4ull << 20;
  /// Largest object stored or sent.
  std::uint64_t max_object_bytes = 12ull << 20;
  /// Structured log lines ("event=... key=value ..."); null: stderr.
  std::function<void(const std::string&)> log;
};

/// The caller of an authenticated RPC, as checked against the member log
/// at the time of the call.
struct Caller {
  std::string space;
  Key32 device{};
  std::uint64_t device_id = 0;
  std::optional<Key32> member;
  Access access = Access::kNone;
  std::uint64_t member_epoch = 0;
  std::int64_t token_expires_ms = 0;
  /// OK when the caller's role lets it publish rows (log and head).
  Status may_write_log;
};

class HubCore {
 public:
  /// Reads (or makes) the store's token key. Errors: the store's.
  static Result<std::unique_ptr<HubCore>> Create(store::StoreRef store,
                                                 clock::ClockRef clock,
                                                 EntropyRef entropy,
                                                 HubCoreOptions options);

  const std::array<std::uint8_t, 16>& hub_id() const { return hub_id_; }
  store::Store& store() { return *store_; }
  MemberViews& member_views() { return views_; }

  // Unauthenticated calls.
  Result<pb::ProbeReply> Probe(const pb::ProbeRequest& request);
  Result<pb::ChallengeReply> GetChallenge(const pb::ChallengeRequest& request);
  Result<pb::RegisterReply> RegisterDevice(const pb::RegisterRequest& request,
                                           const std::string& peer);

  /// The caller that `token` names, as the member log admits it now.
  /// kUnauthenticated (no, forged or expired token), kPermissionDenied (the
  /// member log no longer admits it: removed).
  Result<Caller> Authenticate(ByteView token, const std::string& peer);
  /// Only whether `token` is one of this hub's and unexpired (a MAC check,
  /// no store access: cheap enough for a reaction). kUnauthenticated.
  Status CheckToken(ByteView token);

  // Authenticated calls.
  Result<pb::PushReply> Push(const Caller& caller,
                             const std::vector<pb::Object>& objects,
                             const std::optional<pb::Object>& head);
  /// One page of a Pull: objects after `after_seq`, at most `max_objects`.
  Result<std::vector<store::StoredObject>> PullPage(
      const Caller& caller, const pb::PullRequest& request,
      std::uint64_t after_seq, std::uint32_t max_objects);
  Result<pb::ListHeadsReply> ListHeads(const Caller& caller);
  Result<pb::GetObjectReply> GetObject(const Caller& caller,
                                       const pb::GetObjectRequest& request);
  Result<pb::ListObjectsReply> ListObjects(
      const Caller& caller, const pb::ListObjectsRequest& request);
  Result<pb::HeartbeatReply> Heartbeat(const Caller& caller);
  Result<pb::ReconcileReply> Reconcile(const Caller& caller,
                                       const pb::ReconcileRequest& request);

  /// Writes one structured log line.
  void Log(const std::string& line) const;
  /// Logs a refused attempt as a security event and returns `status`.
  Status Refuse(const Caller& caller, const std::string& what, Status status);

  const HubCoreOptions& options() const { return options_; }
  clock::Clock& clock() { return *clock_; }

 private:
  HubCore(store::StoreRef store, clock::ClockRef clock, EntropyRef entropy,
          HubCoreOptions options, Key32 token_key);

  Status PushLog(const Caller& caller,
                 const std::vector<const pb::Object*>& log,
                 const pb::Object* head, pb::PushReply* reply);
  Status PushMember(const Caller& caller, std::uint64_t slot,
                    const pb::Object& object, pb::PushReply* reply);
  Status CheckRead(const Caller& caller, std::string_view path);
  void Changed(const store::Change& change);

  store::StoreRef store_;
  clock::ClockRef clock_;
  EntropyRef entropy_;
  HubCoreOptions options_;
  Key32 token_key_;
  std::array<std::uint8_t, 16> hub_id_{};
  MemberViews views_;
};

}  // namespace coven::hub::server

#endif  // COVEN_HUB_SERVER_HUB_CORE_H_
