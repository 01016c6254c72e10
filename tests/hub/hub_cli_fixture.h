// The CLI harness (cli_harness.h) with its home on a space of its own on
// the shared test hub: the programs, run as users run them, over hub://.
#ifndef COVEN_TESTS_HUB_HUB_CLI_FIXTURE_H_
#define COVEN_TESTS_HUB_HUB_CLI_FIXTURE_H_

#include <gtest/gtest.h>

#include <string>

#include "cli_harness.h"
#include "hub/hub_server.h"

namespace coven::testing {

class HubCliTest : public CliTest {
 protected:
  void SetUp() override {
    HubServer* hub = SharedHub();
    ASSERT_NE(hub, nullptr);
    url_ = hub->Url(UniqueSpace("cli"));
  }
  /// "hub://127.0.0.1:PORT/SPACE?plaintext=1": a space of the test's own.
  std::string Home() override { return url_; }

  std::string url_;
};

}  // namespace coven::testing

#endif  // COVEN_TESTS_HUB_HUB_CLI_FIXTURE_H_
