// A program linked against coven::core alone (tests/CMakeLists.txt). It
// opens homes through the registry, plugs in a scheme of its own, and meets
// the clear errors an app gets for the network homes and the OS keyring it
// did not link. check_core_only.cmake then checks that the binary needs
// neither libcurl nor libsecret. Exit 0 when every expectation holds.
#include <iostream>
#include <string>

#include "coven/home_registry.h"
#include "coven/home_url.h"
#include "coven/keys.h"
#include "coven/memory_home.h"
#include "coven/secret_store.h"
#include "coven/sync_manager.h"

namespace {

int failures = 0;

void Expect(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "FAILED: " << what << "\n";
    ++failures;
  }
}

bool Contains(const coven::Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

}  // namespace

int main() {
  using coven::StatusCode;
  namespace home = coven::home;

  Expect(home::OpenHomeUrl("memory://").ok(), "memory:// opens in the core");

  // A scheme the core has never heard of plugs in without editing it.
  coven::Status registered = home::RegisterHome(
      "hub",
      [](home::HomeUrl url,
         const home::EnvLookup&) -> coven::Result<coven::home::HomeRef> {
        if (url.rest != "example") return coven::NotFoundError(url.rest);
        return coven::home::HomeRef(coven::home::MemoryHome::Create());
      });
  Expect(registered.ok(), "RegisterHome(hub): " + registered.ToString());
  Expect(home::OpenHomeUrl("hub://example").ok(),
         "hub:// opens once registered");

  // The network homes live in coven::net: not linked, not registered.
  coven::Result<home::HomeRef> s3 = home::OpenHomeUrl("s3://bucket/prefix");
  Expect(s3.status().code() == StatusCode::kInvalidArgument &&
             Contains(s3.status(), "coven::RegisterBuiltins()"),
         "s3:// without coven::net says what to link and call: " +
             s3.status().ToString());

  // Keyring custody: the Secret Service backend lives in coven::keyring.
  coven::keys::KeyCustody custody;
  custody.kind = coven::keys::KeyCustody::Kind::kKeyring;
  custody.keyring_scope = "core-only";
  coven::Result<coven::keys::KeyService> keys =
      coven::keys::KeyService::WithCustody(std::move(custody), "", "");
  Expect(keys.status().code() == StatusCode::kUnavailable &&
             Contains(keys.status(), "coven::RegisterBuiltins()"),
         "keyring custody without coven::keyring says what to link: " +
             keys.status().ToString());

  // Pull the engine into the link, so that the dependency check below
  // covers the whole core, not only the registry.
  auto* volatile create = &coven::sync::sync_manager::SyncManager::Create;
  Expect(create != nullptr, "SyncManager::Create is linked");

  if (failures == 0) std::cout << "core-only program: all expectations hold\n";
  return failures == 0 ? 0 : 1;
}
