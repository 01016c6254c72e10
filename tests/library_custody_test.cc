// Key custody through library::CreateLibrary / OpenLibrary / IdentityOf and
// the COVEN_KEY_CUSTODY / COVEN_KEY_PASSPHRASE environment variables.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "coven/library.h"
#include "coven/sync_manager.h"
#include "secret_store_test_util.h"

namespace coven::library {
namespace {

using keys::testing::ScratchDir;

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS notes(id TEXT PRIMARY KEY, body TEXT, "
    "_updated_at TEXT NOT NULL)";

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) {
      if (old) {
        setenv(name.c_str(), old->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }
  void Set(const std::string& name, const char* value) {
    if (!saved_.count(name)) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) {
      setenv(name.c_str(), value, 1);
    } else {
      unsetenv(name.c_str());
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

class LibraryCustodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.Set("COVEN_TEST_FAST_KDF", "1");
    env_.Set("COVEN_KEY_CUSTODY", nullptr);
    env_.Set("COVEN_KEY_PASSPHRASE", nullptr);
  }

  std::string LibDir() const { return scratch_.path() + "/lib"; }

  Result<LibrarySettings> Create() {
    LibrarySettings settings;
    settings.device_name = "laptop";
    settings.home_folder = scratch_.path() + "/home";
    settings.database = scratch_.path() + "/app.db";
    settings.tables = {"notes"};
    return CreateLibrary(LibDir(), settings);
  }

  Status Open() {
    Result<Library> library = OpenLibrary(LibDir(), kSchema);
    if (library.ok()) COVEN_RETURN_IF_ERROR(library->manager->stop());
    return library.status();
  }

  nlohmann::json Settings() const {
    std::ifstream in(LibDir() + "/library.json");
    return nlohmann::json::parse(in);
  }

  ScopedEnv env_;
  ScratchDir scratch_;
};

TEST_F(LibraryCustodyTest, DefaultIsFilesAndOldSettingsStillOpen) {
  ASSERT_TRUE(Create().ok());
  EXPECT_EQ(Settings()["key_custody"], "files");
  EXPECT_TRUE(std::filesystem::exists(LibDir() + "/keys/member.key"));
  ASSERT_TRUE(Open().ok());
  // A library.json written before key custody existed has no field.
  nlohmann::json old = Settings();
  old.erase("key_custody");
  std::ofstream(LibDir() + "/library.json") << old.dump(2);
  EXPECT_EQ(ReadSettings(LibDir())->key_custody, "files");
  EXPECT_TRUE(Open().ok());
  // Asking for another custody than the recorded one is refused.
  env_.Set("COVEN_KEY_CUSTODY", "passphrase");
  env_.Set("COVEN_KEY_PASSPHRASE", "correct horse");
  Status mismatch = Open();
  EXPECT_EQ(mismatch.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(mismatch.message().find("COVEN_KEY_CUSTODY"), std::string::npos);
}

TEST_F(LibraryCustodyTest, PassphraseLibraryOpensOnlyWithThePassphrase) {
  env_.Set("COVEN_KEY_CUSTODY", "passphrase");
  env_.Set("COVEN_KEY_PASSPHRASE", "correct horse");
  auto created = Create();
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->key_custody, "passphrase");
  EXPECT_EQ(Settings()["key_custody"], "passphrase");
  ASSERT_TRUE(Open().ok());

  env_.Set("COVEN_KEY_CUSTODY", nullptr);  // library.json decides.
  Status reopened = Open();
  EXPECT_TRUE(reopened.ok()) << reopened.ToString();

  env_.Set("COVEN_KEY_PASSPHRASE", nullptr);
  Status missing = Open();
  EXPECT_EQ(missing.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.message().find("this library's keys are protected by a "
                                   "passphrase: set COVEN_KEY_PASSPHRASE"),
            std::string::npos)
      << missing.ToString();

  env_.Set("COVEN_KEY_PASSPHRASE", "battery staple");
  Status wrong = Open();
  EXPECT_EQ(wrong.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(wrong.message().find("COVEN_KEY_PASSPHRASE"), std::string::npos);
  EXPECT_NE(wrong.message().find("wrong passphrase"), std::string::npos);

  env_.Set("COVEN_KEY_CUSTODY", "files");
  env_.Set("COVEN_KEY_PASSPHRASE", "correct horse");
  EXPECT_EQ(Open().code(), StatusCode::kFailedPrecondition);
}

TEST_F(LibraryCustodyTest, IdentityRecordsTheCustodyForCreateLibrary) {
  env_.Set("COVEN_KEY_PASSPHRASE", "correct horse");  // Implies passphrase.
  auto identity = IdentityOf(LibDir());
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(LibDir() + "/keys/custody"));
  EXPECT_EQ(IdentityOf(LibDir()).value(), *identity);

  env_.Set("COVEN_KEY_PASSPHRASE", nullptr);
  auto locked = IdentityOf(LibDir());
  EXPECT_EQ(locked.status().code(), StatusCode::kFailedPrecondition);
  env_.Set("COVEN_KEY_CUSTODY", "files");
  EXPECT_EQ(IdentityOf(LibDir()).status().code(),
            StatusCode::kFailedPrecondition);

  env_.Set("COVEN_KEY_CUSTODY", nullptr);
  env_.Set("COVEN_KEY_PASSPHRASE", "correct horse");
  ASSERT_TRUE(Create().ok());
  EXPECT_EQ(Settings()["key_custody"], "passphrase");
  EXPECT_EQ(IdentityOf(LibDir()).value(), *identity);
  EXPECT_TRUE(Open().ok());
}

TEST_F(LibraryCustodyTest, KeyringWithoutSecretServiceCreatesNothing) {
  env_.Set("COVEN_KEY_CUSTODY", "keyring");
  auto created = Create();
  if (created.ok()) GTEST_SKIP() << "an OS keyring is reachable here";
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable)
      << created.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(LibDir() + "/library.json"));
  EXPECT_FALSE(std::filesystem::exists(LibDir() + "/keys"));
  EXPECT_EQ(IdentityOf(LibDir()).status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(LibDir() + "/keys"));

  env_.Set("COVEN_KEY_CUSTODY", "vault");
  EXPECT_EQ(Create().status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coven::library
