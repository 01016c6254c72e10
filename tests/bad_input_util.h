// Shared helpers for the hostile-input tests (bad_input_test.cc,
// bad_author_test.cc, bad_changeset_test.cc): a fixture with a writer A and a
// receiver B syncing through one MemoryHome, and a Forger that seals objects
// and plants them straight into the home as a device the test controls.
#ifndef COVEN_TESTS_BAD_INPUT_UTIL_H_
#define COVEN_TESTS_BAD_INPUT_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "changeset/changeset_writer.h"
#include "coven/memory_home.h"
#include "crypto/crypto.h"
#include "engine/sync_engine.h"
#include "home_test_limits.h"
#include "members/member_log.h"
#include "object/sealed_object.h"
#include "test_device.h"

namespace coven::testing {

inline constexpr std::int64_t kStartMs = 1'700'000'000'000;

inline bool Contains(ByteView haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(),
                     needle.end()) != haystack.end();
}

/// A changeset of one whole-row INSERT into todos.
inline Bytes TodoInsert(const std::string& id, const std::string& title,
                        const Hlc& stamp) {
  changeset::ChangesetWriter writer;
  writer.BeginTable("todos", 4);
  writer.BeginInsert();
  writer.AddText(id);
  writer.AddText(title);
  writer.AddInt(0);
  writer.AddText(stamp.ToText());
  return writer.Finish();
}

/// A device without a SyncManager: its own Ed25519 key and a library key
/// (the real one for an insider, another one for an outsider). It seals log
/// objects and heads and plants them in the home, as a hostile member could.
class Forger {
 public:
  Forger(std::uint64_t seed, const TestLibrary& library,
         std::uint32_t schema_version)
      : key(library.key.bytes), schema_version(schema_version) {
    SeededEntropy entropy(seed ^ 0xf0f0ULL);
    signer = crypto::SigningKeyPair::Generate(entropy);
    Bytes id;
    EXPECT_TRUE(HexDecode(library.id_hex, &id) && id.size() == 16);
    std::copy_n(id.begin(), std::min<std::size_t>(id.size(), 16),
                library_id.begin());
  }

  std::uint64_t device() const {
    return crypto::DeviceIdFor(signer.public_key());
  }

  /// Enrols this forger as a device of the library's member (an insider:
  /// authorized, but sending bad objects): appends an add-device entry to
  /// the member log in `home`, signed by the member key.
  void Enrol(home::Home& home,
             const std::array<std::uint8_t, 32>& member_seed) {
    members::MemberLog log;
    auto listed = home::ListAll(home, "members/", kTestMaxList);
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    for (const auto& info : *listed) {
      auto bytes = home.Get(info.path, kTestMaxRead);
      ASSERT_TRUE(bytes.ok());
      log.Append(*bytes);
    }
    auto member = members::MemberIdentity::FromSeed(member_seed);
    members::MemberEntry entry;
    entry.type = members::EntryType::kAddDevice;
    entry.library_id = library_id;
    entry.seq = log.size() + 1;
    entry.prev_hash = log.head_hash();
    entry.signer = member.signer().public_key();
    entry.member_sign = member.signer().public_key();
    entry.device = signer.public_key();
    auto bytes = members::EncodeEntry(entry, member.signer());
    ASSERT_TRUE(bytes.ok());
    ASSERT_TRUE(log.Append(*bytes).status.ok());
    ASSERT_TRUE(home.Create(members::MemberEntryPath(entry.seq), *bytes).ok());
    member_seq = entry.seq;
    member_hash = members::EntryHash(*bytes);
  }
  std::string LogPath(std::uint64_t seq) const {
    return engine::LogPath(device(), seq);
  }
  std::string HeadPath() const { return engine::HeadPath(device()); }
  /// A stamp of this device at kStartMs + `offset_ms`.
  Hlc Stamp(std::int64_t offset_ms = 0) const {
    return Hlc{static_cast<std::uint64_t>(kStartMs + offset_ms), 0, device()};
  }

  /// A log header for `seq` that continues the chain, covering [min, max].
  object::ObjectHeader Header(std::uint64_t seq, const Hlc& min,
                              const Hlc& max) const {
    object::ObjectHeader header;
    header.kind = object::ObjectKind::kLog;
    header.library_id = library_id;
    header.key_id = key.id();
    header.author_device = device();
    header.author_public_key = signer.public_key();
    header.seq = seq;
    header.prev_hash = last_hash;
    header.hlc_min = min;
    header.hlc_max = max;
    header.schema_version = schema_version;
    header.member_seq = member_seq;
    header.member_hash = member_hash;
    return header;
  }

  /// Seals `payload` for `path` with `with_key` (default: this forger's key).
  Bytes Seal(const std::string& path, const object::ObjectHeader& header,
             ByteView payload, const crypto::LibraryKey* with_key = nullptr) {
    Result<Bytes> sealed =
        object::Seal(path, header, payload, with_key ? *with_key : key, signer);
    EXPECT_TRUE(sealed.ok()) << sealed.status().ToString();
    return sealed.ok() ? *sealed : Bytes();
  }

  /// Puts `bytes` at `path` of `home`: raw into a MemoryHome (over whatever
  /// is there); through any other home (a hub:// one takes no PutRaw) as a
  /// device stores them: a log object created once (the home must accept
  /// it), the head replaced.
  static void Store(home::MemoryHome& home, const std::string& path,
                    ByteView bytes, bool /*head*/) {
    home.PutRaw(path, bytes).IgnoreError();
  }
  static void Store(home::Home& home, const std::string& path, ByteView bytes,
                    bool head) {
    Status stored = head ? home.Replace(path, bytes) : home.Create(path, bytes);
    EXPECT_TRUE(stored.ok()) << path << ": " << stored.ToString();
  }

  /// Plants `object` at log `seq` and links the chain to it.
  template <typename AnyHome>
  void Put(AnyHome& home, std::uint64_t seq, ByteView object) {
    Store(home, LogPath(seq), object, /*head=*/false);
    last_hash = object::ObjectHash(object);
  }

  /// Seals `payload` as log object `seq` with a header covering [min, max].
  template <typename AnyHome>
  Bytes PutLog(AnyHome& home, std::uint64_t seq, ByteView payload,
               const Hlc& min, const Hlc& max) {
    Bytes object = Seal(LogPath(seq), Header(seq, min, max), payload);
    Put(home, seq, object);
    return object;
  }

  /// Seals a one-row INSERT into todos as log object `seq`.
  template <typename AnyHome>
  Bytes PutRow(AnyHome& home, std::uint64_t seq, const std::string& id,
               std::int64_t offset_ms = 0) {
    const Hlc stamp = Stamp(offset_ms);
    return PutLog(home, seq, TodoInsert(id, "forged " + id, stamp), stamp,
                  stamp);
  }

  /// Plants a valid head naming `seq` as this device's latest object.
  template <typename AnyHome>
  void PutHead(AnyHome& home, std::uint64_t seq) {
    object::ObjectHeader header = Header(seq, Hlc{}, Hlc{});
    header.kind = object::ObjectKind::kHead;
    Store(home, HeadPath(), Seal(HeadPath(), header, Bytes()), /*head=*/true);
  }

  crypto::SigningKeyPair signer;
  crypto::LibraryKey key;
  std::uint64_t member_seq = 0;   ///< Set by Enrol.
  crypto::Hash256 member_hash{};  ///< Set by Enrol.
  std::array<std::uint8_t, 16> library_id{};
  std::uint32_t schema_version = 0;
  crypto::Hash256 last_hash{};  ///< ObjectHash of the last planted log object.
};

/// Expects `device` to hold `path` in quarantine with a reason that names
/// the path and contains `why`, and its last round's problems to say so.
inline void ExpectQuarantinedOn(TestDevice& device, const std::string& path,
                                const std::string& why) {
  const sync::sync_manager::SyncStatus status = device.manager().status();
  auto entry =
      std::find_if(status.quarantined.begin(), status.quarantined.end(),
                   [&](const sync::sync_manager::QuarantinedObject& q) {
                     return q.path == path;
                   });
  ASSERT_NE(entry, status.quarantined.end()) << path << " not quarantined";
  EXPECT_NE(entry->reason.find("object " + path), std::string::npos)
      << entry->reason;
  EXPECT_NE(entry->reason.find(why), std::string::npos)
      << "reason: " << entry->reason << "\nexpected: " << why;
  EXPECT_TRUE(
      std::any_of(status.problems.begin(), status.problems.end(),
                  [&](const std::string& p) { return p == entry->reason; }))
      << "the last round's problems do not report " << path;
}

/// Writer A and receiver B (seeds 1 and 2) over one MemoryHome and one clock.
class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = home::MemoryHome::Create();
    library_ = MakeLibrary(7);
    clock_ = std::make_shared<ManualClock>(kStartMs);
    a_ = TestDevice::Create(library_, home_, 1, clock_);
    b_ = TestDevice::Create(library_, home_, 2, clock_);
    ASSERT_TRUE(a_ && b_);
  }

  /// Inserts a todo on `device` with a fresh stamp.
  void Insert(TestDevice& device, const std::string& id,
              const std::string& title) {
    clock_->Advance(5);
    device.Exec("INSERT INTO todos VALUES('" + id + "', '" + title +
                "', 0, coven_hlc())");
  }
  static std::uint64_t DeviceOf(TestDevice& device) {
    return DeviceIdFromHex(device.manager().status().device_id).value_or(0);
  }
  static std::string LogPathOf(TestDevice& device, std::uint64_t seq) {
    return engine::LogPath(DeviceOf(device), seq);
  }
  /// Ids in `device`'s todos table, sorted.
  static std::vector<std::string> Ids(TestDevice& device) {
    std::vector<std::string> ids;
    for (const std::string& row : device.Dump("todos")) {
      ids.push_back(row.substr(0, row.find('|')));
    }
    return ids;
  }
  /// The schema version the devices seal with (read from A's head; A must
  /// have pushed once).
  std::uint32_t SchemaVersion() {
    Result<Bytes> head =
        home_->Get(engine::HeadPath(DeviceOf(*a_)), kTestMaxRead);
    EXPECT_TRUE(head.ok()) << head.status().ToString();
    if (!head.ok()) return 0;
    Result<object::ObjectHeader> header = object::ParseHeader(*head);
    return header.ok() ? header->schema_version : 0;
  }
  /// An insider: a device the test controls holding the library key.
  Forger Insider(std::uint64_t seed) {
    Forger forger(seed, library_, SchemaVersion());
    forger.Enrol(*home_, library_.member_seed);
    return forger;
  }

  /// One round on `device` that must succeed (the round goes on).
  static sync::sync_manager::SyncReport Round(TestDevice& device) {
    Result<sync::sync_manager::SyncReport> report = device.manager().sync_now();
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : sync::sync_manager::SyncReport();
  }

  /// Expects `device` to hold `path` in quarantine with a reason that names
  /// the path and contains `why`, and the last round's problems to say so.
  static void ExpectQuarantined(TestDevice& device, const std::string& path,
                                const std::string& why) {
    ExpectQuarantinedOn(device, path, why);
  }

  /// True if some problem of the last round on `device` contains both parts.
  static bool HasProblem(TestDevice& device, const std::string& part1,
                         const std::string& part2) {
    for (const std::string& p : device.manager().status().problems) {
      if (p.find(part1) != std::string::npos &&
          p.find(part2) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  std::shared_ptr<home::MemoryHome> home_;
  TestLibrary library_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<TestDevice> a_, b_;
};

}  // namespace coven::testing

#endif  // COVEN_TESTS_BAD_INPUT_UTIL_H_
