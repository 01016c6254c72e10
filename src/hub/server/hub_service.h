// The gRPC face of coven-hub (callback API: no thread per stream). Each
// RPC authenticates from the "coven-token-bin" metadata, hands its store
// work to the Executor (reactions must not block) and finishes from there.
// Unary calls and Pull pages are bounded by HubCoreOptions; at most
// max_pushes Push streams are read at once (the next waits unread, or is
// refused before any of it is read when max_waiting wait already; a push
// read in full frees its slot while it waits for its commit), each
// buffers at most max_push_bytes, and all of them max_buffered_bytes,
// answering RESOURCE_EXHAUSTED beyond.
//
// Thread safety: gRPC calls it from its own threads.
#ifndef COVEN_HUB_SERVER_HUB_SERVICE_H_
#define COVEN_HUB_SERVER_HUB_SERVICE_H_

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>

#include "coven/hub/v1/hub.grpc.pb.h"
#include "hub/server/executor.h"
#include "hub/server/hub_core.h"
#include "hub/server/subscriptions.h"

namespace coven::hub::server {

/// Called when an RPC finishes: method, gRPC code, seconds it took.
using RpcObserver =
    std::function<void(const char* method, grpc::StatusCode code, double)>;

class HubService final : public pb::Hub::CallbackService {
 public:
  HubService(HubCore& core, Executor& executor, Subscriptions& subscriptions,
             std::uint64_t max_buffered_bytes, std::size_t max_pushes,
             std::size_t max_waiting_pushes, std::size_t max_awaiting_commit,
             RpcObserver observer);

  grpc::ServerUnaryReactor* Probe(grpc::CallbackServerContext* context,
                                  const pb::ProbeRequest* request,
                                  pb::ProbeReply* reply) override;
  grpc::ServerUnaryReactor* GetChallenge(grpc::CallbackServerContext* context,
                                         const pb::ChallengeRequest* request,
                                         pb::ChallengeReply* reply) override;
  grpc::ServerUnaryReactor* RegisterDevice(grpc::CallbackServerContext* context,
                                           const pb::RegisterRequest* request,
                                           pb::RegisterReply* reply) override;
  grpc::ServerReadReactor<pb::PushRequest>* Push(
      grpc::CallbackServerContext* context, pb::PushReply* reply) override;
  grpc::ServerWriteReactor<pb::PullReply>* Pull(
      grpc::CallbackServerContext* context,
      const pb::PullRequest* request) override;
  grpc::ServerUnaryReactor* ListHeads(grpc::CallbackServerContext* context,
                                      const pb::ListHeadsRequest* request,
                                      pb::ListHeadsReply* reply) override;
  grpc::ServerUnaryReactor* GetObject(grpc::CallbackServerContext* context,
                                      const pb::GetObjectRequest* request,
                                      pb::GetObjectReply* reply) override;
  grpc::ServerUnaryReactor* ListObjects(grpc::CallbackServerContext* context,
                                        const pb::ListObjectsRequest* request,
                                        pb::ListObjectsReply* reply) override;
  grpc::ServerWriteReactor<pb::Hint>* Subscribe(
      grpc::CallbackServerContext* context,
      const pb::SubscribeRequest* request) override;
  grpc::ServerUnaryReactor* Heartbeat(grpc::CallbackServerContext* context,
                                      const pb::HeartbeatRequest* request,
                                      pb::HeartbeatReply* reply) override;
  grpc::ServerUnaryReactor* Reconcile(grpc::CallbackServerContext* context,
                                      const pb::ReconcileRequest* request,
                                      pb::ReconcileReply* reply) override;

  HubCore& core() { return core_; }
  Executor& executor() { return executor_; }
  /// Reserves `bytes` more of the push buffer budget for a push that holds
  /// `held` already; false when that is over the budget. Past the budget it
  /// still succeeds when no other push holds any, or when the push would
  /// hold over half the budget and takes the one oversize permit (then
  /// `*oversize` is set; it stays the push's until ReleaseBuffer): so a
  /// push up to max_push_bytes is never refused for good, and the buffer
  /// holds at most the budget plus one such push.
  bool ReserveBuffer(std::uint64_t bytes, std::uint64_t held, bool* oversize);
  /// Releases a push's `bytes` (and its oversize permit, when it holds it).
  void ReleaseBuffer(std::uint64_t bytes, bool oversize);
  /// A push read in full starts waiting for its commit without its slot;
  /// false when max_awaiting_commit pushes wait so already (it then keeps
  /// its slot). EndAwaitCommit when it is answered.
  bool TryAwaitCommit();
  void EndAwaitCommit();
  /// Counts a Push stream in before any of it is read. kAdmitted: it holds
  /// one of the max_pushes slots. kWaiting: every slot is taken; it waits,
  /// unread (costing only its stream's flow-control window), and
  /// `on_admitted` runs, on the thread of the push that frees a slot, when
  /// it gets one; `*ticket` names it for Withdraw. kRefused: max_waiting
  /// pushes wait already.
  enum class Admission { kAdmitted, kWaiting, kRefused };
  Admission AdmitPush(std::uint64_t* ticket, std::function<void()> on_admitted);
  /// Takes a waiting push out of the line (its call was cancelled); false
  /// when it is not waiting (admitted meanwhile, or never waited).
  bool Withdraw(std::uint64_t ticket);
  /// Frees an admitted push's slot, or hands it to the first waiting push.
  void EndPush();
  void Observe(const char* method, grpc::StatusCode code, double seconds);

 private:
  /// Runs `work(caller)` (authenticated unless `open`) on the executor and
  /// finishes the unary RPC with its result.
  template <typename Reply, typename Work>
  grpc::ServerUnaryReactor* Unary(const char* method,
                                  grpc::CallbackServerContext* context,
                                  Reply* reply, bool open, Work work);

  HubCore& core_;
  Executor& executor_;
  Subscriptions& subscriptions_;
  const std::uint64_t max_buffered_bytes_;
  std::atomic<std::uint64_t> buffered_bytes_{0};
  std::atomic<bool> oversize_taken_{false};
  const std::size_t max_awaiting_commit_;
  std::atomic<std::size_t> awaiting_commit_{0};
  const std::size_t max_pushes_;
  const std::size_t max_waiting_;
  std::mutex push_mutex_;
  std::size_t pushes_ = 0;  // Admitted and not ended.
  std::uint64_t next_ticket_ = 1;
  std::deque<std::pair<std::uint64_t, std::function<void()>>> waiting_;
  RpcObserver observer_;
};

/// The token a call carries ("" when none).
std::string TokenOf(const grpc::CallbackServerContext& context);

}  // namespace coven::hub::server

#endif  // COVEN_HUB_SERVER_HUB_SERVICE_H_
