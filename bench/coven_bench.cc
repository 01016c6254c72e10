// Micro-benchmarks (Google Benchmark). Small and quick; the end-to-end
// figures are in e2e_bench.cc. Run: build-bench/bench/coven_bench
//
//   BM_HlcNow           one stamp from the device clock (what coven_hlc() does)
//   BM_HlcToText        a stamp's 38-character text form
//   BM_HlcFromText      parsing it back
//   BM_Seal/BM_Open     seal / verify+open a 1 MiB payload (zstd, Padme,
//                       XChaCha20-Poly1305 chunks, Ed25519 signature)
//   BM_ChangesetWrite   N full-row INSERT records with ChangesetWriter
//   BM_Flush            SyncManager::flush() of N captured rows (session ->
//                       full row images -> sealed object in the outbox)
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "changeset/changeset_writer.h"
#include "coven/config.h"
#include "coven/db.h"
#include "coven/encryption.h"
#include "coven/entropy.h"
#include "coven/hlc.h"
#include "coven/keys.h"
#include "coven/memory_home.h"
#include "coven/sync_manager.h"
#include "crypto/crypto.h"
#include "engine/hlc_clock.h"
#include "object/sealed_object.h"

namespace {

// Text that compresses about like app rows (words, hex ids, numbers).
coven::Bytes RowLikeBytes(std::size_t size) {
  static const char* const kWords[] = {"apple",   "river", "stone",  "garden",
                                       "window",  "paper", "silver", "market",
                                       "buy",     "call",  "check",  "report",
                                       "meeting", "notes", "draft",  "the"};
  coven::Bytes out;
  out.reserve(size + 64);
  std::uint64_t x = 88172645463325252ULL;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  char buf[32];
  while (out.size() < size) {
    std::snprintf(buf, sizeof(buf), "itm-%016llx,",
                  static_cast<unsigned long long>(next()));
    for (char* p = buf; *p; ++p) out.push_back(static_cast<std::uint8_t>(*p));
    for (int w = 0; w < 8; ++w) {
      const char* word = kWords[next() % 16];
      while (*word) out.push_back(static_cast<std::uint8_t>(*word++));
      out.push_back(' ');
    }
    std::snprintf(buf, sizeof(buf), ",%llu\n",
                  static_cast<unsigned long long>(next() % 1000));
    for (char* p = buf; *p; ++p) out.push_back(static_cast<std::uint8_t>(*p));
  }
  out.resize(size);
  return out;
}

struct Sealer {
  coven::crypto::LibraryKey key;
  coven::crypto::SigningKeyPair signer;
  coven::object::ObjectHeader header;
  std::string path;

  Sealer() {
    if (!coven::crypto::EnsureSodium().ok()) std::abort();
    coven::SeededEntropy entropy(7);
    key = coven::crypto::LibraryKey::Generate(entropy);
    signer = coven::crypto::SigningKeyPair::Generate(entropy);
    header.kind = coven::object::ObjectKind::kLog;
    entropy.Fill(header.library_id);
    header.key_id = key.id();
    header.author_public_key = signer.public_key();
    header.author_device = coven::crypto::DeviceIdFor(signer.public_key());
    header.seq = 1;
    header.hlc_min = coven::Hlc{1'732'272'000'000ULL, 0, header.author_device};
    header.hlc_max = coven::Hlc{1'732'272'000'100ULL, 0, header.author_device};
    header.schema_version = 1;
    path = "log/" + coven::DeviceIdToHex(header.author_device) + "/" +
           coven::DeviceIdToHex(1);
  }
};

void BM_HlcNow(benchmark::State& state) {
  coven::engine::HlcClock hlc(std::make_shared<coven::clock::SystemClock>(),
                              0x1234, 300'000);
  for (auto _ : state) benchmark::DoNotOptimize(hlc.Now());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HlcNow);

void BM_HlcToText(benchmark::State& state) {
  coven::Hlc h{1'732'272'000'123ULL, 42, 0x1a2b3c4d5e6f7a8bULL};
  for (auto _ : state) benchmark::DoNotOptimize(h.ToText());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HlcToText);

void BM_HlcFromText(benchmark::State& state) {
  const std::string text =
      coven::Hlc{1'732'272'000'123ULL, 42, 0x1a2b3c4d5e6f7a8bULL}.ToText();
  for (auto _ : state) benchmark::DoNotOptimize(coven::Hlc::FromText(text));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HlcFromText);

void BM_Seal(benchmark::State& state) {
  Sealer s;
  const coven::Bytes payload = RowLikeBytes(1 << 20);
  std::size_t sealed_size = 0;
  for (auto _ : state) {
    auto sealed =
        coven::object::Seal(s.path, s.header, payload, s.key, s.signer);
    if (!sealed.ok()) state.SkipWithError("seal failed");
    sealed_size = sealed->size();
    benchmark::DoNotOptimize(sealed);
  }
  state.SetBytesProcessed(state.iterations() * payload.size());
  state.counters["sealed_bytes"] = static_cast<double>(sealed_size);
}
BENCHMARK(BM_Seal)->Unit(benchmark::kMillisecond);

void BM_Open(benchmark::State& state) {
  Sealer s;
  const coven::Bytes payload = RowLikeBytes(1 << 20);
  auto sealed = coven::object::Seal(s.path, s.header, payload, s.key, s.signer);
  if (!sealed.ok()) {
    state.SkipWithError("seal failed");
    return;
  }
  auto lookup = [&](const coven::crypto::KeyId& id)
      -> std::optional<coven::crypto::LibraryKey> {
    if (id == s.key.id()) return s.key;
    return std::nullopt;
  };
  for (auto _ : state) {
    auto opened = coven::object::Open(s.path, *sealed, lookup);
    if (!opened.ok() || opened->size() != payload.size()) {
      state.SkipWithError("open failed");
    }
    benchmark::DoNotOptimize(opened);
  }
  state.SetBytesProcessed(state.iterations() * payload.size());
}
BENCHMARK(BM_Open)->Unit(benchmark::kMillisecond);

void BM_ChangesetWrite(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0));
  const std::string title = "Check garden report";
  const std::string body =
      "the silver market meeting notes about winter budget";
  const std::string stamp =
      coven::Hlc{1'732'272'000'123ULL, 42, 0x1a2b3c4d5e6f7a8bULL}.ToText();
  std::size_t bytes = 0;
  char id[32];
  for (auto _ : state) {
    coven::changeset::ChangesetWriter writer;
    writer.BeginTable("items", 6);
    for (int i = 0; i < rows; ++i) {
      std::snprintf(id, sizeof(id), "itm-%016x", i);
      writer.BeginInsert();
      writer.AddText(id);
      writer.AddText(title);
      writer.AddText(body);
      writer.AddInt(i % 1000);
      writer.AddDouble(i * 0.01);
      writer.AddText(stamp);
    }
    coven::Bytes out = writer.Finish();
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * rows);
  state.counters["changeset_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ChangesetWrite)
    ->Arg(1000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond);

// Flush of N rows captured by the session (the rows are written with the
// timer paused; only SyncManager::flush() is timed).
void BM_Flush(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0));
  char templ[] = "/tmp/coven-bench-flush-XXXXXX";
  if (mkdtemp(templ) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  const std::filesystem::path dir = templ;
  {
    auto db = coven::db::SqliteSyncDb::Open((dir / "flush.db").string());
    if (!db.ok()) {
      state.SkipWithError("open failed");
      return;
    }
    sqlite3* raw = (*db)->raw_write_handle();
    sqlite3_exec(raw,
                 "PRAGMA synchronous=NORMAL; CREATE TABLE items(id TEXT "
                 "PRIMARY KEY NOT NULL, title TEXT NOT NULL, body TEXT, qty "
                 "INTEGER, price REAL, _updated_at TEXT NOT NULL);",
                 nullptr, nullptr, nullptr);
    coven::SeededEntropy seed(99);
    coven::keys::EncryptionKey key;
    seed.Fill(key.bytes);
    std::array<std::uint8_t, 16> lib{};
    seed.Fill(lib);
    auto entropy = std::make_shared<coven::SeededEntropy>(5);
    coven::keys::KeyService keys(true, coven::HexEncode(lib), "", entropy);
    if (!keys.import_encryption_key(key).ok()) std::abort();
    coven::config::Config config =
        coven::config::Config::with_defaults("", "bench", std::nullopt);
    config.home = coven::home::MemoryHome::Create();
    config.entropy = entropy;
    config.synced_tables = {"items"};
    auto manager = coven::sync::sync_manager::SyncManager::Create(
        [config] { return config; }, keys,
        coven::encryption::EncryptionService(key), *db, nullptr);
    if (!manager.ok()) {
      state.SkipWithError(manager.status().ToString().c_str());
      return;
    }
    // Found the library (member log, key) so that flushes publish.
    if (!(*manager)->sync_now().ok()) std::abort();
    (void)(*manager)->flush();
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(raw,
                       "INSERT INTO items VALUES(?, 'Check garden report', "
                       "'the silver market meeting notes about winter budget', "
                       "?, ?, coven_hlc())",
                       -1, &insert, nullptr);
    std::int64_t next = 0;
    char id[32];
    for (auto _ : state) {
      state.PauseTiming();
      sqlite3_exec(raw, "BEGIN", nullptr, nullptr, nullptr);
      for (int i = 0; i < rows; ++i, ++next) {
        std::snprintf(id, sizeof(id), "itm-%016llx",
                      static_cast<unsigned long long>(next));
        sqlite3_bind_text(insert, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(insert, 2, next % 1000);
        sqlite3_bind_double(insert, 3, next * 0.01);
        sqlite3_step(insert);
        sqlite3_reset(insert);
      }
      sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr);
      // Keep the outbox from growing across iterations.
      sqlite3_exec(raw, "DELETE FROM cloud_outbox", nullptr, nullptr, nullptr);
      state.ResumeTiming();
      auto flushed = (*manager)->flush();
      if (!flushed.ok() || *flushed != static_cast<std::size_t>(rows)) {
        state.SkipWithError("flush failed");
        break;
      }
    }
    sqlite3_finalize(insert);
    state.SetItemsProcessed(state.iterations() * rows);
    (void)(*manager)->stop();
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Flush)->Arg(1000)->Arg(10'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
