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
#include "hub/server/recent_logs.h"
#include "hub/server/tokens.h"
#include "hub/store/store.h"

namespace coven::hub::server {

namespace pb = ::coven::hub::v1;

struct HubCoreOptions {
  std::int64_t token_lifetime_ms = 30 * 60 * 1000;
  std::int64_t challenge_lifetime_ms = 60 * 1000;
  /// How stale a cached member log may be (a removal takes effect within).
  std::int64_t member_log_max_age_ms = 1000;
  /// Most bytes of objects one Push may carry: one object of
  /// max_object_bytes and the head.
  std::uint64_t max_push_bytes = 65ull << 20;
  /// Most bytes of one Pull page (below the gRPC message limit).
  std::uint64_t max_page_bytes = 4ull << 20;
  /// Most bytes of one piece of an object larger than a message, in a Pull
  /// or GetObject reply (below the gRPC message limit).
  std::uint64_t max_piece_bytes = 4ull << 20;
  /// Challenges waiting to be used, per space and in all (GetChallenge
  /// needs no key: this bounds what anyone can make the store hold).
  std::size_t max_challenges_per_space = 256;
  std::size_t max_challenges = 65'536;
  /// Largest object stored or sent: the engine's own limit
  /// (Config::max_object_bytes). Objects larger than a message travel in
  /// pieces (Object.continued, PulledObject.continued).
  std::uint64_t max_object_bytes = 64ull << 20;
  /// The log objects this process committed lately, kept to answer the
  /// Pulls that follow (recent_logs.h).
  RecentLogsLimits recent_logs;
  /// Structured log lines ("event=... key=value ..."); null: stderr.
  std::function<void(const std::string&)> log;
};

/// Most authors one Pull may name (PullRequest.authors).
inline constexpr int kMaxPullAuthors = 1024;
/// Most objects one Pull sends when the request sets no max_objects.
inline constexpr std::uint32_t kDefaultPullObjects = 1024;
/// Most objects in one Pull page (the bytes are bounded by max_page_bytes).
inline constexpr std::uint32_t kMaxPullPageObjects = 256;

/// Where a Pull call is: every author it names with the newest seq sent so
/// far, in the order the request named them. The authors before `next` are
/// read to their end; a page may stop in the middle of `next`.
struct PullPlan {
  struct Author {
    std::uint64_t author = 0;
    std::uint64_t after_seq = 0;    ///< advanced as objects are paged out
    std::uint64_t through_seq = 0;  ///< 0: to the head
  };
  std::vector<Author> authors;
  std::size_t next = 0;
  /// Objects the call may still send.
  std::uint32_t remaining = 0;
  std::uint64_t max_object_bytes = 0;
  bool done() const { return next >= authors.size() || remaining == 0; }
};

/// The plan of a Pull from its request alone (no store, no caller): one
/// author, or a list of distinct authors (at most kMaxPullAuthors), never
/// both; objects larger than min(request's, `max_object_bytes`) reported
/// only. kInvalidArgument.
Result<PullPlan> PlanPull(const pb::PullRequest& request,
                          std::uint64_t max_object_bytes);

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
  /// Stops the store's damage reports to this hub's log.
  ~HubCore();
  HubCore(const HubCore&) = delete;
  HubCore& operator=(const HubCore&) = delete;

  const std::array<std::uint8_t, 16>& hub_id() const { return hub_id_; }
  store::Store& store() { return *store_; }
  MemberViews& member_views() { return views_; }
  /// The objects this process committed lately (Pull and hints read them).
  const RecentLogs& recent_logs() const { return recent_; }

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

  /// A push checked, with what is not an author's log already stored
  /// (member-log slots, key wraps, the marker).
  struct PreparedPush {
    pb::PushReply reply;
    /// The author-log part (objects and head), committed by CommitPush;
    /// none when the push has none.
    std::optional<store::LogPush> log;
  };
  /// Checks a push (sizes, paths, the caller's rights; refusals are logged
  /// as security events) and stores its member-log slots, key wraps and
  /// marker. The log part views the bytes of `objects`, which must stay
  /// valid until it is committed. kResourceExhausted, kPermissionDenied,
  /// kInvalidArgument, kAlreadyExists, the store's.
  Result<PreparedPush> PreparePush(const Caller& caller,
                                   const std::vector<pb::Object>& objects,
                                   const std::optional<pb::Object>& head);
  /// Commits the log part of `push` (with the other pushes waiting: a
  /// group commit) and gives `done` the reply once, after the commit, on
  /// the thread that led it: possibly this one, before the call returns.
  /// `push` must stay valid until then. Errors as Store::PushLog (a fork is
  /// logged as a security event).
  void CommitPush(const Caller& caller, PreparedPush* push,
                  std::function<void(Result<pb::PushReply>)> done);
  /// PreparePush, then CommitPush, waiting for the commit.
  Result<pb::PushReply> Push(const Caller& caller,
                             const std::vector<pb::Object>& objects,
                             const std::optional<pb::Object>& head);
  /// PlanPull, then checks that the caller may read every author the
  /// request names, before anything is read. kInvalidArgument,
  /// kPermissionDenied.
  Result<PullPlan> StartPull(const Caller& caller,
                             const pb::PullRequest& request);
  /// Fills `page` with the next objects of `plan` (at most
  /// kMaxPullPageObjects and max_page_bytes, or one larger object alone)
  /// and advances it. An empty page only when plan->done().
  Status PullPage(const Caller& caller, PullPlan* plan, pb::PullReply* page);
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

  // The author-log part of a push, checked: the caller's own log and head.
  Result<store::LogPush> PlanLogPush(const Caller& caller,
                                     const std::vector<const pb::Object*>& log,
                                     const pb::Object* head);
  // After the commit: the reply, recent objects and the change hint.
  Status FinishLogPush(const Caller& caller, const store::LogPush& push,
                       Result<store::LogPushResult> result,
                       pb::PushReply* reply);
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
  RecentLogs recent_;
};

}  // namespace coven::hub::server

#endif  // COVEN_HUB_SERVER_HUB_CORE_H_
