#include "coven/folder_home.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "home/folder_io.h"
#include "home_conformance.h"
#include "home_test_limits.h"

namespace coven::home {
namespace {

using ::testing::HasSubstr;

// Makes a fresh directory under `base`; returns "" on failure.
std::string MakeTempDir(std::string base = "/tmp") {
  std::string pattern = base + "/coven-folder-home-XXXXXX";
  return ::mkdtemp(pattern.data()) == nullptr ? std::string() : pattern;
}

// Where the conformance suite puts its homes. Its 1,500-object listing case
// costs two fsyncs per object, seconds on a real disk, so it prefers tmpfs
// (same link/rename semantics, cheap fsync). COVEN_FOLDER_HOME_TEST_DIR
// overrides this, e.g. to run the suite on the disk or share to be used.
std::string ConformanceBaseDir() {
  if (const char* dir = std::getenv("COVEN_FOLDER_HOME_TEST_DIR")) return dir;
  if (::access("/dev/shm", W_OK | X_OK) == 0) return "/dev/shm";
  return "/tmp";
}

void RemoveTree(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// A fresh folder home whose directory is removed with the last reference.
HomeRef MakeFreshFolderHome() {
  const std::string dir = MakeTempDir(ConformanceBaseDir());
  if (dir.empty()) return nullptr;
  Result<std::shared_ptr<FolderHome>> home = FolderHome::Open(dir);
  if (!home.ok()) {
    ADD_FAILURE() << home.status().ToString();
    return nullptr;
  }
  std::shared_ptr<FolderHome> owner = *home;
  return HomeRef(owner.get(), [owner, dir](Home*) mutable {
    owner.reset();
    RemoveTree(dir);
  });
}

COVEN_HOME_CONFORMANCE(FolderHome, MakeFreshFolderHome);

class FolderHomeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    Result<std::shared_ptr<FolderHome>> home = FolderHome::Open(dir_);
    ASSERT_TRUE(home.ok()) << home.status().ToString();
    home_ = *home;
  }
  void TearDown() override {
    home_.reset();
    RemoveTree(dir_);
  }
  void WriteFile(const std::string& rel, std::string_view content) {
    std::filesystem::path path = std::filesystem::path(dir_) / rel;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }
  std::vector<std::string> ListPaths(std::string_view prefix = "") {
    Result<std::vector<ObjectInfo>> all = ListAll(*home_, prefix, kTestMaxList);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    std::vector<std::string> out;
    if (all.ok()) {
      for (const ObjectInfo& o : *all) out.push_back(o.path);
    }
    return out;
  }

  std::string dir_;
  std::shared_ptr<FolderHome> home_;
};

TEST_F(FolderHomeTest, ObjectsArePlainFilesAndNoTempFileRemains) {
  ASSERT_TRUE(home_->Create("log/ab/01", AsBytes("sealed")).ok());
  ASSERT_TRUE(home_->Replace("heads/ab", AsBytes("head")).ok());
  std::ifstream in(dir_ + "/log/ab/01");
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "sealed");
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/.tmp"));
  EXPECT_EQ(home_->Describe(), "folder home " + dir_);
  EXPECT_EQ(home_->root(), dir_);
}

// The helper library.json is written with: the new content replaces the old
// whole, no temporary file stays, and a failure names its step.
TEST_F(FolderHomeTest, ReplaceFileDurablyReplacesWholeAndNamesAFailedStep) {
  const std::string path = dir_ + "/settings.json";
  std::string step;
  ASSERT_EQ(folder_io::ReplaceFileDurably(path, AsBytes("old"), 0600, &step), 0)
      << step;
  ASSERT_EQ(
      folder_io::ReplaceFileDurably(path, AsBytes("new text"), 0600, &step), 0)
      << step;
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "new text");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const std::string missing = dir_ + "/no-such-dir/settings.json";
  EXPECT_EQ(folder_io::ReplaceFileDurably(missing, AsBytes("x"), 0600, &step),
            ENOENT);
  EXPECT_EQ(step, "create " + missing + ".tmp");
}

// A planted file far larger than memory is refused from its size alone.
TEST_F(FolderHomeTest, AHugePlantedFileIsRefusedFromItsSize) {
  WriteFile("members/0000000000000002", "");
  std::filesystem::resize_file(dir_ + "/members/0000000000000002",
                               std::uintmax_t{64} << 30);  // Sparse: 64 GiB.
  Result<Bytes> got = home_->Get("members/0000000000000002", 4096);
  EXPECT_EQ(got.status().code(), StatusCode::kResourceExhausted)
      << got.status().ToString();
  EXPECT_THAT(got.status().message(),
              HasSubstr("members/0000000000000002 in folder home " + dir_ +
                        " is 68719476736 bytes, over the limit of 4096"));
}

TEST_F(FolderHomeTest, ListIgnoresTempFilesAndForeignNames) {
  ASSERT_TRUE(home_->Create("log/ab/01", AsBytes("x")).ok());
  WriteFile(".tmp/123-0-00ff.tmp", "partial");
  WriteFile(".DS_Store", "mac");
  WriteFile("Thumbs.db", "windows");
  WriteFile("log/ab/01 (conflicted copy)", "dropbox");
  WriteFile("log/AB/01", "upper");
  std::filesystem::create_symlink(dir_ + "/log/ab/01", dir_ + "/log/ab/02");
  EXPECT_EQ(ListPaths(), std::vector<std::string>{"log/ab/01"});
  EXPECT_EQ(ListPaths("."), std::vector<std::string>{});
  EXPECT_EQ(home_->Create(".tmp/x", AsBytes("x")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(home_->Get(".tmp/123-0-00ff.tmp", kTestMaxRead).status().code(),
            StatusCode::kInvalidArgument);
  // A directory where an object is expected is not an object.
  EXPECT_EQ(home_->Get("log/ab", kTestMaxRead).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(home_->Delete("log/ab").ok());
}

TEST_F(FolderHomeTest, OpenOrCreateCreatesTreeAndRejectsFiles) {
  const std::string nested = dir_ + "/a/b/c";
  Result<std::shared_ptr<FolderHome>> home =
      FolderHome::OpenOrCreate(nested + "//");
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_EQ((*home)->root(), nested);
  EXPECT_TRUE(std::filesystem::is_directory(nested + "/.tmp"));

  WriteFile("plain", "file");
  home = FolderHome::Open(dir_ + "/plain");
  EXPECT_EQ(home.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(home.status().message(), HasSubstr(dir_ + "/plain"));
  home = FolderHome::Open(dir_ + "/plain/sub");
  EXPECT_EQ(home.status().code(), StatusCode::kFailedPrecondition);
  home = FolderHome::OpenOrCreate(dir_ + "/plain/sub");
  EXPECT_EQ(home.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(FolderHome::Open("").status().code(), StatusCode::kInvalidArgument);
}

// Open never creates: a missing directory is a drive or share that is not
// mounted (every call is kUnavailable, and writes do not recreate it), and
// opening an existing directory writes nothing into it.
TEST_F(FolderHomeTest, OpenCreatesNothing) {
  const std::string missing = dir_ + "/mnt/usb";
  Result<std::shared_ptr<FolderHome>> home = FolderHome::Open(missing);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_EQ((*home)->root(), missing);
  Status created = (*home)->Create("log/ab/01", AsBytes("x"));
  EXPECT_EQ(created.code(), StatusCode::kUnavailable) << created.ToString();
  EXPECT_EQ((*home)->Replace("heads/ab", AsBytes("x")).code(),
            StatusCode::kUnavailable);
  EXPECT_EQ((*home)->List("", "", 10).status().code(),
            StatusCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/mnt"));

  const std::string empty = dir_ + "/empty";
  ASSERT_TRUE(std::filesystem::create_directory(empty));
  ASSERT_TRUE(FolderHome::Open(empty).ok());
  EXPECT_TRUE(std::filesystem::is_empty(empty));
}

TEST_F(FolderHomeTest, RemovesStaleTempFilesOnOpen) {
  WriteFile(".tmp/old.tmp", "crashed writer");
  WriteFile(".tmp/new.tmp", "active writer");
  const std::string old_path = dir_ + "/.tmp/old.tmp";
  const struct timespec times[2] = {{std::time(nullptr) - 3 * 86400, 0},
                                    {std::time(nullptr) - 3 * 86400, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, old_path.c_str(), times, 0), 0);
  ASSERT_TRUE(FolderHome::Open(dir_).ok());
  EXPECT_FALSE(std::filesystem::exists(old_path));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/.tmp/new.tmp"));
}

TEST_F(FolderHomeTest, MissingRootIsUnavailableNotEmpty) {
  ASSERT_TRUE(home_->Create("log/ab/01", AsBytes("x")).ok());
  RemoveTree(dir_);  // As if the drive were unplugged.
  Result<ListPage> page = home_->List("", "", 10);
  EXPECT_EQ(page.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(page.status().message(), HasSubstr(dir_));
  EXPECT_EQ(home_->Get("log/ab/01", kTestMaxRead).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(home_->Delete("log/ab/01").code(), StatusCode::kUnavailable);
  Status created = home_->Create("log/ab/02", AsBytes("x"));
  EXPECT_EQ(created.code(), StatusCode::kUnavailable) << created.ToString();
}

// Runs `body` in a child process (as user "nobody" when we are root, since
// root ignores permission bits) and returns what it wrote to `out`.
std::string RunUnprivileged(const std::function<std::string()>& body,
                            bool* skipped) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      out = "SKIP";
    } else {
      out = body();
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buffer[512];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof(buffer))) > 0;) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  *skipped = out == "SKIP";
  return out;
}

TEST_F(FolderHomeTest, ReadOnlyDirectoryIsPermissionDenied) {
  ASSERT_TRUE(home_->Create("log/ab/01", AsBytes("x")).ok());
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);  // Let "nobody" in to read.
  ASSERT_EQ(::chmod((dir_ + "/log/ab").c_str(), 0555), 0);
  ASSERT_EQ(::chmod((dir_ + "/.tmp").c_str(), 0555), 0);
  ASSERT_EQ(::chmod((dir_ + "/log").c_str(), 0555), 0);
  ASSERT_EQ(::chmod(dir_.c_str(), 0555), 0);
  bool skipped = false;
  const std::string report = RunUnprivileged(
      [&] {
        Result<std::shared_ptr<FolderHome>> home = FolderHome::Open(dir_);
        if (!home.ok()) return "open: " + home.status().ToString();
        Result<Bytes> got = (*home)->Get("log/ab/01", kTestMaxRead);
        if (!got.ok()) return "get: " + got.status().ToString();
        std::string out = (*home)->Create("log/ab/02", AsBytes("y")).ToString();
        out +=
            "\n" + FolderHome::OpenOrCreate(dir_ + "/sub").status().ToString();
        return out;
      },
      &skipped);
  ::chmod(dir_.c_str(), 0700);
  ::chmod((dir_ + "/log").c_str(), 0700);
  ::chmod((dir_ + "/log/ab").c_str(), 0700);
  ::chmod((dir_ + "/.tmp").c_str(), 0700);
  if (skipped) GTEST_SKIP() << "cannot drop root privileges";
  EXPECT_THAT(report, HasSubstr("PERMISSION_DENIED: permission denied while "
                                "creating log/ab/02 in folder home " +
                                dir_));
  EXPECT_THAT(report, HasSubstr("give this user read and write access"));
  EXPECT_THAT(report,
              HasSubstr("\nPERMISSION_DENIED: cannot create folder home "
                        "directory " +
                        dir_ + "/sub"));
}

TEST_F(FolderHomeTest, ProcessesRacingToCreateHaveExactlyOneWinner) {
  constexpr int kChildren = 8, kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = "log/race/" + std::to_string(round);
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    std::vector<pid_t> children;
    for (int i = 0; i < kChildren; ++i) {
      const pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        ::close(go[1]);
        char byte;
        (void)!::read(go[0], &byte, 1);  // Returns when the parent closes.
        Status s = home_->Create(path, AsBytes("child-" + std::to_string(i)));
        ::_exit(s.ok() ? 0 : s.code() == StatusCode::kAlreadyExists ? 1 : 2);
      }
      children.push_back(pid);
    }
    ::close(go[0]);
    ::close(go[1]);  // Start them all at once.
    int winners = 0, losers = 0, winner = -1;
    for (int i = 0; i < kChildren; ++i) {
      int status = 0;
      ASSERT_EQ(::waitpid(children[i], &status, 0), children[i]);
      ASSERT_TRUE(WIFEXITED(status));
      if (WEXITSTATUS(status) == 0) {
        ++winners;
        winner = i;
      } else if (WEXITSTATUS(status) == 1) {
        ++losers;
      }
    }
    EXPECT_EQ(winners, 1) << "round " << round;
    EXPECT_EQ(losers, kChildren - 1) << "round " << round;
    Result<Bytes> got = home_->Get(path, kTestMaxRead);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(AsString(*got), "child-" + std::to_string(winner));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/.tmp"));
}

}  // namespace
}  // namespace coven::home
