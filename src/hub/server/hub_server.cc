#include "hub/server/hub_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>

#include "hub/server/executor.h"
#include "hub/server/hub_service.h"
#include "hub/server/listen_address.h"
#include "hub/server/subscriptions.h"

namespace coven::hub::server {

namespace {

Result<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) {
    return InvalidArgumentError(std::string("cannot read the ") + what +
                                " file " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().empty()) {
    return InvalidArgumentError(std::string("the ") + what + " file " + path +
                                " is empty");
  }
  return text.str();
}

Result<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const HubServerOptions& options) {
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (!tls) {
    if (!options.plaintext) {
      return InvalidArgumentError(
          "no TLS certificate: pass --tls-cert and --tls-key (or "
          "COVEN_HUB_TLS_CERT and COVEN_HUB_TLS_KEY), or --plaintext to serve "
          "without TLS (tests, or behind a TLS proxy)");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert.empty() || options.tls_key.empty()) {
    return InvalidArgumentError("TLS needs both --tls-cert and --tls-key");
  }
  if (options.plaintext) {
    return InvalidArgumentError("--plaintext and TLS files exclude each other");
  }
  COVEN_ASSIGN_OR_RETURN(std::string cert,
                         ReadPem(options.tls_cert, "TLS certificate"));
  COVEN_ASSIGN_OR_RETURN(std::string key, ReadPem(options.tls_key, "TLS key"));
  grpc::SslServerCredentialsOptions ssl(
      options.tls_client_ca.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!options.tls_client_ca.empty()) {
    COVEN_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                           ReadPem(options.tls_client_ca, "client CA"));
  }
  ssl.pem_key_cert_pairs.push_back({key, cert});
  return grpc::SslServerCredentials(ssl);
}

std::string CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i <= 16 ? kNames[i] : "UNKNOWN";
}

}  // namespace

struct HubServer::Impl {
  HubServerOptions options;
  store::StoreRef store;
  std::unique_ptr<HubCore> core;
  std::unique_ptr<Executor> executor;
  std::unique_ptr<Subscriptions> subscriptions;
  std::unique_ptr<HubService> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::once_flag shutdown_once;

  std::shared_ptr<prometheus::Registry> registry;
  std::shared_ptr<prometheus::Registry> health;
  std::unique_ptr<prometheus::Exposer> exposer;
  prometheus::Family<prometheus::Counter>* handled = nullptr;
  prometheus::Family<prometheus::Histogram>* seconds = nullptr;
  prometheus::Gauge* subscribers = nullptr;
  prometheus::Gauge* serving = nullptr;

  void Observe(const char* method, grpc::StatusCode code, double s) {
    if (!handled) return;
    handled->Add({{"grpc_method", method}, {"grpc_code", CodeName(code)}})
        .Increment();
    seconds
        ->Add({{"grpc_method", method}},
              prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025,
                                                      0.005, 0.01, 0.025, 0.05,
                                                      0.1, 0.25, 0.5, 1, 2.5})
        .Observe(s);
    if (subscribers) {
      subscribers->Set(static_cast<double>(subscriptions->size()));
    }
  }
};

Result<std::unique_ptr<HubServer>> HubServer::Start(store::StoreRef store,
                                                    HubServerOptions options,
                                                    clock::ClockRef clock,
                                                    EntropyRef entropy) {
  COVEN_RETURN_IF_ERROR(CheckListenAddress("--listen", options.listen));
  if (!options.metrics_listen.empty()) {
    COVEN_RETURN_IF_ERROR(
        CheckListenAddress("--metrics-listen", options.metrics_listen));
  }
  COVEN_ASSIGN_OR_RETURN(auto credentials, Credentials(options));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->store = store;
  COVEN_ASSIGN_OR_RETURN(
      impl->core, HubCore::Create(store, std::move(clock), std::move(entropy),
                                  options.core));
  if (!options.metrics_listen.empty()) {
    impl->registry = std::make_shared<prometheus::Registry>();
    impl->health = std::make_shared<prometheus::Registry>();
    impl->handled = &prometheus::BuildCounter()
                         .Name("grpc_server_handled_total")
                         .Help("RPCs completed, by method and gRPC code")
                         .Register(*impl->registry);
    impl->seconds = &prometheus::BuildHistogram()
                         .Name("grpc_server_handling_seconds")
                         .Help("RPC handling time, by method")
                         .Register(*impl->registry);
    impl->subscribers = &prometheus::BuildGauge()
                             .Name("coven_hub_subscriptions")
                             .Help("Open Subscribe streams")
                             .Register(*impl->registry)
                             .Add({});
    impl->serving = &prometheus::BuildGauge()
                         .Name("coven_hub_serving")
                         .Help("1 while the hub serves, 0 while it stops")
                         .Register(*impl->health)
                         .Add({});
    try {
      impl->exposer =
          std::make_unique<prometheus::Exposer>(options.metrics_listen);
    } catch (const std::exception& e) {
      return UnavailableError("cannot serve metrics on " +
                              options.metrics_listen + ": " + e.what());
    }
    impl->exposer->RegisterCollectable(impl->registry, "/metrics");
    impl->exposer->RegisterCollectable(impl->health, "/healthz");
  }
  impl->executor = std::make_unique<Executor>(options.worker_threads,
                                              options.max_queued_tasks);
  impl->subscriptions = std::make_unique<Subscriptions>(*impl->core);
  Impl* raw = impl.get();
  impl->service = std::make_unique<HubService>(
      *impl->core, *impl->executor, *impl->subscriptions,
      options.max_buffered_push_bytes, options.max_concurrent_pushes,
      options.max_waiting_pushes, options.max_pushes_awaiting_commit,
      [raw](const char* method, grpc::StatusCode code, double s) {
        raw->Observe(method, code, s);
      });
  // Changes reach the streams through the store's watch only (every process
  // hears each change once, its own included).
  store->Watch([raw](const store::Change& change) {
    raw->subscriptions->OnChange(change);
  });

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &impl->port);
  // gRPC sets SO_REUSEPORT by default: a second hub started on this port
  // (with another store) would then share the connections with this one.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(impl->service.get());
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  grpc::ResourceQuota quota("coven-hub");
  quota.Resize(options.grpc_memory_bytes);
  builder.SetResourceQuota(quota);
  // No bandwidth probing: it grows every stream's flow-control window, so a
  // flood of pushes would sit in gRPC's buffers before the hub could refuse
  // it.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  // Small socket reads: a connection sending a large push otherwise grows
  // its read buffer up to 4 MiB, and many such connections sit on that
  // memory while their pushes wait for a slot.
  builder.AddChannelArgument(GRPC_ARG_TCP_MAX_READ_CHUNK_SIZE, 256 << 10);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             static_cast<int>(options.keepalive_ms));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             static_cast<int>(options.max_connection_age_ms));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             static_cast<int>(options.shutdown_grace_ms));
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0) {
    store->Watch(nullptr);
    return UnavailableError("cannot listen on " + options.listen +
                            " (in use, or not an address of this machine)");
  }
  if (impl->serving) impl->serving->Set(1);
  impl->core->Log("event=serving listen=" + options.listen + " port=" +
                  std::to_string(impl->port) + " store=" + store->Describe() +
                  (options.plaintext ? " tls=off" : " tls=on"));
  return std::unique_ptr<HubServer>(new HubServer(std::move(impl)));
}

HubServer::HubServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HubServer::~HubServer() {
  Shutdown();
  impl_->store->Watch(nullptr);
  impl_->server.reset();
  impl_->executor.reset();  // drains what is queued
  impl_->subscriptions.reset();
}

int HubServer::port() const { return impl_->port; }

HubCore& HubServer::core() { return *impl_->core; }

void HubServer::Shutdown() {
  std::call_once(impl_->shutdown_once, [this] {
    if (impl_->serving) impl_->serving->Set(0);
    impl_->core->Log("event=stopping");
    impl_->subscriptions->CloseAll();
    impl_->server->Shutdown(
        std::chrono::system_clock::now() +
        std::chrono::milliseconds(impl_->options.shutdown_grace_ms));
  });
}

void HubServer::Wait() { impl_->server->Wait(); }

}  // namespace coven::hub::server
