// Hostile or broken bytes in the home: a tampered, truncated, re-signed,
// replayed or oversize object of a real device, and garbage files. Each bad
// object is rejected with a reason naming it, nothing of it is applied, it is
// quarantined, and later objects still apply. Last, the home never holds row
// text, table names or row ids.
#include <gtest/gtest.h>

#include <functional>

#include "bad_input_util.h"
#include "home_test_limits.h"
#include "sealed_object_test_util.h"

namespace coven::testing {
namespace {

constexpr std::ptrdiff_t kSig = 64;  // Ed25519 signature at the end.

struct Tamper {
  std::string name;
  /// Changes A's seq-2 object in place; `previous` is A's seq-1 object.
  std::function<void(Bytes& object, const std::string& path,
                     const Bytes& previous)>
      mutate;
  std::string why;  ///< Expected in the quarantine reason.
};

void PrintTo(const Tamper& tamper, std::ostream* os) { *os << tamper.name; }

Tamper Flip(std::string name, std::ptrdiff_t at, std::string why) {
  return {std::move(name),
          [at](Bytes& b, const std::string&, const Bytes&) {
            const auto size = static_cast<std::ptrdiff_t>(b.size());
            b[static_cast<std::size_t>(at >= 0 ? at : size + at)] ^= 0x01;
          },
          std::move(why)};
}

Tamper CutTo(std::string name, std::ptrdiff_t size, std::string why) {
  return {std::move(name),
          [size](Bytes& b, const std::string&, const Bytes&) {
            const auto now = static_cast<std::ptrdiff_t>(b.size());
            b.resize(static_cast<std::size_t>(size >= 0 ? size : now + size));
          },
          std::move(why)};
}

/// Re-signs with a key the test holds, optionally also swapping the header's
/// public key (offset 46) for it while keeping A's device id.
Tamper ForeignSignature(std::string name, bool swap_key, std::string why) {
  return {std::move(name),
          [swap_key](Bytes& b, const std::string& path, const Bytes&) {
            SeededEntropy entropy(99);
            auto attacker = crypto::SigningKeyPair::Generate(entropy);
            if (swap_key) {
              std::copy(attacker.public_key().begin(),
                        attacker.public_key().end(), b.begin() + 46);
            }
            object::testing::ReSign(b, path, attacker);
          },
          std::move(why)};
}

// Offsets follow docs/format/object.md §3: the 166-byte cleartext header
// (library id at 6, key id 22, device 38, public key 46, seq 78, prev hash 86,
// HLC range 118, schema 150, member seq 154, chunk count 162), then one chunk
// (length u32 at 166 = 272, nonce at 170, ciphertext and tag from 194) and
// the signature.
std::vector<Tamper> Tampers() {
  const std::string sig = "does not verify (forged, corrupted or moved";
  return {
      Flip("magic", 0, "does not start with \"CVN1\""),
      Flip("version", 4, "format version 2"),
      Flip("kind", 5, "unknown kind 0"),
      Flip("library_id", 10, sig),
      Flip("key_id", 30, sig),
      Flip("author_device", 45, "is not bound to its signing key"),
      Flip("public_key", 60, "is not bound to its signing key"),
      Flip("seq", 85, sig),
      Flip("prev_hash", 100, sig),
      Flip("hlc_min", 125, sig),
      Flip("schema_version", 153, sig),
      Flip("member_seq", 161, sig),
      Flip("member_hash", 170, sig),
      Flip("chunk_count", 197, "declares zero chunks"),
      // 272 -> 273: the chunk swallows a signature byte (reported as a cut
      // signature); 272 -> 16: below the minimum; 272 -> 65808: overrun.
      Flip("chunk_length_low", 201, "its signature is cut off"),
      Flip("chunk_length_mid", 200, "declaring 16 ciphertext bytes"),
      Flip("chunk_length_high", 199, "ciphertext bytes, which overruns"),
      Flip("nonce", 210, sig),
      Flip("ciphertext", 300, sig),
      Flip("tag", -kSig - 1, sig),
      Flip("signature", -1, sig),
      CutTo("empty", 0, "is truncated: its magic is cut off"),
      CutTo("header_cut", 100, "is truncated: its header is cut off"),
      CutTo("chunk_cut", 332, "overruns the 332-byte object"),
      CutTo("signature_missing", -kSig, "its signature is cut off"),
      CutTo("signature_cut", -1, "its signature is cut off"),
      {"trailing_byte",
       [](Bytes& b, const std::string&, const Bytes&) { b.push_back(0); },
       "1 unexpected trailing bytes"},
      ForeignSignature("foreign_signature", false, sig),
      ForeignSignature("foreign_key_same_device", true,
                       "is not bound to its signing key"),
      {"replayed_seq1_at_seq2",
       [](Bytes& b, const std::string&, const Bytes& previous) {
         b = previous;
       },
       sig},
  };
}

class TamperedObjectTest : public BadInputTest,
                           public ::testing::WithParamInterface<Tamper> {};

TEST_P(TamperedObjectTest, IsQuarantinedAndLaterObjectsApply) {
  Insert(*a_, "good1", "first");
  a_->Sync();
  Round(*b_);
  // Seq 2 inserts a row and edits good1; the home then mangles it.
  Insert(*a_, "bad2", "tampered");
  a_->Exec(
      "UPDATE todos SET title = 'edited', _updated_at = coven_hlc() "
      "WHERE id = 'good1'");
  a_->Sync();
  const std::string path = LogPathOf(*a_, 2);
  Result<Bytes> previous = home_->Get(LogPathOf(*a_, 1), kTestMaxRead);
  ASSERT_TRUE(previous.ok());
  ASSERT_TRUE(
      home_
          ->Corrupt(path,
                    [&](Bytes& b) { GetParam().mutate(b, path, *previous); })
          .ok());

  auto report = Round(*b_);
  EXPECT_EQ(report.quarantined, 1u);
  EXPECT_EQ(report.pulled_objects, 0u);
  ExpectQuarantined(*b_, path, GetParam().why);
  EXPECT_EQ(b_->Dump("todos", false),
            std::vector<std::string>{"good1|first|0"});

  // The queue is not stuck: A's next object applies, and the bad one is not
  // fetched or quarantined again.
  Insert(*a_, "good3", "third");
  a_->Sync();
  report = Round(*b_);
  EXPECT_EQ(report.pulled_objects, 1u);
  EXPECT_EQ(report.quarantined, 0u);
  EXPECT_EQ(Ids(*b_), (std::vector<std::string>{"good1", "good3"}));
  EXPECT_EQ(Round(*b_).quarantined, 0u);
  EXPECT_EQ(b_->manager().status().quarantined.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Tampers, TamperedObjectTest,
                         ::testing::ValuesIn(Tampers()),
                         [](const ::testing::TestParamInfo<Tamper>& info) {
                           return info.param.name;
                         });

TEST_F(BadInputTest, OversizeObjectIsQuarantined) {
  TestDevice::Options small;
  small.max_object_bytes = 16 << 10;
  auto c = TestDevice::Create(library_, home_, 3, clock_, small);
  ASSERT_TRUE(c);
  // ~40 KB of incompressible text seals to more than 16 KiB.
  SeededEntropy entropy(5);
  Bytes noise(20'000);
  entropy.Fill(noise);
  Insert(*a_, "big", HexEncode(noise));
  a_->Sync();
  const std::string path = LogPathOf(*a_, 1);
  ASSERT_GT(home_->Get(path, kTestMaxRead)->size(), small.max_object_bytes);

  auto report = Round(*c);
  EXPECT_EQ(report.quarantined, 1u);
  ExpectQuarantined(*c, path, "over the limit of 16384 bytes");
  EXPECT_TRUE(c->Dump("todos").empty());
  EXPECT_EQ(Round(*b_).pulled_objects, 1u);  // B's default limit takes it.

  Insert(*a_, "small", "fits");
  a_->Sync();
  EXPECT_EQ(Round(*c).pulled_objects, 1u);
  EXPECT_EQ(Ids(*c), std::vector<std::string>{"small"});
}

TEST_F(BadInputTest, GarbageFilesInTheHomeDoNotStopSync) {
  Insert(*a_, "t1", "before");
  a_->Sync();
  Forger f = Insider(40);
  SeededEntropy entropy(41);
  Bytes noise(700);
  entropy.Fill(noise);
  home_->PutRaw("heads/00000000deadbeef", noise).IgnoreError();
  home_->PutRaw("heads/0000000000000bad", Bytes()).IgnoreError();
  home_->PutRaw("heads/not-a-device", noise).IgnoreError();
  home_->PutRaw("heads/00", noise).IgnoreError();
  home_->PutRaw("log/" + DeviceIdToHex(DeviceOf(*a_)) + "/zzzz", noise)
      .IgnoreError();
  home_->PutRaw("random/file.txt", noise).IgnoreError();
  // A valid head whose log objects are a zero-byte file and random bytes.
  home_->PutRaw(f.LogPath(1), Bytes()).IgnoreError();
  home_->PutRaw(f.LogPath(2), noise).IgnoreError();
  f.PutRow(*home_, 3, "f3");
  f.PutHead(*home_, 3);
  // A's head damaged: B cannot see A until A writes its head again.
  const std::string a_head = engine::HeadPath(DeviceOf(*a_));
  ASSERT_TRUE(home_->Corrupt(a_head, [](Bytes& b) { b[300] ^= 1; }).ok());

  auto report = Round(*b_);
  EXPECT_EQ(report.quarantined, 2u);
  EXPECT_EQ(report.pulled_objects, 1u);  // The forger's f3.
  ExpectQuarantined(*b_, f.LogPath(1), "is truncated: its magic is cut off");
  ExpectQuarantined(*b_, f.LogPath(2), "is not a coven sealed object");
  EXPECT_TRUE(HasProblem(*b_, "head heads/00000000deadbeef rejected",
                         "is not a coven sealed object"));
  EXPECT_TRUE(
      HasProblem(*b_, "head heads/0000000000000bad rejected", "truncated"));
  EXPECT_TRUE(HasProblem(*b_, "ignored heads/not-a-device", "not a head"));
  EXPECT_TRUE(HasProblem(*b_, "ignored heads/00", "not a head"));
  EXPECT_TRUE(
      HasProblem(*b_, "head " + a_head + " rejected", "does not verify"));
  EXPECT_EQ(Ids(*b_), std::vector<std::string>{"f3"});
  EXPECT_EQ(b_->manager().status().quarantined.size(), 2u);

  // Both devices keep syncing with the garbage still there; A's next push
  // rewrites its head and B catches up on both of A's objects.
  Insert(*a_, "t2", "after");
  a_->Sync();
  Insert(*b_, "b1", "from b");
  EXPECT_EQ(Round(*b_).pulled_objects, 2u);
  a_->Sync();
  EXPECT_EQ(Ids(*a_), (std::vector<std::string>{"b1", "f3", "t1", "t2"}));
  EXPECT_EQ(Ids(*b_), Ids(*a_));
}

TEST_F(BadInputTest, HomeNeverHoldsRowTextTableNamesOrIds) {
  for (int i = 0; i < 4; ++i) {
    const std::string n = std::to_string(i);
    Insert(*a_, "rowid-q7-a" + n, "secret-row-text-XYZ from A " + n);
    a_->Exec("INSERT INTO todo_notes VALUES('noteid-q7-" + n +
             "', 'rowid-q7-a" + n +
             "', 'secret-row-text-XYZ note', coven_hlc())");
    a_->Sync();
    Insert(*b_, "rowid-q7-b" + n, "secret-row-text-XYZ from B " + n);
    b_->Sync();
  }
  a_->Exec("DELETE FROM todos WHERE id = 'rowid-q7-a0'");
  a_->Sync();
  b_->Sync();
  ASSERT_EQ(Ids(*b_).size(), 7u);  // The rows did sync.

  Result<std::vector<home::ObjectInfo>> all =
      home::ListAll(*home_, "", kTestMaxList);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_GE(all->size(), 11u);  // 2 heads, 5 + 4 log objects (at least).
  const std::vector<std::string> secrets = {
      "secret-row-text-XYZ", "rowid-q7",    "noteid-q7", "todos",
      "todo_notes",          "_updated_at", "title"};
  for (const home::ObjectInfo& info : *all) {
    Result<Bytes> bytes = home_->Get(info.path, kTestMaxRead);
    ASSERT_TRUE(bytes.ok()) << info.path;
    for (const std::string& secret : secrets) {
      EXPECT_FALSE(Contains(*bytes, secret)) << info.path << " has " << secret;
      EXPECT_EQ(info.path.find(secret), std::string::npos) << info.path;
    }
    EXPECT_EQ(info.path.find("todo"), std::string::npos) << info.path;
  }
}

}  // namespace
}  // namespace coven::testing
