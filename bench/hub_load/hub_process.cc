#include "hub_load/hub_process.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#ifdef COVEN_BENCH_HAVE_POSTGRES
#include "hub/postgres_server.h"
#endif

namespace coven::hub_bench {

namespace {

std::uint64_t StatusKb(const std::string& text, const std::string& key) {
  const std::size_t at = text.find(key + ":");
  if (at == std::string::npos) return 0;
  return std::strtoull(text.c_str() + at + key.size() + 1, nullptr, 10);
}

}  // namespace

Memory ReadMemory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::stringstream text;
  text << in.rdbuf();
  Memory m;
  m.rss = StatusKb(text.str(), "VmRSS") * 1024;
  m.hwm = StatusKb(text.str(), "VmHWM") * 1024;
  return m;
}

double ReadCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  // Fields after the command: state is field 3; utime 14, stime 15.
  for (int i = 3; i <= 15 && (fields >> field); ++i) {
    if (i == 14 || i == 15) ticks += std::strtod(field.c_str(), nullptr);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

Result<std::unique_ptr<HubProcess>> HubProcess::Start(
    HubProcessOptions options) {
  std::unique_ptr<HubProcess> hub(new HubProcess());
  util::ChildProcessOptions child;
  child.argv = options.wrapper;
  child.argv.push_back(options.program);
  if (options.database_url.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "coven-hub-bench-XXXXXX")
            .string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return UnavailableError("cannot make a temporary directory");
    }
    hub->data_dir_ = pattern;
    child.argv.insert(child.argv.end(), {"--data-dir", hub->data_dir_});
  } else {
    // Through the environment: a URL may carry a password.
    child.env.push_back({"COVEN_HUB_DATABASE_URL", options.database_url});
  }
  child.argv.insert(child.argv.end(),
                    {"--listen", "127.0.0.1:0", "--plaintext"});
  child.argv.insert(child.argv.end(), options.extra_args.begin(),
                    options.extra_args.end());
  // hub_main logs "event=serving listen=127.0.0.1:0 port=<port>".
  child.port_marker = " port=";
  child.stop_with_starting_thread = true;
  child.stop_timeout = std::chrono::milliseconds(10'000);
  COVEN_ASSIGN_OR_RETURN(hub->child_, util::ChildProcess::Start(child));
  return hub;
}

HubProcess::~HubProcess() {
  if (child_) child_->Stop();
  if (!data_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
  }
}

Result<std::string> StartPostgres() {
#ifdef COVEN_BENCH_HAVE_POSTGRES
  COVEN_ASSIGN_OR_RETURN(hub::testing::PostgresServer * server,
                         hub::testing::PostgresServer::Shared());
  return server->CreateDatabase();
#else
  return UnimplementedError(
      "this bench was built without tests/hub/postgres_server.cc: pass "
      "--database-url");
#endif
}

}  // namespace coven::hub_bench
