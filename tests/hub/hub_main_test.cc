// The coven-hub program's own messages at start: a bad value is named by
// where it came from (flag or environment variable), a database URL that is
// not PostgreSQL's is refused before connecting, a damaged SQLite store says
// how to recover, and plaintext on an address other machines reach warns.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cli_harness.h"
#include "hub/server/listen_address.h"

namespace coven::testing {
namespace {

std::string HubProgramPath() {
  return std::string(COVEN_BINARY_DIR) + "/coven-hub";
}

bool HubSaid(const CommandResult& result, const std::string& text) {
  return result.output.find(text) != std::string::npos;
}

class HubMainTest : public ::testing::Test {
 protected:
  // Runs coven-hub with `env` before it and `args` after it, stopped with
  // SIGTERM after `seconds` if it is still serving by then.
  CommandResult Hub(const std::string& env, const std::string& args,
                    int seconds = 3) {
    return RunCommand(env + " timeout -s TERM " + std::to_string(seconds) +
                      " " + HubProgramPath() + " --data-dir " + tmp_ / "data" +
                      " " + args);
  }
  E2eTempDir tmp_;
};

TEST_F(HubMainTest, ABadEnvironmentValueIsNamedByItsVariable) {
  CommandResult env =
      Hub("COVEN_HUB_WORKERS=0", "--plaintext --listen 127.0.0.1:0");
  EXPECT_NE(env.exit_code, 0) << env.output;
  EXPECT_TRUE(HubSaid(env, "COVEN_HUB_WORKERS: Value 0 not in range"))
      << env.output;
  EXPECT_TRUE(HubSaid(env, "environment variable COVEN_HUB_WORKERS"))
      << env.output;

  CommandResult other = Hub("COVEN_HUB_TOKEN_LIFETIME_SECS=5",
                            "--plaintext --listen 127.0.0.1:0");
  EXPECT_NE(other.exit_code, 0) << other.output;
  EXPECT_TRUE(HubSaid(other, "COVEN_HUB_TOKEN_LIFETIME_SECS: Value 5"))
      << other.output;

  CommandResult listen = Hub("COVEN_LISTEN_ADDR=127.0.0.1", "--plaintext");
  EXPECT_NE(listen.exit_code, 0) << listen.output;
  EXPECT_TRUE(HubSaid(listen, "COVEN_LISTEN_ADDR 127.0.0.1: no port"))
      << listen.output;
  EXPECT_FALSE(HubSaid(listen, "--listen 127.0.0.1")) << listen.output;

  // Given as a flag, the flag is named (and wins over the variable).
  CommandResult flag = Hub("COVEN_HUB_WORKERS=4",
                           "--plaintext --listen 127.0.0.1:0 --workers 0");
  EXPECT_NE(flag.exit_code, 0) << flag.output;
  EXPECT_TRUE(HubSaid(flag, "--workers: Value 0 not in range")) << flag.output;
  EXPECT_FALSE(HubSaid(flag, "COVEN_HUB_WORKERS")) << flag.output;
}

TEST_F(HubMainTest, ADatabaseUrlThatIsNotPostgresIsRefusedAtStart) {
  CommandResult mysql =
      Hub("COVEN_HUB_DATABASE_URL=mysql://app:secret@db.example:3306/hub",
          "--plaintext --listen 127.0.0.1:0");
  EXPECT_NE(mysql.exit_code, 0) << mysql.output;
  EXPECT_TRUE(
      HubSaid(mysql,
              "COVEN_HUB_DATABASE_URL: mysql://app:***@db.example:3306/hub "
              "is not a PostgreSQL URL; use postgresql://"))
      << mysql.output;
  EXPECT_TRUE(HubSaid(mysql, "unset it for the embedded SQLite store"))
      << mysql.output;
  EXPECT_FALSE(HubSaid(mysql, "secret")) << mysql.output;
  EXPECT_FALSE(HubSaid(mysql, "socket")) << mysql.output;

  CommandResult flag =
      Hub("", "--plaintext --listen 127.0.0.1:0 --database-url /var/hub.db");
  EXPECT_NE(flag.exit_code, 0) << flag.output;
  EXPECT_TRUE(
      HubSaid(flag, "--database-url: /var/hub.db is not a PostgreSQL URL"))
      << flag.output;

  // What libpq takes gets as far as connecting (to nothing here).
  for (const char* url : {"postgresql://nobody@127.0.0.1:1/hub",
                          "postgres://nobody@127.0.0.1:1/hub",
                          "host=127.0.0.1 port=1 dbname=hub"}) {
    CommandResult pg = Hub("",
                           "--plaintext --listen 127.0.0.1:0 "
                           "--pg-connections 1 --database-url '" +
                               std::string(url) + "'");
    EXPECT_NE(pg.exit_code, 0) << pg.output;
    EXPECT_FALSE(HubSaid(pg, "is not a PostgreSQL URL")) << url << pg.output;
    EXPECT_TRUE(HubSaid(pg, "PostgreSQL")) << url << pg.output;
  }
}

TEST_F(HubMainTest, AnUnparsablePostgresUrlNeverShowsItsPassword) {
  const CommandResult other_bad_setting =
      Hub("COVEN_HUB_WORKERS=0", "--plaintext --listen 127.0.0.1:0");
  // libpq's own parse errors quote the URL (the bracket, the escape); the
  // password is masked in every form it was written in.
  for (const char* url :
       {"postgresql://u:secretpw@[bad/db", "postgresql://u:sec%zzret@host/db",
        "postgresql://u:sec%25ret%zz@host/db",
        "host=127.0.0.1 password=secretpw dbname"}) {
    CommandResult env = Hub("COVEN_HUB_DATABASE_URL='" + std::string(url) + "'",
                            "--plaintext --listen 127.0.0.1:0 "
                            "--pg-connections 1");
    EXPECT_NE(env.exit_code, 0) << url << env.output;
    EXPECT_EQ(env.exit_code, other_bad_setting.exit_code) << url << env.output;
    EXPECT_TRUE(HubSaid(env, "COVEN_HUB_DATABASE_URL")) << url << env.output;
    EXPECT_TRUE(HubSaid(env, "is not a valid PostgreSQL URL"))
        << url << env.output;
    for (const char* secret : {"secretpw", "sec%zzret", "secret", "sec%25ret",
                               "sec%ret", "ret%zz", "sec%zz"}) {
      EXPECT_FALSE(HubSaid(env, secret)) << url << env.output;
    }
  }
  // One libpq parses but cannot connect with: its message is masked too.
  CommandResult port =
      Hub("",
          "--plaintext --listen 127.0.0.1:0 --pg-connections 1 "
          "--database-url 'postgresql://u:secretpw@127.0.0.1:1/db'");
  EXPECT_NE(port.exit_code, 0) << port.output;
  EXPECT_FALSE(HubSaid(port, "secretpw")) << port.output;
  CommandResult flag = Hub("",
                           "--plaintext --listen 127.0.0.1:0 --database-url "
                           "'postgresql://u:secretpw@[bad/db'");
  EXPECT_TRUE(HubSaid(flag, "--database-url")) << flag.output;
  EXPECT_TRUE(HubSaid(flag, "postgresql://u:***@[bad/db")) << flag.output;
  EXPECT_FALSE(HubSaid(flag, "secretpw")) << flag.output;
}

TEST_F(HubMainTest, ADamagedStoreFileSaysRestoreItFromABackup) {
  std::filesystem::create_directories(tmp_ / "data");
  {
    std::ofstream junk(tmp_ / "data/hub.db", std::ios::binary);
    junk << std::string(8192, 'x');
  }
  CommandResult hub = Hub("", "--plaintext --listen 127.0.0.1:0");
  EXPECT_EQ(hub.exit_code, 1) << hub.output;
  EXPECT_TRUE(
      HubSaid(hub, "the store file " + tmp_ / "data/hub.db" + " is damaged"))
      << hub.output;
  EXPECT_TRUE(HubSaid(hub, "restore it from a backup")) << hub.output;
  EXPECT_TRUE(HubSaid(hub, "event=fatal")) << hub.output;
}

TEST(HubListenAddressTest, LoopbackIsToldFromWhatTheNetworkReaches) {
  for (const char* address :
       {"127.0.0.1:50051", "127.1.2.3:0", "localhost:1", "[::1]:50051"}) {
    EXPECT_TRUE(hub::server::IsLoopbackListenAddress(address)) << address;
  }
  for (const char* address :
       {"0.0.0.0:50051", "[::]:0", "192.168.1.5:50051", "10.0.0.1:1",
        "hub.example.com:443", "127.0.0.1.example.com:1", "127.0.0:1",
        "[::ffff:10.0.0.1]:1"}) {
    EXPECT_FALSE(hub::server::IsLoopbackListenAddress(address)) << address;
  }
}

TEST_F(HubMainTest, PlaintextOnTheNetworkWarnsAndOnLoopbackDoesNot) {
  CommandResult open = Hub("", "--plaintext --listen 0.0.0.0:0", 2);
  EXPECT_TRUE(HubSaid(open, "event=serving")) << open.output;
  EXPECT_TRUE(HubSaid(open, "WARNING: serving without TLS on 0.0.0.0:0"))
      << open.output;
  EXPECT_TRUE(HubSaid(open, "TLS-terminating proxy or on a trusted network"))
      << open.output;
  EXPECT_TRUE(HubSaid(open, "event=warning")) << open.output;

  CommandResult env =
      Hub("COVEN_HUB_PLAINTEXT=1 COVEN_LISTEN_ADDR=0.0.0.0:0", "", 2);
  EXPECT_TRUE(HubSaid(env, "WARNING: serving without TLS")) << env.output;

  CommandResult local = Hub("", "--plaintext --listen 127.0.0.1:0", 2);
  EXPECT_TRUE(HubSaid(local, "event=serving")) << local.output;
  EXPECT_FALSE(HubSaid(local, "WARNING")) << local.output;
  EXPECT_FALSE(HubSaid(local, "event=warning")) << local.output;
}

}  // namespace
}  // namespace coven::testing
