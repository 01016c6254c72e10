// A slot of this device's log holding bytes it did not write, in a home that
// will not replace them (as a hub, which writes every log object once and
// removes none): the error says who can put it right, instead of telling
// the user to remove a file that no device can remove from such a home.
#include <gtest/gtest.h>

#include <cstdio>

#include "coven/memory_home.h"
#include "test_device.h"

namespace coven::testing {
namespace {

// Forwards to a memory home; replaces heads only, like a hub.
class WriteOnceLogHome final : public home::Home {
 public:
  explicit WriteOnceLogHome(home::HomeRef inner) : inner_(std::move(inner)) {}
  Status Create(std::string_view path, ByteView data) override {
    return inner_->Create(path, data);
  }
  Status Replace(std::string_view path, ByteView data) override {
    if (path.substr(0, 6) != "heads/") {
      return PermissionDeniedError(Describe() + ": replace " +
                                   std::string(path) +
                                   ": only heads are replaced");
    }
    return inner_->Replace(path, data);
  }
  Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) override {
    return inner_->Get(path, max_bytes);
  }
  Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                         std::uint64_t length) override {
    return inner_->GetRange(path, offset, length);
  }
  Result<home::ListPage> List(std::string_view prefix,
                              std::string_view start_after,
                              std::size_t max_keys) override {
    return inner_->List(prefix, start_after, max_keys);
  }
  Status Delete(std::string_view path) override { return inner_->Delete(path); }
  home::Capabilities capabilities() const override {
    return inner_->capabilities();
  }
  std::string Describe() const override { return "write-once test home"; }

 private:
  home::HomeRef inner_;
};

TEST(OwnSlotAdviceTest, ASlotTheHomeWillNotReplaceNamesWhoCanFixIt) {
  auto memory = home::MemoryHome::Create();
  auto home = std::make_shared<WriteOnceLogHome>(memory);
  auto clock = std::make_shared<ManualClock>(1'700'000'000'000);
  auto device = TestDevice::Create(MakeLibrary(41), home, 1, clock);
  device->Exec("INSERT INTO todos VALUES('t1', 'first', 0, coven_hlc())");
  device->Sync();

  // Junk where the device's next log object goes.
  Result<home::ListPage> page = memory->List("log/", "", 1000);
  ASSERT_TRUE(page.ok() && !page->objects.empty());
  const std::string last = page->objects.back().path;
  const std::size_t slash = last.rfind('/');
  char next_seq[17];
  std::snprintf(next_seq, sizeof next_seq, "%016llx",
                std::stoull(last.substr(slash + 1), nullptr, 16) + 1);
  const std::string planted = last.substr(0, slash + 1) + next_seq;
  ASSERT_TRUE(memory->Create(planted, Bytes{'j', 'u', 'n', 'k'}).ok());

  device->Exec("INSERT INTO todos VALUES('t2', 'second', 0, coven_hlc())");
  auto round = device->manager().sync_now();
  std::string said = round.ok() ? "" : round.status().message();
  if (round.ok()) {
    for (const std::string& problem : round->problems) said += problem + "\n";
  }
  const std::string pending = device->manager().status().pending_error;
  for (const std::string& text : {said, pending}) {
    EXPECT_NE(text.find("cannot replace"), std::string::npos) << text;
    EXPECT_NE(text.find("whoever runs the home must"), std::string::npos)
        << text;
    EXPECT_NE(text.find("restores hub.db from a backup"), std::string::npos)
        << text;
    EXPECT_EQ(text.find("remove " + planted + " from the home"),
              std::string::npos)
        << text;
  }
}

}  // namespace
}  // namespace coven::testing
