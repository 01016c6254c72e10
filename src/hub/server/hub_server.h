// A running coven-hub: the gRPC server (TLS, keepalive, message and memory
// limits), its service, live delivery, and the Prometheus /metrics and
// /healthz endpoint.
//
// Thread safety: Shutdown may be called from any thread, once.
#ifndef COVEN_HUB_SERVER_HUB_SERVER_H_
#define COVEN_HUB_SERVER_HUB_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "coven/clock.h"
#include "coven/entropy.h"
#include "coven/status.h"
#include "hub/server/hub_core.h"
#include "hub/store/store.h"

namespace coven::hub::server {

struct HubServerOptions {
  /// HOST:PORT to serve gRPC on (port 0: a free port, see port()).
  std::string listen = "0.0.0.0:50051";
  /// PEM files. Both or neither; neither needs `plaintext`.
  std::string tls_cert;
  std::string tls_key;
  /// When set, clients must present a certificate signed by this CA.
  std::string tls_client_ca;
  /// Serve without TLS (tests, or behind a TLS-terminating proxy).
  bool plaintext = false;
  /// HOST:PORT for /metrics and /healthz; empty: none.
  std::string metrics_listen;
  std::size_t worker_threads = 8;
  std::size_t max_queued_tasks = 4096;
  /// Largest gRPC message either way.
  int max_message_bytes = 16 << 20;
  /// Push streams being read at once; more wait, unread, for a slot. A
  /// push read in full gives up its slot while it waits for its commit
  /// (its bytes count in max_buffered_push_bytes until then).
  std::size_t max_concurrent_pushes = 8;
  /// Push streams waiting for a slot; more are refused (RESOURCE_EXHAUSTED)
  /// before they are read.
  std::size_t max_waiting_pushes = 256;
  /// Pushes read in full and waiting for their commit without a slot; a
  /// push read beyond them keeps its slot until its commit.
  std::size_t max_pushes_awaiting_commit = 1024;
  /// Push bytes held over all streams at once. A push alone, or one push at
  /// a time holding over half of it, may hold more, up to
  /// HubCoreOptions::max_push_bytes, so the largest push is never refused
  /// for good.
  std::uint64_t max_buffered_push_bytes = 64ull << 20;
  /// gRPC's own memory quota.
  std::uint64_t grpc_memory_bytes = 64ull << 20;
  std::int64_t keepalive_ms = 30'000;
  std::int64_t max_connection_age_ms = 30 * 60'000;
  std::int64_t shutdown_grace_ms = 5'000;
  HubCoreOptions core;
};

class HubServer {
 public:
  /// Starts serving `store`. Errors: kInvalidArgument (a listen address
  /// that is not HOST:PORT, TLS files missing or
  /// unreadable, plaintext not asked for), kUnavailable (cannot listen),
  /// the store's.
  static Result<std::unique_ptr<HubServer>> Start(store::StoreRef store,
                                                  HubServerOptions options,
                                                  clock::ClockRef clock = {},
                                                  EntropyRef entropy = {});
  /// Shuts down if still running.
  ~HubServer();

  /// The gRPC port it listens on.
  int port() const;
  /// Stops: closes every Subscribe stream with UNAVAILABLE, stops taking
  /// calls, cancels what is still running after the grace period, drains
  /// the workers.
  void Shutdown();
  /// Blocks until Shutdown finished.
  void Wait();
  HubCore& core();

  struct Impl;

 private:
  explicit HubServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace coven::hub::server

#endif  // COVEN_HUB_SERVER_HUB_SERVER_H_
