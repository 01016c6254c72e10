// The keyring store's unavailable paths. This sandbox has no keyring daemon;
// if dbus-daemon exists, a private session bus without one is started too.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "coven/keyring.h"
#include "coven/secret_store.h"
#include "secret_store_test_util.h"

namespace coven::keys {
namespace {

// Sets or unsets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value == nullptr) {
      unsetenv(name);
    } else {
      setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (old_.has_value()) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

void ExpectUnavailable(const std::string& needle) {
  const auto start = std::chrono::steady_clock::now();
  Result<std::shared_ptr<SecretStore>> store =
      MakeKeyringSecretStore("org.coven.test", "library-1");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(10));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  const Status status = store.status();
  const std::string& message = status.message();
  EXPECT_NE(message.find("no OS keyring (Secret Service) is reachable"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("use the file or passphrase store"), std::string::npos)
      << message;
  EXPECT_NE(message.find(needle), std::string::npos) << message;
  EXPECT_TRUE(store.status().IsRetryable());
}

TEST(KeyringSecretStoreTest, RejectsEmptyServiceOrScope) {
  EXPECT_EQ(MakeKeyringSecretStore("", "s").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeKeyringSecretStore("s", "").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(KeyringSecretStoreTest, WithoutABackendSaysWhatToLink) {
  RegisterKeyringSecretStore(nullptr);  // As in a core-only program.
  ExpectUnavailable("call coven::RegisterBuiltins()");
  RegisterKeyringSecretStore(
      [](std::string service,
         std::string scope) -> Result<std::shared_ptr<SecretStore>> {
        return std::shared_ptr<SecretStore>(MakeMemorySecretStore());
      });
  EXPECT_TRUE(MakeKeyringSecretStore("org.coven.test", "library-1").ok());
  RegisterSecretServiceKeyring();  // Back to what main registered.
}

TEST(KeyringSecretStoreTest, NoSessionBusIsUnavailable) {
  testing::ScratchDir runtime;
  ScopedEnv address("DBUS_SESSION_BUS_ADDRESS", nullptr);
  ScopedEnv xdg("XDG_RUNTIME_DIR", runtime.path().c_str());
  ExpectUnavailable("");
}

TEST(KeyringSecretStoreTest, UnreachableBusIsUnavailable) {
  ScopedEnv address("DBUS_SESSION_BUS_ADDRESS",
                    "unix:path=/nonexistent/coven-test-bus");
  ExpectUnavailable("");
}

TEST(KeyringSecretStoreTest, BusWithoutKeyringDaemonIsUnavailable) {
  if (access("/usr/bin/dbus-daemon", X_OK) != 0) {
    GTEST_SKIP() << "dbus-daemon is not installed";
  }
  FILE* daemon = popen(
      "/usr/bin/dbus-daemon --session --fork --print-address=1 "
      "--print-pid=1 2>/dev/null",
      "r");
  ASSERT_NE(daemon, nullptr);
  char address[512] = {};
  char pid_text[32] = {};
  const bool read = std::fgets(address, sizeof(address), daemon) != nullptr &&
                    std::fgets(pid_text, sizeof(pid_text), daemon) != nullptr;
  pclose(daemon);
  if (!read) GTEST_SKIP() << "dbus-daemon could not start a session bus";
  std::string bus(address);
  while (!bus.empty() && bus.back() == '\n') bus.pop_back();
  const pid_t pid = static_cast<pid_t>(std::atol(pid_text));
  ASSERT_GT(pid, 0);
  {
    ScopedEnv env("DBUS_SESSION_BUS_ADDRESS", bus.c_str());
    ExpectUnavailable("no keyring daemon");
  }
  kill(pid, SIGTERM);
}

}  // namespace
}  // namespace coven::keys
