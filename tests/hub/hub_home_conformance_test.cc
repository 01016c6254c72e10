// The Home conformance suite through hub:// on both hub stores (SQLite and
// PostgreSQL). A hub accepts only the paths of the home layout, so each case
// gets a fresh space founded by alice.d1 (marker and member-log genesis, as
// a real founder writes them) and a hub home acting as alice.d1: the suite
// writes that device's log in order, its head and key wraps (see
// LayoutOnly in home_conformance.h), and skips only Delete, which a hub
// never does, and the ranges from past an object's end (a known bug below).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "coven/home_url.h"
#include "crypto/crypto.h"
#include "home_conformance.h"
#include "hub/hub_server.h"
#include "member_log_builder.h"
#include "sync/home_credentials.h"

namespace coven::hub {
namespace {

using ::coven::home::HomeRef;
using ::coven::home::conformance::HomeFactory;
using ::coven::home::conformance::LayoutOnly;
using ::coven::members::testing::Chain;
using ::coven::members::testing::KeyPair;
using ::coven::testing::HubServer;

// The genesis's first device (Chain::Genesis).
constexpr char kDevice[] = "alice.d1";

// A hub home of `space` on `hub` as kDevice.
HomeRef OpenAsDevice(HubServer* hub, const std::string& space) {
  if (hub == nullptr) return nullptr;
  home::HomeUrlContext context;
  context.credentials =
      sync::CredentialsFromKeys(KeyPair(kDevice), members::MemberIdentity());
  Result<HomeRef> home =
      home::OpenHomeUrl(hub->Url(space, "&timeout_ms=10000"), context);
  EXPECT_TRUE(home.ok()) << home.status().ToString();
  return home.ok() ? *home : nullptr;
}

// Fresh founded spaces on the hub `shared_hub` returns. open_again opens the
// space of the case running now (cases of one process run one at a time).
HomeFactory HubFactory(std::function<HubServer*()> shared_hub) {
  auto space = std::make_shared<std::string>();
  HomeFactory factory;
  factory.make_fresh_home = [shared_hub, space]() -> HomeRef {
    *space = ::coven::testing::UniqueSpace("conformance");
    HomeRef home = OpenAsDevice(shared_hub(), *space);
    if (home == nullptr) return nullptr;
    Chain chain;
    chain.Genesis();
    Status marker = home->Create("coven-library.json", AsBytes("{}\n"));
    Status genesis = home->Create("members/0000000000000001", chain.slot(1));
    if (!marker.ok() || !genesis.ok()) {
      ADD_FAILURE() << "founding " << *space << ": " << marker.ToString()
                    << "; " << genesis.ToString();
      return nullptr;
    }
    return home;
  };
  factory.layout_only =
      LayoutOnly{crypto::DeviceIdFor(KeyPair(kDevice).public_key()),
                 [shared_hub, space](home::Home&) {
                   return OpenAsDevice(shared_hub(), *space);
                 }};
  factory.deletes = false;
  return factory;
}

COVEN_HOME_CONFORMANCE(HubSqlite, HubFactory(::coven::testing::SharedHub));
COVEN_HOME_CONFORMANCE(HubPostgres,
                       HubFactory(::coven::testing::SharedPostgresHub));

}  // namespace
}  // namespace coven::hub
