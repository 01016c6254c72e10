// Pull from S3 (s3rver on 127.0.0.1): how many log objects per second a
// fresh device pulls, reading one object after another (the path before
// remote::Remote, kept as Capabilities::parallel_reads = 1) and through
// remote::OverHome's parallel reads. Two shapes: 1 author x 2,000 small
// objects, and 50 authors x 20 objects. The authors write through a memory
// home (each sees no other head, so none pulls), which is then copied into
// s3rver; each reader joins before the log objects arrive, so its timed
// round is the pull. Needs s3rver (scripts/install-test-servers.sh).
// --rtt-ms adds that many milliseconds to every call the readers make, as
// the round trip to a real cloud would (s3rver on 127.0.0.1 has none).
//
//   remote_pull_bench [--reps N] [--rtt-ms MS] [--authors A --objects K]
//
// Prints a markdown table (docs/benchmarks.md, "Pull through Remote").
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "coven/memory_home.h"
#include "coven/s3_home.h"
#include "remote/fetch_pool.h"
#include "test_device.h"
#include "test_servers.h"

namespace coven::bench {
namespace {

using testing::TestDevice;

// Forwards to a home, changing what it says about itself: heads hidden from
// listings (authors that never pull each other), or reads one at a time.
class Wrapped final : public home::Home {
 public:
  Wrapped(home::HomeRef inner, bool hide_heads, std::size_t parallel,
          int rtt_ms = 0)
      : inner_(std::move(inner)),
        hide_heads_(hide_heads),
        parallel_(parallel),
        rtt_(rtt_ms) {}
  Status Create(std::string_view p, ByteView d) override {
    Wait();
    return inner_->Create(p, d);
  }
  Status Replace(std::string_view p, ByteView d) override {
    Wait();
    return inner_->Replace(p, d);
  }
  Result<Bytes> Get(std::string_view p, std::uint64_t m) override {
    Wait();
    return inner_->Get(p, m);
  }
  Result<Bytes> GetRange(std::string_view p, std::uint64_t o,
                         std::uint64_t l) override {
    Wait();
    return inner_->GetRange(p, o, l);
  }
  Result<home::ListPage> List(std::string_view p, std::string_view a,
                              std::size_t m) override {
    if (hide_heads_ && p.starts_with("heads")) return home::ListPage{};
    Wait();
    return inner_->List(p, a, m);
  }
  Status Delete(std::string_view p) override {
    Wait();
    return inner_->Delete(p);
  }
  home::Capabilities capabilities() const override {
    home::Capabilities caps = inner_->capabilities();
    if (parallel_ > 0) caps.parallel_reads = parallel_;
    return caps;
  }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  void Wait() const {
    if (rtt_.count() > 0) std::this_thread::sleep_for(rtt_);
  }

  home::HomeRef inner_;
  bool hide_heads_;
  std::size_t parallel_;
  std::chrono::milliseconds rtt_;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "remote_pull_bench: %s\n", what.c_str());
  std::exit(1);
}

home::HomeRef S3At(const testing::TestServer& server,
                   const std::string& prefix) {
  home::S3HomeOptions options;
  options.endpoint = server.endpoint();
  options.bucket = "bench";
  options.prefix = prefix;
  options.credentials = {testing::kS3rverAccessKey, testing::kS3rverSecretKey,
                         ""};
  options.server_sorted_list = false;
  options.atomic_replace = false;
  auto home = home::S3Home::Open(options);
  if (!home.ok()) Die(home.status().ToString());
  return *home;
}

// Copies the objects of `from` under `prefix` (or, with `except`, all but
// those under the prefixes in it) into `to`, eight at a time.
void Copy(home::Home& from, home::Home& to,
          const std::vector<std::string>& only,
          const std::vector<std::string>& except) {
  auto all = home::ListAll(from, "", 1'000'000);
  if (!all.ok()) Die(all.status().ToString());
  std::vector<std::string> paths;
  for (const home::ObjectInfo& info : *all) {
    auto under = [&](const std::vector<std::string>& prefixes) {
      return std::any_of(
          prefixes.begin(), prefixes.end(),
          [&](const std::string& p) { return info.path.starts_with(p); });
    };
    if (!only.empty() && !under(only)) continue;
    if (under(except)) continue;
    paths.push_back(info.path);
  }
  remote::ForEachParallel(paths.size(), 8, [&](std::size_t i) {
    auto bytes = from.Get(paths[i], 64 << 20);
    if (!bytes.ok()) Die(bytes.status().ToString());
    Status put = to.Replace(paths[i], *bytes);
    if (!put.ok()) Die(put.ToString());
  });
}

struct Figure {
  std::size_t objects = 0;
  double seconds = 0;
  std::size_t requests = 0;
};

void Run(testing::TestServer& server, int authors, int per_author, int reps,
         int rtt_ms, std::uint64_t seed) {
  const testing::TestLibrary library = testing::MakeLibrary(seed);
  auto clock = std::make_shared<testing::ManualClock>(1'700'000'000'000);
  auto memory = home::MemoryHome::Create();
  auto hidden = std::make_shared<Wrapped>(memory, true, 0);
  for (int a = 0; a < authors; ++a) {
    auto author = TestDevice::Create(library, hidden, 100 + a, clock);
    if (!author) Die("author device");
    author->Sync();
    for (int i = 0; i < per_author; ++i) {
      author->Exec("INSERT INTO todos VALUES('a" + std::to_string(a) + "-" +
                   std::to_string(i) + "', 'a small todo', 0, coven_hlc())");
      author->Sync();
    }
  }
  const std::string prefix = "pull-" + std::to_string(authors) + "x" +
                             std::to_string(per_author) + "-rtt" +
                             std::to_string(rtt_ms);
  home::HomeRef s3 = S3At(server, prefix);
  Copy(*memory, *s3, {}, {"log/", "heads/"});
  // Readers join (member log, key wraps) before the log arrives.
  std::vector<std::unique_ptr<TestDevice>> readers[2];
  const std::size_t modes[2] = {1, 0};  // one at a time; the home's own
  for (int m = 0; m < 2; ++m) {
    for (int r = 0; r < reps; ++r) {
      auto reader = TestDevice::Create(
          library, std::make_shared<Wrapped>(s3, false, modes[m], rtt_ms),
          9000 + 100 * m + r, clock);
      if (!reader) Die("reader device");
      reader->Sync();
      readers[m].push_back(std::move(reader));
    }
  }
  Copy(*memory, *s3, {"log/", "heads/"}, {});
  Figure best[2];
  for (int r = 0; r < reps; ++r) {
    for (int m = 0; m < 2; ++m) {
      const auto start = std::chrono::steady_clock::now();
      auto report = readers[m][r]->manager().sync_now();
      const double seconds = std::chrono::duration<double>(
                                 std::chrono::steady_clock::now() - start)
                                 .count();
      if (!report.ok()) Die(report.status().ToString());
      if (report->pulled_objects !=
          static_cast<std::size_t>(authors * per_author)) {
        Die("pulled " + std::to_string(report->pulled_objects) + " objects");
      }
      std::fprintf(stderr, "%d x %d, %s, rep %d: %.3f s, %zu requests\n",
                   authors, per_author, m == 0 ? "sequential" : "parallel", r,
                   seconds, report->requests);
      if (best[m].seconds == 0 || seconds < best[m].seconds) {
        best[m] = {report->pulled_objects, seconds, report->requests};
      }
    }
  }
  const double seq = best[0].objects / best[0].seconds;
  const double par = best[1].objects / best[1].seconds;
  std::printf("| %d author%s x %d | %d ms | %zu | %.0f | %.0f | %.1fx |\n",
              authors, authors == 1 ? "" : "s", per_author, rtt_ms,
              best[0].objects, seq, par, par / seq);
  std::fflush(stdout);
}

}  // namespace
}  // namespace coven::bench

int main(int argc, char** argv) {
  int reps = 3, authors = 0, objects = 0, rtt_ms = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--authors")) authors = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--objects")) objects = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--rtt-ms")) rtt_ms = std::atoi(argv[i + 1]);
  }
  auto server = coven::testing::StartS3rver("bench");
  if (!server.ok()) coven::bench::Die(server.status().ToString());
  std::printf(
      "| shape | added round trip | objects | sequential objects/s | Remote "
      "objects/s | speed-up |\n|---|---|---|---|---|---|\n");
  if (authors > 0) {
    coven::bench::Run(**server, authors, objects, reps, rtt_ms, 7);
  } else {
    coven::bench::Run(**server, 1, 2000, reps, rtt_ms, 7);
    coven::bench::Run(**server, 50, 20, reps, rtt_ms, 8);
  }
  return 0;
}
