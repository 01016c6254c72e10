// Library-key subkeys (docs/format/object.md §2): each purpose has its own
// subkey, the raw key encrypts nothing, and schema_version is keyed.
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "coven/memory_home.h"
#include "coven/testing/manual_clock.h"
#include "crypto/crypto.h"
#include "engine/sync_engine.h"
#include "engine/table_schema.h"
#include "home_test_limits.h"
#include "object/chunk_crypto.h"
#include "object/object_codec.h"
#include "sealed_object_test_util.h"
#include "test_device.h"

namespace coven {
namespace {

using crypto::LibraryKey;

constexpr std::string_view kSubkeyPath = "log/00000000000000f0/1";

std::array<std::uint8_t, 32> Filled(std::uint8_t value) {
  std::array<std::uint8_t, 32> out{};
  out.fill(value);
  return out;
}

TEST(LibrarySubkeysTest, SubkeysDifferFromEachOtherAndFromTheKey) {
  for (const LibraryKey& key :
       {LibraryKey(Filled(0)), LibraryKey(Filled(7)), LibraryKey()}) {
    const std::vector<std::array<std::uint8_t, 32>> all = {
        key.bytes(), key.nonce_key(), key.aead_key(), key.schema_key()};
    using Key = std::array<std::uint8_t, 32>;
    EXPECT_EQ(std::set<Key>(all.begin(), all.end()).size(), all.size());
    // The key id is no prefix of the key or of a secret subkey.
    const crypto::KeyId id = key.id();
    for (const auto& secret : all) {
      EXPECT_FALSE(std::equal(id.begin(), id.end(), secret.begin()));
    }
  }
  // Copies carry the same subkeys; another key has other subkeys.
  const LibraryKey key(Filled(7));
  const LibraryKey copy = key;  // NOLINT(performance-unnecessary-copy-...)
  EXPECT_EQ(copy.aead_key(), key.aead_key());
  EXPECT_EQ(copy.id(), key.id());
  const LibraryKey other(Filled(8));
  EXPECT_NE(other.aead_key(), key.aead_key());
  EXPECT_NE(other.nonce_key(), key.nonce_key());
  EXPECT_NE(other.schema_key(), key.schema_key());
  EXPECT_NE(other.id(), key.id());
}

class LibrarySubkeySealTest : public object::testing::SealedObjectFixture {};

TEST_F(LibrarySubkeySealTest, ChunksAreEncryptedWithTheAeadSubkeyOnly) {
  const Bytes sealed = SealOk(kSubkeyPath, AsBytes("a payload"));
  Result<object::codec::ParsedObject> parsed =
      object::codec::Parse(sealed, object::OpenLimits(), "test object");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->chunks.size(), 1u);
  const object::codec::WireChunk& chunk = parsed->chunks[0];
  const crypto::Hash256 aad =
      object::chunk::AadHasher(kSubkeyPath, parsed->cleartext)
          .ForChunk(0, true);

  Bytes plaintext(chunk.ciphertext.size() - object::codec::kTagSize);
  auto decrypts = [&](const std::array<std::uint8_t, 32>& raw) {
    unsigned long long written = 0;
    return crypto_aead_xchacha20poly1305_ietf_decrypt(
               plaintext.data(), &written, nullptr, chunk.ciphertext.data(),
               chunk.ciphertext.size(), aad.data(), aad.size(),
               chunk.nonce.data(), raw.data()) == 0;
  };
  EXPECT_TRUE(decrypts(key_.aead_key()));
  EXPECT_FALSE(decrypts(key_.bytes())) << "the raw library key opens chunks";
  EXPECT_FALSE(decrypts(key_.nonce_key()));
  EXPECT_FALSE(decrypts(key_.schema_key()));

  // The stored nonce is keyed with the nonce subkey, not the raw key.
  ASSERT_TRUE(decrypts(key_.aead_key()));
  const crypto::Hash256 content =
      crypto::Hash("coven/object-chunk/v1", plaintext);
  auto nonce_under = [&](const std::array<std::uint8_t, 32>& raw) {
    const std::uint32_t size = kSubkeyPath.size();
    const std::uint8_t size_be[4] = {0, 0, 0, static_cast<std::uint8_t>(size)};
    const std::uint8_t index[4] = {0, 0, 0, 0};
    const crypto::Hash256 digest = crypto::Hasher("coven/object-nonce/v1", raw)
                                       .Update(ByteView(size_be, 4))
                                       .Update(AsBytes(kSubkeyPath))
                                       .Update(ByteView(index, 4))
                                       .Update(aad)
                                       .Update(content)
                                       .Final();
    return Bytes(digest.begin(), digest.begin() + object::codec::kNonceSize);
  };
  const Bytes stored(chunk.nonce.begin(), chunk.nonce.end());
  EXPECT_EQ(stored, nonce_under(key_.nonce_key()));
  EXPECT_NE(stored, nonce_under(key_.bytes()));
}

TEST_F(LibrarySubkeySealTest, ChunksSealedWithTheRawKeyDoNotOpen) {
  // The same object with its chunk encrypted under the raw library key (as
  // format version 2 did), re-signed by its author: it must not open.
  const Bytes sealed = SealOk(kSubkeyPath, AsBytes("a payload"));
  Result<Bytes> payload = object::Open(kSubkeyPath, sealed, Lookup());
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  Result<object::codec::ParsedObject> parsed =
      object::codec::Parse(sealed, object::OpenLimits(), "test object");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const object::codec::WireChunk& chunk = parsed->chunks[0];
  const crypto::Hash256 aad =
      object::chunk::AadHasher(kSubkeyPath, parsed->cleartext)
          .ForChunk(0, true);
  Bytes plaintext(chunk.ciphertext.size() - object::codec::kTagSize);
  ASSERT_TRUE(object::chunk::Decrypt(key_, chunk.nonce, aad, chunk.ciphertext,
                                     plaintext.data()));
  Bytes raw_ciphertext(chunk.ciphertext.size());
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      raw_ciphertext.data(), &written, plaintext.data(), plaintext.size(),
      aad.data(), aad.size(), nullptr, chunk.nonce.data(), key_.bytes().data());
  const Bytes forged = object::testing::Rebuild(
      parsed->cleartext, {{chunk.nonce, raw_ciphertext}}, kSubkeyPath, signer_);
  ASSERT_NE(forged, sealed);
  const Result<Bytes> opened = object::Open(kSubkeyPath, forged, Lookup());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnauthenticated)
      << opened.status().ToString();

  // Naming the key by its id gives nothing to decrypt with: a key whose
  // bytes are the id (zero-padded) or the AEAD subkey is another key.
  const crypto::KeyId id = key_.id();
  std::array<std::uint8_t, 32> id_bytes{};
  std::copy(id.begin(), id.end(), id_bytes.begin());
  for (const LibraryKey& guess :
       {LibraryKey(id_bytes), LibraryKey(key_.aead_key())}) {
    EXPECT_NE(guess.id(), key_.id());
    EXPECT_NE(guess.aead_key(), key_.aead_key());
  }
}

std::vector<engine::TableSchema> TodoTables(bool with_due) {
  engine::TableSchema todos;
  todos.name = "todos";
  todos.columns = {{"id", "TEXT", false, true},
                   {"title", "TEXT", true, false},
                   {"_updated_at", "TEXT", true, false}};
  if (with_due) todos.columns.push_back({"due", "TEXT", false, false});
  return {todos};
}

TEST(KeyedSchemaVersionTest, DependsOnTheKeyAndTheSchema) {
  const crypto::Hash256 digest = engine::SchemaDigest(TodoTables(false));
  const LibraryKey a(Filled(1)), b(Filled(2));
  const std::uint32_t under_a = engine::SchemaVersion(a, digest);
  // The same key (or a copy) gives the same value.
  EXPECT_EQ(engine::SchemaVersion(LibraryKey(a.bytes()), digest), under_a);
  // Another key gives another value for the same schema.
  EXPECT_NE(engine::SchemaVersion(b, digest), under_a);
  // Another schema under the same key gives another value.
  EXPECT_NE(engine::SchemaVersion(a, engine::SchemaDigest(TodoTables(true))),
            under_a);
  // The unkeyed digest is not what objects carry.
  const std::uint32_t unkeyed = static_cast<std::uint32_t>(digest[0]) << 24 |
                                digest[1] << 16 | digest[2] << 8 | digest[3];
  EXPECT_NE(under_a, unkeyed);
}

// End to end: devices of two libraries with the same tables carry different
// schema_version values; a device with the same tables applies, one with
// other tables waits with a clear reason.
class KeyedSchemaSyncTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t kStartMs = 1'700'000'000'000;

  void SetUp() override {
    clock_ = std::make_shared<testing::ManualClock>(kStartMs);
  }

  static std::uint64_t DeviceOf(testing::TestDevice& device) {
    return DeviceIdFromHex(device.manager().status().device_id).value_or(0);
  }
  static std::uint32_t HeadSchemaVersion(home::MemoryHome& home,
                                         testing::TestDevice& device) {
    Result<Bytes> head =
        home.Get(engine::HeadPath(DeviceOf(device)), kTestMaxRead);
    EXPECT_TRUE(head.ok()) << head.status().ToString();
    if (!head.ok()) return 0;
    Result<object::ObjectHeader> header = object::ParseHeader(*head);
    EXPECT_TRUE(header.ok()) << header.status().ToString();
    return header.ok() ? header->schema_version : 0;
  }
  void Insert(testing::TestDevice& device, const std::string& id) {
    clock_->Advance(5);
    device.Exec("INSERT INTO todos VALUES('" + id + "', 'title " + id +
                "', 0, coven_hlc())");
  }

  std::shared_ptr<testing::ManualClock> clock_;
};

TEST_F(KeyedSchemaSyncTest, SameSchemaAppliesOtherSchemaWaitsPerLibraryKey) {
  auto home = home::MemoryHome::Create();
  auto other_home = home::MemoryHome::Create();
  const testing::TestLibrary library = testing::MakeLibrary(7);
  const testing::TestLibrary other_library = testing::MakeLibrary(8);
  ASSERT_NE(library.key.bytes, other_library.key.bytes);

  auto a = testing::TestDevice::Create(library, home, 1, clock_);
  auto same = testing::TestDevice::Create(library, home, 2, clock_);
  testing::TestDevice::Options more_tables;
  more_tables.extra_schema =
      "CREATE TABLE tags (id TEXT PRIMARY KEY, name TEXT, "
      "_updated_at TEXT NOT NULL);";
  more_tables.tables = {"todos", "todo_notes", "tags"};
  auto differs =
      testing::TestDevice::Create(library, home, 3, clock_, more_tables);
  auto stranger =
      testing::TestDevice::Create(other_library, other_home, 1, clock_);
  ASSERT_TRUE(a && same && differs && stranger);

  Insert(*a, "t1");
  a->Sync();
  Insert(*stranger, "t1");
  stranger->Sync();

  // The header carries the schema keyed with the library key.
  std::vector<engine::TableSchema> tables;
  {
    std::lock_guard<std::recursive_mutex> lock(a->sync_db().write_mutex());
    Result<std::vector<engine::TableSchema>> loaded =
        engine::LoadSyncedSchema(a->db(), {"todos", "todo_notes"});
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    tables = *loaded;
  }
  const crypto::Hash256 digest = engine::SchemaDigest(tables);
  const std::uint32_t version = HeadSchemaVersion(*home, *a);
  EXPECT_EQ(version,
            engine::SchemaVersion(LibraryKey(library.key.bytes), digest));
  const std::uint32_t other_version = HeadSchemaVersion(*other_home, *stranger);
  EXPECT_EQ(other_version,
            engine::SchemaVersion(LibraryKey(other_library.key.bytes), digest));
  EXPECT_NE(version, other_version)
      << "the same schema under two keys has the same schema_version";

  // Same schema and key: applied; the receiver's own head carries the same
  // value.
  const sync::sync_manager::SyncReport applied = same->Sync();
  EXPECT_TRUE(applied.waiting.empty())
      << (applied.waiting.empty() ? "" : applied.waiting.front());
  EXPECT_EQ(same->Dump("todos", false), a->Dump("todos", false));
  Insert(*same, "t2");
  same->Sync();
  EXPECT_EQ(HeadSchemaVersion(*home, *same), version);

  // Another schema: the objects wait, with a reason that says what to do.
  const sync::sync_manager::SyncReport waits = differs->Sync();
  ASSERT_FALSE(waits.waiting.empty());
  EXPECT_NE(waits.waiting.front().find("synced tables differ"),
            std::string::npos)
      << waits.waiting.front();
  EXPECT_NE(waits.waiting.front().find("update the app"), std::string::npos)
      << waits.waiting.front();
  EXPECT_TRUE(differs->Dump("todos").empty());
}

}  // namespace
}  // namespace coven
