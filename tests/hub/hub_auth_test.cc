// The hub's authentication and authorization, attacked at HubCore (no
// network): every refusal here is one an attacker holding a network path
// to the hub would try.
#include <gtest/gtest.h>

#include "coven/hlc.h"
#include "hub/server/tokens.h"
#include "hub_test_util.h"

namespace coven::hub::testing {
namespace {

using members::MemberRole;

class HubAuthTest : public HubCoreFixture {};

TEST_F(HubAuthTest, FounderClaimsANewSpaceAndBecomesItsFirstDevice) {
  Chain chain;
  chain.Genesis();
  const std::string token = Found("todos", chain);
  auto caller = Auth(token);
  ASSERT_TRUE(caller.ok()) << caller.status().ToString();
  EXPECT_EQ(caller->access, server::Access::kDevice);
  EXPECT_EQ(caller->member_epoch, 1u);
  EXPECT_TRUE(caller->may_write_log.ok());
}

TEST_F(HubAuthTest, NoTokenIsRefused) {
  auto caller = Auth("");
  EXPECT_EQ(caller.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(caller.status().message().find("register"), std::string::npos);
}

TEST_F(HubAuthTest, ExpiredTokenIsRefused) {
  Chain chain;
  chain.Genesis();
  const std::string token = Found("todos", chain);
  ASSERT_TRUE(Auth(token).ok());
  clock_->Advance(core_->options().token_lifetime_ms);
  auto caller = Auth(token);
  EXPECT_EQ(caller.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(caller.status().message().find("expired"), std::string::npos);
}

TEST_F(HubAuthTest, ForgedTokenIsRefused) {
  Chain chain;
  chain.Genesis();
  std::string token = Found("todos", chain);
  // Claim another space by editing the token: the MAC no longer verifies.
  token[3] = 'x';
  EXPECT_EQ(Auth(token).status().code(), StatusCode::kUnauthenticated);
  // A token MACed with another hub's key.
  server::TokenClaims claims;
  claims.space = "todos";
  claims.device = KeyPair("alice.d1").public_key();
  claims.expires_ms = clock_->NowMillis() + 60'000;
  server::Key32 other_key{};
  other_key.fill(7);
  const Bytes foreign = server::IssueToken(claims, other_key);
  auto caller = Auth(Str(foreign));
  EXPECT_EQ(caller.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(caller.status().message().find("another hub"), std::string::npos);
}

TEST_F(HubAuthTest, ReplayedChallengeIsRefused) {
  Chain chain;
  chain.Genesis();
  Found("todos", chain);
  const crypto::SigningKeyPair device = KeyPair("alice.d1");
  auto challenge = Challenge("todos", device.public_key());
  ASSERT_TRUE(challenge.ok());
  ASSERT_TRUE(RegisterWith("todos", device, *challenge, {}).ok());
  auto again = RegisterWith("todos", device, *challenge, {});
  EXPECT_EQ(again.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(again.status().message().find("used"), std::string::npos);
}

TEST_F(HubAuthTest, ExpiredChallengeIsRefused) {
  Chain chain;
  chain.Genesis();
  Found("todos", chain);
  const crypto::SigningKeyPair device = KeyPair("alice.d1");
  auto challenge = Challenge("todos", device.public_key());
  ASSERT_TRUE(challenge.ok());
  clock_->Advance(core_->options().challenge_lifetime_ms);
  EXPECT_EQ(RegisterWith("todos", device, *challenge, {}).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(HubAuthTest, SignatureByAnotherKeyIsRefused) {
  Chain chain;
  chain.Genesis();
  Found("todos", chain);
  // Mallory presents alice.d1's public key (hijacking its id) but can only
  // sign with her own key.
  const crypto::SigningKeyPair alice = KeyPair("alice.d1");
  const crypto::SigningKeyPair mallory = KeyPair("mallory.d1");
  auto challenge = Challenge("todos", alice.public_key());
  ASSERT_TRUE(challenge.ok());
  auto token = RegisterWith("todos", alice, *challenge, {}, &mallory);
  EXPECT_EQ(token.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(HubAuthTest, ChallengeOfAnotherKeyIsRefused) {
  Chain chain;
  chain.Genesis();
  Found("todos", chain);
  const crypto::SigningKeyPair mallory = KeyPair("mallory.d1");
  auto challenge = Challenge("todos", KeyPair("alice.d1").public_key());
  ASSERT_TRUE(challenge.ok());
  EXPECT_EQ(RegisterWith("todos", mallory, *challenge, {}).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(HubAuthTest, DeviceOfAnotherLibraryIsRefused) {
  Chain chain;
  chain.Genesis();
  Found("todos", chain);
  Chain other(9);
  other.Genesis("bob.d1", "bob", "bob.d1", 1);
  // bob founds his own space, then tries alice's.
  auto bob = Register("notes", "bob.d1");
  ASSERT_TRUE(bob.ok());
  auto foreign = Register("todos", "bob.d1");
  EXPECT_EQ(foreign.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(foreign.status().message().find("invite"), std::string::npos);
}

TEST_F(HubAuthTest, SecondDeviceCannotClaimASpaceBeingFounded) {
  auto founder = Register("todos", "alice.d1");
  ASSERT_TRUE(founder.ok());
  ASSERT_TRUE(PushAs(*founder, {Obj("coven-library.json", "marker")}).ok());
  auto second = Register("todos", "mallory.d1");
  EXPECT_EQ(second.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(second.status().message().find("another space name"),
            std::string::npos);
  EXPECT_TRUE(Auth(*founder).ok());
}

TEST_F(HubAuthTest, AClaimNobodyUsedPassesToTheNextFounder) {
  // A misspelt space name, or an init cut short before it wrote a marker:
  // the space exists on the hub but holds nothing.
  auto first = Register("todos", "alice.d1");
  ASSERT_TRUE(first.ok());
  auto first_caller = Auth(*first);
  ASSERT_TRUE(first_caller.ok());
  auto next = Register("todos", "bob.d1");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  auto next_caller = Auth(*next);
  ASSERT_TRUE(next_caller.ok()) << next_caller.status().ToString();
  EXPECT_EQ(next_caller->access, server::Access::kFounder);
  // The first claim is gone: its token no longer admits it, and a push it
  // had been admitted to just before is refused by the store.
  EXPECT_EQ(Auth(*first).status().code(), StatusCode::kPermissionDenied);
  Chain chain;
  chain.Genesis();
  const std::vector<pb::Object> late_writes = {
      Obj("coven-library.json", "old"),
      Obj("keys/0123456789abcdef0123456789abcdef/0123456789abcdef", "wrap"),
      Obj(members::MemberEntryPath(1), Str(chain.slot(1)))};
  for (const pb::Object& write : late_writes) {
    auto late = core_->Push(*first_caller, {write}, std::nullopt);
    EXPECT_EQ(late.status().code(), StatusCode::kPermissionDenied)
        << write.path() << ": " << late.status().ToString();
  }
  ASSERT_TRUE(PushAs(*next, {Obj("coven-library.json", "new")}).ok());
  pb::ProbeRequest probe;
  probe.set_space("todos");
  auto seen = core_->Probe(probe);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->marker(), "new");
}

TEST_F(HubAuthTest, ProbeSaysWhetherASpaceHoldsAnything) {
  pb::ProbeRequest probe;
  probe.set_space("todos");
  auto seen = core_->Probe(probe);
  ASSERT_TRUE(seen.ok());
  EXPECT_FALSE(seen->exists());
  auto founder = Register("todos", "alice.d1");
  ASSERT_TRUE(founder.ok());
  seen = core_->Probe(probe);
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen->exists());
  EXPECT_TRUE(seen->empty());
  Chain chain;
  chain.Genesis();
  ASSERT_TRUE(
      PushAs(*founder, {Obj(members::MemberEntryPath(1), Str(chain.slot(1)))})
          .ok());
  seen = core_->Probe(probe);
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen->exists());
  EXPECT_FALSE(seen->empty());
  EXPECT_FALSE(seen->has_marker());
}

TEST_F(HubAuthTest, RemovedDeviceIsRefusedAtOnceWithItsOldToken) {
  Chain chain;
  chain.Genesis().AddDevice("alice", "alice", "alice.d2");
  const std::string alice = Found("todos", chain);
  auto d2 = Register("todos", "alice.d2");
  ASSERT_TRUE(d2.ok()) << d2.status().ToString();
  ASSERT_TRUE(PushAs(*d2, {Obj(LogPathOf("alice.d2", 1), "o1")}).ok());
  chain.RemoveDevice("alice.d1", "alice", "alice.d2", 2);
  auto removed =
      PushAs(alice, {Obj(members::MemberEntryPath(3), Str(chain.slot(3)))});
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  // The old token still has time left, but the member log says no.
  auto caller = Auth(*d2);
  EXPECT_EQ(caller.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(caller.status().message().find("removed"), std::string::npos);
  EXPECT_EQ(Register("todos", "alice.d2").status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(HubAuthTest, NobodyWritesIntoAnotherAuthorsLogOrHead) {
  Chain chain;
  chain.Genesis().AddMember("alice.d1", "bob", MemberRole::Writer, "bob.d1");
  const std::string alice = Found("todos", chain);
  auto bob = Register("todos", "bob.d1");
  ASSERT_TRUE(bob.ok());
  auto log = PushAs(*bob, {Obj(LogPathOf("alice.d1", 1), "forged")});
  EXPECT_EQ(log.status().code(), StatusCode::kPermissionDenied);
  auto head = PushAs(*bob, {}, Obj(HeadPathOf("alice.d1"), "forged head"));
  EXPECT_EQ(head.status().code(), StatusCode::kPermissionDenied);
  auto heads = core_->ListHeads(*Auth(alice));
  ASSERT_TRUE(heads.ok());
  EXPECT_EQ(heads->heads_size(), 0);
}

TEST_F(HubAuthTest, ReaderCannotWriteALog) {
  Chain chain;
  chain.Genesis().AddMember("alice.d1", "carol", MemberRole::Reader,
                            "carol.d1");
  Found("todos", chain);
  auto carol = Register("todos", "carol.d1");
  ASSERT_TRUE(carol.ok());
  auto pushed = PushAs(*carol, {Obj(LogPathOf("carol.d1", 1), "x")});
  EXPECT_EQ(pushed.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(pushed.status().message().find("Reader"), std::string::npos);
}

TEST_F(HubAuthTest, MemberSlotThatDoesNotVerifyIsRefusedAndNotStored) {
  Chain chain;
  chain.Genesis().AddDevice("alice", "alice", "alice.d2");
  const std::string alice = Found("todos", chain);
  Chain forged = chain;
  forged.AddMember("alice.d1", "mallory", MemberRole::Owner, "mallory.d1")
      .FlipSignatureBit();
  auto pushed =
      PushAs(alice, {Obj(members::MemberEntryPath(3), Str(forged.slot(3)))});
  EXPECT_EQ(pushed.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(pushed.status().message().find("does not verify"),
            std::string::npos);
  auto log = store_->MemberLog("todos");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 2u);
  // A non-member signing an entry (mallory adds herself) is refused too.
  Chain self = chain;
  self.AddMember("mallory.d1", "mallory", MemberRole::Owner, "mallory.d1");
  EXPECT_EQ(PushAs(alice, {Obj(members::MemberEntryPath(3), Str(self.slot(3)))})
                .status()
                .code(),
            StatusCode::kPermissionDenied);
}

TEST_F(HubAuthTest, FounderMayOnlyWriteAGenesisNamingItself) {
  auto founder = Register("todos", "alice.d1");
  ASSERT_TRUE(founder.ok());
  Chain chain;
  chain.Genesis("bob.d1", "bob", "bob.d1", 1);
  auto pushed =
      PushAs(*founder, {Obj(members::MemberEntryPath(1), Str(chain.slot(1)))});
  EXPECT_EQ(pushed.status().code(), StatusCode::kPermissionDenied);
  auto log = PushAs(*founder, {Obj(LogPathOf("alice.d1", 1), "x")});
  EXPECT_EQ(log.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(HubAuthTest, EnrollingDeviceAppendsItsOwnAddDevice) {
  Chain chain;
  chain.Genesis().AddMember("alice.d1", "bob", MemberRole::Writer, "bob.d1");
  Found("todos", chain);
  // bob's second device holds bob's member seed (from an invite or a
  // restore code) but is not in the log yet.
  EXPECT_EQ(Register("todos", "bob.d2").status().code(),
            StatusCode::kPermissionDenied);
  auto enrolling = Register("todos", "bob.d2", std::string("bob"));
  ASSERT_TRUE(enrolling.ok()) << enrolling.status().ToString();
  EXPECT_EQ(Auth(*enrolling)->access, server::Access::kEnrolling);
  EXPECT_EQ(
      PushAs(*enrolling, {Obj(LogPathOf("bob.d2", 1), "x")}).status().code(),
      StatusCode::kPermissionDenied);
  chain.AddDevice("bob", "bob", "bob.d2");
  ASSERT_TRUE(
      PushAs(*enrolling, {Obj(members::MemberEntryPath(3), Str(chain.slot(3)))})
          .ok());
  auto now = Auth(*enrolling);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->access, server::Access::kDevice);
  EXPECT_TRUE(PushAs(*enrolling, {Obj(LogPathOf("bob.d2", 1), "x")}).ok());
}

TEST_F(HubAuthTest, RetriedPushIsStoredOnceAndAForkIsRefused) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  auto first = PushAs(
      alice,
      {Obj(LogPathOf("alice.d1", 1), "a"), Obj(LogPathOf("alice.d1", 2), "b")},
      Obj(HeadPathOf("alice.d1"), "head2"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->stored(), 2u);
  auto retry = PushAs(
      alice,
      {Obj(LogPathOf("alice.d1", 1), "a"), Obj(LogPathOf("alice.d1", 2), "b")},
      Obj(HeadPathOf("alice.d1"), "head2"));
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->stored(), 0u);
  EXPECT_EQ(retry->already_had(), 2u);
  auto fork = PushAs(alice, {Obj(LogPathOf("alice.d1", 2), "B"),
                             Obj(LogPathOf("alice.d1", 3), "c")});
  EXPECT_EQ(fork.status().code(), StatusCode::kAlreadyExists);
  auto gap = PushAs(alice, {Obj(LogPathOf("alice.d1", 5), "e")});
  EXPECT_EQ(gap.status().code(), StatusCode::kFailedPrecondition);
  auto heads = core_->ListHeads(*Auth(alice));
  ASSERT_TRUE(heads.ok());
  ASSERT_EQ(heads->heads_size(), 1);
  EXPECT_EQ(heads->heads(0).log_seq(), 2u);
  EXPECT_EQ(heads->heads(0).head(), "head2");
}

TEST_F(HubAuthTest, PathsOutsideTheLayoutAreRefused) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  for (const char* path : {"log/x/1", "../etc/passwd", "heads/ABCDEF0123456789",
                           "members/0", "blobs/a"}) {
    EXPECT_FALSE(PushAs(alice, {Obj(path, "x")}).ok()) << path;
  }
}

}  // namespace
}  // namespace coven::hub::testing
