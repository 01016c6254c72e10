// Member-log vectors, part 3: write authorization at earlier positions
// (StateAt), determinism of replay, the fuzz seed corpus, and rules the
// table rows do not cover.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "member_log_vectors.h"

namespace coven::members::testing {
namespace {

using ::testing::HasSubstr;

void ExpectWrite(const MemberLog& log, std::uint64_t position,
                 const std::string& device, const std::string& denial) {
  SCOPED_TRACE(device + " at position " + std::to_string(position));
  const MemberState* state = log.StateAt(position);
  ASSERT_NE(state, nullptr);
  const Status status = state->AuthorizeWrite(Pub(device));
  if (denial.empty()) {
    EXPECT_TRUE(status.ok()) << status.message();
  } else {
    EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
    EXPECT_THAT(status.message(), HasSubstr(denial));
  }
}

TEST(MemberLogPositions, AuthorizeWriteAsOfEachPosition) {
  Chain c;
  Team(c);
  c.RemoveMember("alice.d1", "carol", 2)         // slot 5
      .AddDevice("bob", "bob", "bob.d2")         // slot 6
      .RemoveDevice("bob.d1", "bob", "bob.d2");  // slot 7
  MemberLog log;
  c.FeedTo(log);
  ASSERT_EQ(log.size(), 7u);
  for (const SlotVerdict& v : log.verdicts()) ASSERT_TRUE(v.status.ok());

  ExpectWrite(log, 0, "alice.d1", "not a device of any member");
  ExpectWrite(log, 1, "alice.d1", "");
  ExpectWrite(log, 2, "carol.d1", "not a device of any member");
  ExpectWrite(log, 3, "carol.d1", "");
  ExpectWrite(log, 4, "carol.d1", "");
  ExpectWrite(log, 4, "bob.d1", "");
  ExpectWrite(log, 4, "dave.d1", "is a Reader; Readers cannot write");
  ExpectWrite(log, 5, "carol.d1", "removed at member-log position 5");
  ExpectWrite(log, 7, "carol.d1", "removed at member-log position 5");
  ExpectWrite(log, 5, "bob.d2", "not a device of any member");
  ExpectWrite(log, 6, "bob.d2", "");
  ExpectWrite(log, 7, "bob.d2", "device was removed at member-log position 7");
  ExpectWrite(log, 7, "mallory.d1", "not a device of any member");
  EXPECT_EQ(log.StateAt(8), nullptr);
}

TEST(MemberLogPositions, ReaderPromotedToWriterMayWriteOnlyAfterward) {
  Chain c;
  Team(c);
  c.ChangeRole("bob.d1", "dave", kWriter);  // slot 5
  MemberLog log;
  c.FeedTo(log);
  ExpectWrite(log, 4, "dave.d1", "Readers cannot write");
  ExpectWrite(log, 5, "dave.d1", "");
}

// Slots mixing accepted, rejected and garbage entries.
Chain MixedChain() {
  Chain c;
  Team(c);
  // Each slot that does not verify blocks the log until Alice skips it.
  c.ChangeRole("bob.d1", "bob", kOwner)
      .SkipSlot("alice.d1", 5)
      .RemoveMember("alice.d1", "carol", 2)
      .Raw({0xde, 0xad})
      .SkipSlot("alice.d1", 8)
      .AddMember("bob.d1", "eve", kWriter, "eve.d1")
      .RotateKey("carol.d1", 3)
      .SkipSlot("alice.d1", 11)
      .RotateKey("alice.d1", 3)
      .FlipSignatureBit()
      .SkipSlot("alice.d1", 13)
      .Replay(3)
      .SkipSlot("alice.d1", 15)
      .AddDevice("eve", "eve", "eve.d2");
  return c;
}

TEST(MemberLogPositions, ReplayIsDeterministic) {
  const Chain chain = MixedChain();
  const Chain again = MixedChain();
  ASSERT_EQ(chain.slots(), again.slots());
  MemberLog a;
  MemberLog b;
  chain.FeedTo(a);
  again.FeedTo(b);
  ASSERT_EQ(a.size(), b.size());
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < a.verdicts().size(); ++i) {
    SCOPED_TRACE("slot " + std::to_string(i + 1));
    EXPECT_EQ(a.verdicts()[i].status.code(), b.verdicts()[i].status.code());
    EXPECT_EQ(a.verdicts()[i].status.message(),
              b.verdicts()[i].status.message());
    EXPECT_EQ(a.verdicts()[i].link_broken, b.verdicts()[i].link_broken);
    EXPECT_EQ(Summary(*a.StateAt(i + 1)), Summary(*b.StateAt(i + 1)));
    if (a.verdicts()[i].status.ok()) ++accepted;
  }
  EXPECT_EQ(a.head_hash(), b.head_hash());
  EXPECT_EQ(a.slot_hashes(), b.slot_hashes());
  // 4 team slots, promote (self: rejected), remove carol, garbage, add eve,
  // carol's rotate (removed), forged rotate, replay, eve's device, and the
  // five skips.
  EXPECT_EQ(accepted, 12u);
  EXPECT_EQ(a.current().current_key_id(), Key(2));
}

// The rule "a member key cannot be a device" read the other way round: a
// new member whose signing key is already an active device key would make
// that key speak for two members: refused.
TEST(MemberLogPositions, NewMemberKeyEqualToActiveDevice) {
  Chain c;
  Team(c);
  // "carol.d1" is carol's device; add a member whose signing key is it.
  c.AddMember("alice.d1", "eve", kReader, "eve.d1").Resign([](MemberEntry& m) {
    m.member_sign = Pub("carol.d1");
  });
  MemberLog log;
  c.FeedTo(log);
  const SlotVerdict& v = log.verdicts().back();
  EXPECT_EQ(v.status.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(v.status.message().find("already a device key"), std::string::npos)
      << v.status.message();
}

// The runner itself must notice a wrong reason, code or final state.
// (GCC warns about fields a designated initializer leaves at default.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
void RunWithWrongReason() {
  RunVector({.name = "wrong_reason",
             .build = [](Chain& c) { c.Genesis().RotateKey("alice.d1", 1); },
             .verdicts = {Ok(), Denied("self-promotion")},
             .members = {{"alice", kOwner, true, {{"alice.d1", true}}}}});
}
void RunWithWrongCode() {
  RunVector({.name = "wrong_code",
             .build = [](Chain& c) { c.Genesis().RotateKey("alice.d1", 0); },
             .verdicts = {Ok(), Denied("a zero key id")},
             .members = {{"alice", kOwner, true, {{"alice.d1", true}}}}});
}
void RunWithWrongState() {
  RunVector({.name = "wrong_state",
             .build = [](Chain& c) { c.Genesis(); },
             .verdicts = {Ok()},
             .members = {{"alice", kAdmin, true, {{"alice.d1", true}}}}});
}

#pragma GCC diagnostic pop

TEST(MemberLogPositions, RunnerDetectsWrongExpectations) {
  EXPECT_NONFATAL_FAILURE(RunWithWrongReason(), "self-promotion");
  EXPECT_NONFATAL_FAILURE(RunWithWrongCode(), "got.status.code()");
  EXPECT_NONFATAL_FAILURE(RunWithWrongState(), "record->role");
}

// --- Seed corpus for fuzz/member_log_fuzz.cc. ---

std::map<std::string, Bytes> CorpusFiles() {
  std::map<std::string, Bytes> files;
  Chain team;
  Team(team);
  team.ChangeRole("alice.d1", "carol", kAdmin)
      .AddDevice("carol", "carol", "carol.d2")
      .RotateKey("bob.d1", 2);
  files["team"] = FrameSlots(team.slots(), false);
  // The same log without slot 1: the fuzzer prefixes FuzzGenesis().
  std::vector<Bytes> rest(team.slots().begin() + 1, team.slots().end());
  files["team_prefixed"] = FrameSlots(rest, true);

  Chain churn;
  Team(churn);
  churn.RemoveMember("alice.d1", "carol", 2)
      .AddMember("bob.d1", "carol", kReader, "carol.d2")
      .AddDevice("dave", "dave", "dave.d2")
      .RemoveDevice("dave.d2", "dave", "dave.d1")
      .ChangeRole("alice.d1", "bob", kOwner)
      .ChangeRole("alice", "alice", kWriter)
      .RotateKey("bob", 3);
  files["churn"] = FrameSlots(churn.slots(), false);

  files["mixed"] = FrameSlots(MixedChain().slots(), false);
  return files;
}

TEST(MemberLogCorpus, MatchesGenerator) {
  const std::filesystem::path dir =
      std::filesystem::path(COVEN_SOURCE_DIR) / "fuzz/corpus/member_log";
  const std::map<std::string, Bytes> files = CorpusFiles();
  if (std::getenv("COVEN_WRITE_MEMBER_LOG_CORPUS") != nullptr) {
    std::filesystem::create_directories(dir);
    for (const auto& [name, bytes] : files) {
      std::ofstream out(dir / name, std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
    }
  }
  for (const auto& [name, bytes] : files) {
    SCOPED_TRACE(name);
    std::ifstream in(dir / name, std::ios::binary);
    ASSERT_TRUE(in) << "regenerate with COVEN_WRITE_MEMBER_LOG_CORPUS=1";
    const Bytes stored((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
    EXPECT_EQ(stored, bytes);
    bool prefix = false;
    const std::vector<ByteView> slots = UnframeSlots(bytes, &prefix);
    MemberLog log;
    if (prefix) log.Append(FuzzGenesis());
    for (ByteView s : slots) log.Append(s);
    if (name != "mixed") {
      for (const SlotVerdict& v : log.verdicts()) {
        EXPECT_TRUE(v.status.ok()) << v.seq << ": " << v.status.message();
      }
    }
    EXPECT_GE(log.size(), 7u);
  }
}

}  // namespace
}  // namespace coven::members::testing
