// Runs the coven and todos programs for end-to-end tests, and forges the
// objects a malicious member could write with the keys in its own library
// directory (to show that every device rejects them).
#ifndef COVEN_TESTS_CLI_HARNESS_H_
#define COVEN_TESTS_CLI_HARNESS_H_

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "bad_input_util.h"
#include "coven/folder_home.h"
#include "home_test_limits.h"
#include "members/member_log.h"

namespace coven::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr.
};

/// Runs `command` through the shell with stderr merged into stdout.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe)) result.output += buffer;
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

struct MeasuredResult : CommandResult {
  long peak_rss_kb = -1;  ///< The child's peak resident set size, in KiB.
};

/// Runs `argv` (no shell) with stderr merged into stdout, and reports the
/// child's peak resident set size (wait4's ru_maxrss).
inline MeasuredResult RunMeasured(const std::vector<std::string>& argv) {
  MeasuredResult result;
  int fds[2];
  if (::pipe(fds) != 0) return result;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> args;
    for (const std::string& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof(buffer))) > 0) {
    result.output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  struct rusage usage {};
  if (pid > 0 && ::wait4(pid, &status, 0, &usage) == pid) {
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.peak_rss_kb = usage.ru_maxrss;
  }
  return result;
}

inline std::string CovenBin() {
  return std::string(COVEN_BINARY_DIR) + "/coven";
}
inline std::string TodosBin() {
  return std::string(COVEN_BINARY_DIR) + "/examples/todos/todos";
}

/// First line of `text` without its newline.
inline std::string FirstLine(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

/// A temporary directory removed at the end of the test (not
/// test_servers.h's TempDir, which takes a tag).
class E2eTempDir {
 public:
  E2eTempDir() {
    std::string pattern =
        std::filesystem::temp_directory_path().string() + "/coven-e2e-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~E2eTempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  E2eTempDir(const E2eTempDir&) = delete;
  E2eTempDir& operator=(const E2eTempDir&) = delete;
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

inline Bytes ReadHexKey(const std::string& path) {
  std::ifstream in(path);
  std::string hex;
  in >> hex;
  Bytes out;
  HexDecode(hex, &out);
  return out;
}

/// A test that drives the coven and todos programs over library directories
/// (`Dir(name)`) sharing one folder home (`Home()`) in a temporary directory.
class CliTest : public ::testing::Test {
 protected:
  CommandResult Coven(const std::string& args) {
    return RunCommand(CovenBin() + " " + args);
  }
  CommandResult Todos(const std::string& args) {
    return RunCommand(TodosBin() + " " + args);
  }
  std::string Dir(const std::string& who) { return tmp_ / who; }
  /// The library's home: a folder in the temporary directory, unless a
  /// fixture names another (a hub URL).
  virtual std::string Home() { return tmp_ / "home"; }
  /// `todos secret` in `from`: the restore code and its recovery secret.
  std::pair<std::string, std::string> TodosRestoreCode(
      const std::string& from) {
    CommandResult secret = Todos("secret --dir " + Dir(from));
    EXPECT_EQ(secret.exit_code, 0) << secret.output;
    const std::size_t at = secret.output.find("CVK1-");
    EXPECT_NE(at, std::string::npos) << secret.output;
    if (at == std::string::npos) return {};
    return {FirstLine(secret.output), FirstLine(secret.output.substr(at))};
  }
  /// `todos init --join` as `who` with a restore code and its recovery
  /// secret (read from COVEN_RECOVERY_SECRET). `extra`: more arguments.
  CommandResult TodosJoin(const std::string& who,
                          const std::pair<std::string, std::string>& code,
                          const std::string& extra = "") {
    return RunCommand("COVEN_RECOVERY_SECRET=" + code.second + " " +
                      TodosBin() + " init --dir " + Dir(who) + " --home " +
                      Home() + extra + " --join " + code.first);
  }
  /// `todos init` of a library at Home() by an Owner in Dir(who).
  CommandResult InitOwner(const std::string& who) {
    return Todos("init --dir " + Dir(who) + " --home " + Home() + " --name " +
                 who);
  }
  /// The Owner in Dir(owner) invites the person of Dir(who) with `role`,
  /// who then joins; returns the join's result.
  CommandResult InviteAndJoin(const std::string& owner, const std::string& who,
                              const std::string& role) {
    CommandResult id = Coven("identity --dir " + Dir(who));
    if (id.exit_code != 0) return id;
    CommandResult invite = Coven("invite " + FirstLine(id.output) + " --role " +
                                 role + " --dir " + Dir(owner));
    if (invite.exit_code != 0) return invite;
    return Todos("init --dir " + Dir(who) + " --home " + Home() + " --join " +
                 FirstLine(invite.output));
  }
  /// Another device of the member of `from` joins as `who`.
  CommandResult JoinWithRestoreCode(const std::string& from,
                                    const std::string& who,
                                    const std::string& extra = "") {
    return TodosJoin(who, TodosRestoreCode(from), extra);
  }

  E2eTempDir tmp_;
};

/// What a member holding library directory `dir` can sign and seal with,
/// read from its own key files; used to forge objects as that member.
struct DirectoryKeys {
  crypto::SigningKeyPair device;
  std::array<std::uint8_t, 16> library_id{};
  std::vector<crypto::LibraryKey> keys;
};

inline DirectoryKeys LoadDirectoryKeys(const std::string& dir) {
  DirectoryKeys out;
  Bytes seed = ReadHexKey(dir + "/keys/device.key");
  std::array<std::uint8_t, 32> seed_array{};
  if (seed.size() == 32)
    std::copy(seed.begin(), seed.end(), seed_array.begin());
  out.device = crypto::SigningKeyPair::FromSeed(seed_array);
  std::ifstream settings(dir + "/library.json");
  nlohmann::json j = nlohmann::json::parse(settings, nullptr, false);
  Bytes id;
  HexDecode(j.value("library_id", std::string()), &id);
  if (id.size() == 16) std::copy(id.begin(), id.end(), out.library_id.begin());
  for (const auto& file : std::filesystem::directory_iterator(dir + "/keys")) {
    const std::string name = file.path().filename().string();
    if (name.rfind("library-", 0) != 0) continue;
    Bytes key = ReadHexKey(file.path().string());
    if (key.size() != 32) continue;
    std::array<std::uint8_t, 32> bytes{};
    std::copy(key.begin(), key.end(), bytes.begin());
    out.keys.emplace_back(bytes);
  }
  return out;
}

/// Replays the member log stored in `home`.
inline members::MemberLog ReadMemberLog(home::Home& home) {
  members::MemberLog log;
  auto listed = home::ListAll(home, "members/", kTestMaxList);
  if (!listed.ok()) return log;
  for (const auto& info : *listed) {
    auto bytes = home.Get(info.path, kTestMaxRead);
    if (bytes.ok()) log.Append(*bytes);
  }
  return log;
}

/// Writes, as the member of `dir`, a log object inserting todo `id` (and a
/// head naming it) straight into the home at `home_dir`, bypassing every
/// local check: sealed with the newest key `dir` holds, naming
/// `member_seq` (0: the member log's current size). Returns the path.
inline std::string ForceWrite(const std::string& dir,
                              const std::string& home_dir,
                              const std::string& id,
                              std::uint64_t member_seq = 0) {
  auto home = home::FolderHome::Open(home_dir);
  EXPECT_TRUE(home.ok());
  if (!home.ok()) return "";
  DirectoryKeys keys = LoadDirectoryKeys(dir);
  members::MemberLog log = ReadMemberLog(**home);
  // The newest key of the member log that this member holds.
  const crypto::LibraryKey* key = nullptr;
  for (const crypto::KeyId& id : log.current().key_ids()) {
    for (const auto& k : keys.keys) {
      if (k.id() == id) key = &k;
    }
  }
  EXPECT_NE(key, nullptr) << "no library key in " << dir;
  if (key == nullptr) return "";
  const std::uint64_t device = crypto::DeviceIdFor(keys.device.public_key());
  auto own =
      home::ListAll(**home, "log/" + DeviceIdToHex(device) + "/", kTestMaxList);
  const std::uint64_t seq = own.ok() ? own->size() + 1 : 1;
  crypto::Hash256 prev{};
  if (seq > 1) {
    auto last = (*home)->Get(engine::LogPath(device, seq - 1), kTestMaxRead);
    if (last.ok()) prev = object::ObjectHash(*last);
  }
  // Take the schema version from any head in the home.
  std::uint32_t schema = 0;
  auto heads = home::ListAll(**home, "heads/", kTestMaxList);
  if (heads.ok() && !heads->empty()) {
    auto head = (*home)->Get(heads->front().path, kTestMaxRead);
    if (head.ok()) {
      auto parsed = object::ParseHeader(*head);
      if (parsed.ok()) schema = parsed->schema_version;
    }
  }
  const auto now = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  const Hlc stamp{now, 0, device};
  object::ObjectHeader header;
  header.kind = object::ObjectKind::kLog;
  header.library_id = keys.library_id;
  header.key_id = key->id();
  header.author_device = device;
  header.author_public_key = keys.device.public_key();
  header.seq = seq;
  header.prev_hash = prev;
  header.hlc_min = stamp;
  header.hlc_max = stamp;
  header.schema_version = schema;
  header.member_seq = member_seq ? member_seq : log.size();
  header.member_hash = log.slot_hashes().at(header.member_seq - 1);
  const std::string path = engine::LogPath(device, seq);
  auto sealed = object::Seal(
      path, header, TodoInsert(id, "forged " + id, stamp), *key, keys.device);
  EXPECT_TRUE(sealed.ok()) << sealed.status().ToString();
  if (!sealed.ok()) return "";
  EXPECT_TRUE((*home)->Create(path, *sealed).ok());
  header.kind = object::ObjectKind::kHead;
  header.prev_hash = object::ObjectHash(*sealed);  // a head names its object
  auto head = object::Seal(engine::HeadPath(device), header, Bytes(), *key,
                           keys.device);
  EXPECT_TRUE(head.ok());
  if (head.ok()) {
    EXPECT_TRUE((*home)->Replace(engine::HeadPath(device), *head).ok());
  }
  return path;
}

}  // namespace coven::testing

#endif  // COVEN_TESTS_CLI_HARNESS_H_
