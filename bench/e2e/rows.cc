#include "e2e/rows.h"

#include <cctype>
#include <cstdio>

namespace coven::bench {
namespace {

const char* const kWords[] = {
    "apple",   "river",  "stone",   "garden",  "window",  "paper",  "silver",
    "market",  "orange", "travel",  "letter",  "winter",  "summer", "candle",
    "forest",  "bridge", "castle",  "dinner",  "engine",  "flower", "guitar",
    "harbor",  "island", "jacket",  "kitchen", "ladder",  "mirror", "needle",
    "ocean",   "pencil", "quartz",  "rocket",  "saddle",  "ticket", "umbrella",
    "valley",  "wallet", "yellow",  "zipper",  "anchor",  "basket", "carpet",
    "desert",  "falcon", "goblet",  "hammer",  "insect",  "jungle", "kettle",
    "lemon",   "meadow", "nickel",  "oyster",  "parrot",  "quiver", "rabbit",
    "salmon",  "tunnel", "velvet",  "walnut",  "blue",    "red",    "green",
    "small",   "large",  "quick",   "quiet",   "bright",  "dark",   "warm",
    "cold",    "soft",   "sharp",   "round",   "heavy",   "light",  "fresh",
    "old",     "new",    "early",   "late",    "first",   "last",   "best",
    "the",     "a",      "of",      "and",     "to",      "in",     "for",
    "with",    "on",     "at",      "from",    "by",      "about",  "into",
    "buy",     "call",   "check",   "clean",   "cook",    "fix",    "mail",
    "meet",    "move",   "order",   "pack",    "paint",   "plan",   "read",
    "return",  "send",   "sort",    "visit",   "wash",    "write",  "review",
    "monday",  "friday", "weekend", "morning", "evening", "office", "school",
    "project", "report", "budget",  "invoice", "meeting", "notes",  "draft",
};
constexpr std::size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

struct SplitMix {
  std::uint64_t state;
  std::uint64_t Next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t Below(std::size_t n) {
    return static_cast<std::size_t>(Next() % n);
  }
};

std::string Words(SplitMix& rng, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += ' ';
    out += kWords[rng.Below(kWordCount)];
  }
  return out;
}

}  // namespace

std::vector<Row> GenerateRows(std::size_t n) {
  std::vector<Row> rows;
  rows.reserve(n);
  SplitMix rng{0xc0ffee};
  char buf[64];
  for (std::size_t i = 0; i < n; ++i) {
    Row row;
    std::snprintf(buf, sizeof(buf), "itm-%016llx",
                  static_cast<unsigned long long>(rng.Next()));
    row.id = buf;
    row.title = Words(rng, 2 + rng.Below(3));
    row.title[0] = static_cast<char>(std::toupper(row.title[0]));
    if (rng.Below(20) != 0) row.body = Words(rng, 5 + rng.Below(6));
    row.qty = static_cast<std::int64_t>(rng.Below(1000));
    const std::int64_t cents =
        99 + static_cast<std::int64_t>(rng.Below(99'900));
    row.price = static_cast<double>(cents) / 100.0;
    std::snprintf(buf, sizeof(buf), "%lld.%02lld",
                  static_cast<long long>(cents / 100),
                  static_cast<long long>(cents % 100));
    row.price_text = buf;
    // Same 38-character layout as coven's HLC text form.
    std::snprintf(
        buf, sizeof(buf), "%015llu-%05u-%016llx",
        static_cast<unsigned long long>(1'732'272'000'000ULL + i / 40),
        static_cast<unsigned>(i % 40), 0x5eedbe0c4a11ce55ULL);
    row.stamp = buf;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string RowsCsv(const std::vector<Row>& rows) {
  std::string out;
  out.reserve(rows.size() * 140);
  for (const Row& r : rows) {
    out += r.id;
    out += ',';
    out += r.title;
    out += ',';
    if (r.body) out += *r.body;
    out += ',';
    out += std::to_string(r.qty);
    out += ',';
    out += r.price_text;
    out += ',';
    out += r.stamp;
    out += '\n';
  }
  return out;
}

std::string Pragmas(const Options& o) {
  std::string s =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + o.synchronous +
      "; PRAGMA foreign_keys=ON;";
  if (o.cache_mb > 0) {
    s += " PRAGMA cache_size=-" + std::to_string(o.cache_mb * 1024) + ";";
  }
  return s;
}

}  // namespace coven::bench
