// hub_load_bench: the load bench of coven-hub (docs/benchmarks.md, "Hub
// load"). It starts the real coven-hub program on SQLite or PostgreSQL,
// founds a space whose member log admits every bench device, registers
// them, and measures, through the raw gRPC stubs:
//
//   idle    hub memory with many idle Subscribe streams (bytes per stream);
//   push    N devices x M pushes (one ~1 KiB log object + head each),
//           open-loop at each --rates value, latency from the due time;
//           some devices subscribe and, on a hint, Pull every author
//           that moved in one call (fan-out latency), then a never-skip
//           audit of what they pulled;
//   flood   many devices pushing 8 MiB objects at once: codes and peak
//           hub memory.
//
// Prints a markdown section and one JSON line. scripts/hub-bench.sh runs it
// for both stores, pinned with taskset.
#include <sched.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <sstream>
#include <thread>

#include "hub_load/devices.h"
#include "hub_load/fanout.h"
#include "hub_load/flood_phase.h"
#include "hub_load/hub_process.h"
#include "hub_load/idle_phase.h"
#include "hub_load/push_phase.h"
#include "hub_load/report.h"

#ifndef COVEN_HUB_PROGRAM
#define COVEN_HUB_PROGRAM "coven-hub"
#endif

namespace hb = coven::hub_bench;

namespace {

double ClientCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) /
             1e6;
}

// "RATE[:PUSHES],...": one push phase each (PUSHES per device; 0: --pushes).
struct Phase {
  double rate = 0;
  std::uint64_t pushes = 0;
};

std::vector<Phase> ParseRates(const std::string& text) {
  std::vector<Phase> phases;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    Phase phase;
    const std::size_t colon = item.find(':');
    phase.rate = std::stod(item.substr(0, colon));
    if (colon != std::string::npos) {
      phase.pushes = std::stoull(item.substr(colon + 1));
    }
    phases.push_back(phase);
  }
  return phases;
}

int Fail(const std::string& what, const coven::Status& status) {
  std::cerr << "hub_load_bench: " << what << ": " << status.ToString() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Load bench of coven-hub (open-loop pushes, fan-out, idle "
      "subscriptions, flood)"};
  std::string program = COVEN_HUB_PROGRAM;
  std::string store = "sqlite";
  std::string database_url;
  std::string hub_cpu;
  int client_cpu = -1;
  std::string rates_text = "2000";
  int devices = 100;
  std::uint64_t pushes = 1000;
  std::size_t object_bytes = 1024;
  int subscribers = 10;
  std::uint32_t max_hint_bytes = 1u << 20;
  int channels = 4;
  std::size_t idle_streams = 1000;
  // More than the hub reads at once (8) plus its waiting line (256), so the
  // flood meets RESOURCE_EXHAUSTED, not only waiting.
  int flood_devices = 300;
  std::size_t flood_mib = 8;
  double flood_seconds = 10;
  double settle_seconds = 2;
  app.add_option("--hub", program, "The coven-hub program")
      ->capture_default_str();
  app.add_option("--store", store, "sqlite or postgres")
      ->check(CLI::IsMember({"sqlite", "postgres"}))
      ->capture_default_str();
  app.add_option("--database-url", database_url,
                 "PostgreSQL URL (postgres store); default: start a server "
                 "with the tests' harness");
  app.add_option("--hub-cpu", hub_cpu, "Pin the hub with taskset -c CPUS");
  app.add_option("--client-cpu", client_cpu,
                 "Pin this client (after starting PostgreSQL) to this CPU");
  app.add_option("--rates", rates_text,
                 "Offered pushes/s over all devices, comma separated; one "
                 "push phase each (0: closed loop); RATE:PUSHES sets that "
                 "phase's pushes per device")
      ->capture_default_str();
  app.add_option("--devices", devices, "Pushing devices")
      ->capture_default_str();
  app.add_option("--pushes", pushes, "Pushes per device per phase")
      ->capture_default_str();
  app.add_option("--object-bytes", object_bytes)->capture_default_str();
  app.add_option("--subscribers", subscribers,
                 "Pushing devices that also Subscribe and Pull")
      ->capture_default_str();
  app.add_option("--max-hint-bytes", max_hint_bytes,
                 "Object bytes a subscriber's hint may carry, as the hub "
                 "client asks (0: heads only, every object Pulled)")
      ->capture_default_str();
  app.add_option("--channels", channels, "gRPC connections")
      ->capture_default_str();
  app.add_option("--idle-streams", idle_streams, "0: skip")
      ->capture_default_str();
  app.add_option("--flood-devices", flood_devices, "0: skip")
      ->capture_default_str();
  app.add_option("--flood-mib", flood_mib)->capture_default_str();
  app.add_option("--flood-seconds", flood_seconds)->capture_default_str();
  app.add_option("--settle-seconds", settle_seconds,
                 "Pause after the idle phase (the hub releases the streams)")
      ->capture_default_str();
  std::vector<std::string> hub_args;
  app.add_option("--hub-arg", hub_args,
                 "A flag for coven-hub (repeat: --hub-arg=--workers "
                 "--hub-arg=16)");
  CLI11_PARSE(app, argc, argv);
  std::vector<Phase> rates = ParseRates(rates_text);
  std::uint64_t max_seq = 0;
  for (Phase& phase : rates) {
    if (phase.pushes == 0) phase.pushes = pushes;
    max_seq += phase.pushes;
  }
  subscribers = std::min(subscribers, devices);

  hb::HubProcessOptions hub_options;
  hub_options.program = program;
  hub_options.extra_args = hub_args;
  if (!hub_cpu.empty()) hub_options.wrapper = {"taskset", "-c", hub_cpu};
  if (store == "postgres") {
    if (database_url.empty()) {
      coven::Result<std::string> url = hb::StartPostgres();
      if (!url.ok()) return Fail("starting PostgreSQL", url.status());
      database_url = *url;
    }
    hub_options.database_url = database_url;
  }
  if (client_cpu >= 0) {
    // Threads started from now on (gRPC's) inherit the mask; the PostgreSQL
    // server started above does not.
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(client_cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  auto hub = hb::HubProcess::Start(hub_options);
  if (!hub.ok()) return Fail("starting coven-hub", hub.status());
  const pid_t hub_pid = (*hub)->pid();

  // Setup: enough devices for the pushers, 4 idle streams each, the flood.
  const std::size_t needed = std::max<std::size_t>(
      {static_cast<std::size_t>(devices), (idle_streams + 3) / 4,
       static_cast<std::size_t>(flood_devices)});
  hb::Space space;
  space.name = "bench";
  hb::OpenChannels((*hub)->target(), channels, &space);
  const auto setup_start = hb::Clock::now();
  coven::Status set_up = hb::SetUpSpace(static_cast<int>(needed), &space);
  if (!set_up.ok()) {
    std::cerr << (*hub)->output_tail();
    return Fail("setting up the space", set_up);
  }
  hb::BenchReport report;
  report.store = store;
  report.devices = devices;
  report.subscribers = subscribers;
  report.max_hint_bytes = subscribers > 0 ? max_hint_bytes : 0;
  report.object_bytes = object_bytes;
  report.setup_seconds =
      std::chrono::duration<double>(hb::Clock::now() - setup_start).count();
  std::vector<hb::Device*> all;
  for (hb::Device& d : space.devices) all.push_back(&d);

  hb::IdleResult idle;
  if (idle_streams > 0) {
    hb::RunIdlePhase(all, idle_streams, hub_pid, &idle);
    report.idle = &idle;
    std::this_thread::sleep_for(std::chrono::duration<double>(settle_seconds));
  }

  std::vector<hb::Device*> pushers(all.begin(), all.begin() + devices);
  hb::PushLedger ledger(pushers.size(), max_seq);
  for (std::size_t a = 0; a < pushers.size(); ++a) {
    ledger.index_of[pushers[a]->id] = a;
  }
  std::vector<std::unique_ptr<hb::Subscriber>> subs;
  for (int i = 0; i < subscribers; ++i) {
    subs.push_back(
        std::make_unique<hb::Subscriber>(*pushers[i], ledger, max_hint_bytes));
    subs.back()->Start();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<std::unique_ptr<hb::PushPhaseResult>> results;
  for (const Phase& phase : rates) {
    const double rate = phase.rate;
    hb::PushPhaseOptions options;
    options.rate = rate;
    options.pushes_per_device = phase.pushes;
    options.object_bytes = object_bytes;
    results.push_back(std::make_unique<hb::PushPhaseResult>());
    const double hub_cpu0 = hb::ReadCpuSeconds(hub_pid);
    const double client_cpu0 = ClientCpuSeconds();
    hb::RunPushPhase(pushers, options, &ledger, results.back().get());
    results.back()->hub_cpu_s = hb::ReadCpuSeconds(hub_pid) - hub_cpu0;
    results.back()->client_cpu_s = ClientCpuSeconds() - client_cpu0;
    std::cerr << "push phase at " << rate
              << "/s: " << results.back()->objects_per_s << " objects/s, p99 "
              << results.back()->push.p99 << " ms, "
              << results.back()->codes.Text() << "\n";
    report.pushes.push_back(results.back().get());
    // Let the subscribers drain before the next rate.
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  // The audit waits (at most 60 s) for every subscriber to pull every
  // acknowledged object.
  std::vector<std::uint64_t> through;
  for (hb::Device* d : pushers) through.push_back(d->next_seq - 1);
  bool caught_up = false;
  const auto deadline = hb::Clock::now() + std::chrono::seconds(60);
  while (!caught_up && hb::Clock::now() < deadline) {
    caught_up = true;
    for (auto& sub : subs) caught_up = caught_up && sub->CaughtUp(through);
    if (!caught_up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& sub : subs) sub->Stop();
  for (const auto& r : results) {
    report.fanouts.push_back(hb::Fanout(ledger, subs, r->start_ns, r->end_ns));
  }
  report.audit = hb::Audit(ledger, subs, caught_up);

  hb::FloodResult flood;
  if (flood_devices > 0) {
    hb::FloodOptions options;
    options.object_bytes = flood_mib << 20;
    options.seconds = flood_seconds;
    std::vector<hb::Device*> flooders(all.end() - flood_devices, all.end());
    hb::RunFloodPhase(flooders, options, hub_pid, &flood);
    report.flood = &flood;
  }
  hb::PrintMarkdown(report, std::cout);
  std::cout << "\n";
  hb::PrintJson(report, std::cout);
  if (!(*hub)->running()) {
    std::cerr << "coven-hub exited:\n" << (*hub)->output_tail();
    return 1;
  }
  return report.audit.ok() ? 0 : 2;
}
