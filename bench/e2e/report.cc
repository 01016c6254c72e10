#include "e2e/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace coven::bench {
namespace {

std::string Fmt(double v, int decimals = 1) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string FmtBytes(double v) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2f MB", v / 1e6);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f kB", v / 1e3);
  }
  return buf;
}

struct Verdict {
  std::string text;
  bool met;
};

// `ratio` must be <= goal (or >= goal when `at_least`).
Verdict Judge(double ratio, double goal, bool at_least = false) {
  if (std::isnan(ratio)) return {"not measured", false};
  bool met = at_least ? ratio >= goal : ratio <= goal;
  if (met) return {"**met**", true};
  double by =
      at_least ? (goal - ratio) / goal * 100 : (ratio - goal) / goal * 100;
  return {"**missed** by " + Fmt(by, 0) + "%", false};
}

// Judges a ratio measured as wall time and as CPU time.
Verdict Judge2(double wall, double cpu, double goal) {
  Verdict w = Judge(wall, goal), c = Judge(cpu, goal);
  if (w.met && c.met) return {"**met** (wall and CPU)", true};
  if (!w.met && !c.met) {
    return {"**missed** (wall " + w.text.substr(w.text.find("by")) + ", CPU " +
                c.text.substr(c.text.find("by")) + ")",
            false};
  }
  return {std::string(w.met ? "met on wall time, " : "missed on wall time, ") +
              (c.met ? "met on CPU time" : "missed on CPU time"),
          false};
}

}  // namespace

void Report(Context& c) {
  const Samples& s = c.s;
  const double n = static_cast<double>(c.rows.size());
  // Per-run ratios (both sides from the same repetition).
  Samples r;
  const std::size_t runs = s.values.at("cpp.plain.bulk_ms").size();
  for (std::size_t i = 0; i < runs; ++i) {
    auto at = [&](const std::string& k) { return s.values.at(k).at(i); };
    r.Add("bulk", at("cpp.coven.bulk_ms") / at("cpp.plain.bulk_ms"));
    r.Add("singles", at("cpp.coven.singles_ms") / at("cpp.plain.singles_ms"));
    r.Add("bulk_cpu",
          at("cpp.coven.bulk_cpu_ms") / at("cpp.plain.bulk_cpu_ms"));
    r.Add("singles_cpu",
          at("cpp.coven.singles_cpu_ms") / at("cpp.plain.singles_cpu_ms"));
    r.Add("bulk_plus_flush_cpu",
          (at("cpp.coven.bulk_cpu_ms") + at("coven.flush_cpu_ms")) /
              at("cpp.plain.bulk_cpu_ms"));
    r.Add("total_cpu_ms", at("coven.flush_cpu_ms") + at("coven.push_cpu_ms") +
                              at("coven.pull_apply_cpu_ms"));
    const double total =
        at("coven.flush_ms") + at("coven.push_ms") + at("coven.pull_apply_ms");
    r.Add("total_ms", total);
    r.Add("rows_s", n / (total / 1000.0));
    r.Add("bulk_plus_flush", (at("cpp.coven.bulk_ms") + at("coven.flush_ms")) /
                                 at("cpp.plain.bulk_ms"));
    if (s.Has("shell.sqlite_sync.bulk_ms")) {
      r.Add("ss_bulk",
            at("shell.sqlite_sync.bulk_ms") / at("shell.shell_plain.bulk_ms"));
      r.Add("ss_singles", at("shell.sqlite_sync.singles_ms") /
                              at("shell.shell_plain.singles_ms"));
      const double ss_total =
          at("sqlite_sync.encode_ms") + at("sqlite_sync.apply_ms");
      r.Add("ss_total_ms", ss_total);
      r.Add("ss_rows_s", n / (ss_total / 1000.0));
      r.Add("speedup", (n / (total / 1000.0)) / (n / (ss_total / 1000.0)));
    }
  }
  auto range = [&](const Samples& x, const std::string& k, int d = 2) {
    return Fmt(x.Min(k), d) + "–" + Fmt(x.Max(k), d);
  };
  const bool ss = s.Has("shell.sqlite_sync.bulk_ms");
  std::ostringstream md;
  md << "Rows: " << c.rows.size() << " (" << FmtBytes(c.csv_bytes)
     << " as CSV, " << Fmt(c.csv_bytes / n, 0) << " B/row); single-row "
     << "transactions: " << c.o.singles << "; repetitions: " << runs
     << "; connection: journal_mode=WAL, synchronous=" << c.o.synchronous
     << (c.o.cache_mb > 0
             ? ", cache_size=" + std::to_string(c.o.cache_mb) + " MB"
             : std::string(", default page cache"))
     << ". Times are medians (ms); ratios are medians of per-repetition ratios "
        "(range in brackets).\n\n";

  md << "### Write path: capture vs plain SQLite\n\n";
  md << "| Workload | plain SQLite (ms) | with sync capture (ms) | ratio, wall "
        "[range] | ratio, CPU time | goal | result |\n"
        "|---|---:|---:|---:|---:|---:|---|\n";
  {
    auto v = Judge2(r.Med("bulk"), r.Med("bulk_cpu"), 1.5);
    md << "| coven vs plain, C++: " << c.rows.size()
       << "-row bulk transaction | " << Fmt(s.Med("cpp.plain.bulk_ms")) << " | "
       << Fmt(s.Med("cpp.coven.bulk_ms")) << " | " << Fmt(r.Med("bulk"), 2)
       << "x [" << range(r, "bulk") << "] | " << Fmt(r.Med("bulk_cpu"), 2)
       << "x | <= 1.5x (stretch 1.3x) | " << v.text
       << (r.Med("bulk") <= 1.3 && r.Med("bulk_cpu") <= 1.3 ? "; stretch met"
                                                            : "")
       << " |\n";
    auto w = Judge2(r.Med("singles"), r.Med("singles_cpu"), 1.2);
    md << "| coven vs plain, C++: " << c.o.singles
       << " single-row transactions | " << Fmt(s.Med("cpp.plain.singles_ms"))
       << " | " << Fmt(s.Med("cpp.coven.singles_ms")) << " | "
       << Fmt(r.Med("singles"), 2) << "x [" << range(r, "singles") << "] | "
       << Fmt(r.Med("singles_cpu"), 2) << "x | <= 1.2x | " << w.text << " |\n";
    md << "| coven vs plain, C++: bulk transaction + its later flush | "
       << Fmt(s.Med("cpp.plain.bulk_ms")) << " | "
       << Fmt(s.Med("cpp.coven.bulk_ms") + s.Med("coven.flush_ms")) << " | "
       << Fmt(r.Med("bulk_plus_flush"), 2) << "x ["
       << range(r, "bulk_plus_flush") << "] | "
       << Fmt(r.Med("bulk_plus_flush_cpu"), 2) << "x | (info) | |\n";
  }
  if (ss) {
    md << "| sqlite-sync vs plain, shell: " << c.rows.size()
       << "-row bulk transaction | " << Fmt(s.Med("shell.shell_plain.bulk_ms"))
       << " | " << Fmt(s.Med("shell.sqlite_sync.bulk_ms")) << " | "
       << Fmt(r.Med("ss_bulk"), 2) << "x [" << range(r, "ss_bulk")
       << "] | | (reference) | |\n";
    md << "| sqlite-sync vs plain, shell: " << c.o.singles
       << " single-row transactions | "
       << Fmt(s.Med("shell.shell_plain.singles_ms")) << " | "
       << Fmt(s.Med("shell.sqlite_sync.singles_ms")) << " | "
       << Fmt(r.Med("ss_singles"), 2) << "x [" << range(r, "ss_singles")
       << "] | | (reference) | |\n";
  }
  md << "\nCross-check of the two plain baselines (same rows, same settings): "
        "C++ bulk "
     << Fmt(s.Med("cpp.plain.bulk_ms")) << " ms";
  if (ss) {
    md << ", shell bulk " << Fmt(s.Med("shell.shell_plain.bulk_ms"))
       << " ms; C++ singles " << Fmt(s.Med("cpp.plain.singles_ms"))
       << " ms, shell singles " << Fmt(s.Med("shell.shell_plain.singles_ms"))
       << " ms";
  }
  md << ".\n";
  md << "\n### End-to-end sync of " << c.rows.size()
     << " rows, device A -> home -> device B\n\n";
  md << "| Step | coven: wall ms (CPU ms) | sqlite-sync: wall ms |\n"
        "|---|---:|---:|\n";
  md << "| A: capture -> sealed object in the outbox (flush) | "
     << Fmt(s.Med("coven.flush_ms")) << " (" << Fmt(s.Med("coven.flush_cpu_ms"))
     << ") | (done inside the host's writes) |\n";
  md << "| A: outbox -> home (push) / encode payload | "
     << Fmt(s.Med("coven.push_ms")) << " (" << Fmt(s.Med("coven.push_cpu_ms"))
     << ") | " << (ss ? Fmt(s.Med("sqlite_sync.encode_ms")) : "n/a") << " |\n";
  md << "| B: home -> verify, open, apply (pull) / apply payload | "
     << Fmt(s.Med("coven.pull_apply_ms")) << " ("
     << Fmt(s.Med("coven.pull_apply_cpu_ms")) << ") | "
     << (ss ? Fmt(s.Med("sqlite_sync.apply_ms")) : "n/a") << " |\n";
  md << "| total | " << Fmt(r.Med("total_ms")) << " ("
     << Fmt(r.Med("total_cpu_ms")) << ") | "
     << (ss ? Fmt(r.Med("ss_total_ms")) : "n/a") << " |\n";
  md << "| throughput | " << Fmt(r.Med("rows_s") / 1000, 0) << "k rows/s | "
     << (ss ? Fmt(r.Med("ss_rows_s") / 1000, 1) + "k rows/s" : "n/a")
     << " |\n\n";
  {
    auto v = Judge(r.Med("rows_s"), 200'000, true);
    md << "- Goal >= 200k rows/s: " << Fmt(r.Med("rows_s") / 1000, 0)
       << "k rows/s [" << Fmt(r.Min("rows_s") / 1000, 0) << "k–"
       << Fmt(r.Max("rows_s") / 1000, 0) << "k] -> " << v.text << "\n";
    if (ss) {
      auto w = Judge(r.Med("speedup"), 10, true);
      md << "- Goal >= 10x sqlite-sync: " << Fmt(r.Med("speedup"), 1) << "x ["
         << range(r, "speedup", 1) << "] -> " << w.text << "\n";
    }
  }
  md << "\n### Bytes\n\n";
  const double home = s.Med("coven.home_bytes");
  md << "| What | bytes | vs zstd -3 of raw rows |\n|---|---:|---:|\n";
  md << "| raw rows (CSV) | " << FmtBytes(c.csv_bytes) << " | "
     << Fmt(c.csv_bytes / static_cast<double>(c.zstd3_bytes), 2) << "x |\n";
  md << "| zstd level 3 of the raw rows | " << FmtBytes(c.zstd3_bytes)
     << " | 1.00x |\n";
  md << "| coven: everything stored in the home ("
     << Fmt(s.Med("coven.home_files"), 0)
     << " files: sealed log object + head) | " << FmtBytes(home) << " | "
     << Fmt(home / c.zstd3_bytes, 2) << "x |\n";
  if (ss) {
    md << "| sqlite-sync: cloudsync_payload_save payload | "
       << FmtBytes(s.Med("sqlite_sync.payload_bytes")) << " | "
       << Fmt(s.Med("sqlite_sync.payload_bytes") / c.zstd3_bytes, 2) << "x |\n";
  }
  {
    auto v = Judge(home / c.zstd3_bytes, 1.3);
    md << "\n- Goal home bytes <= 1.3x zstd of raw rows: "
       << Fmt(home / c.zstd3_bytes, 2) << "x -> " << v.text << "\n";
    if (ss) {
      md << "- coven home bytes / sqlite-sync payload: "
         << Fmt(home / s.Med("sqlite_sync.payload_bytes"), 2) << "x\n";
    }
  }
  md << "\n### Database size (after sync; WAL checkpointed, VACUUM)\n\n";
  md << "| Database | bytes | vs plain SQLite with the same rows "
        "|\n|---|---:|---:|\n";
  const double plain = c.once["cpp.plain.db_bytes"];
  md << "| plain SQLite (C++) | " << FmtBytes(plain) << " | 1.00x |\n";
  md << "| coven device A (wrote the rows) | "
     << FmtBytes(c.once["coven.a_db_bytes"]) << " | "
     << Fmt(c.once["coven.a_db_bytes"] / plain, 3) << "x |\n";
  md << "| coven device B (applied them) | "
     << FmtBytes(c.once["coven.b_db_bytes"]) << " | "
     << Fmt(c.once["coven.b_db_bytes"] / plain, 3) << "x |\n";
  if (ss) {
    const double sp = c.once["shell.plain.db_bytes"];
    md << "| plain SQLite (shell) | " << FmtBytes(sp) << " | 1.00x |\n";
    md << "| sqlite-sync A | " << FmtBytes(c.once["sqlite_sync.a_db_bytes"])
       << " | " << Fmt(c.once["sqlite_sync.a_db_bytes"] / sp, 2) << "x |\n";
    md << "| sqlite-sync B | " << FmtBytes(c.once["sqlite_sync.b_db_bytes"])
       << " | " << Fmt(c.once["sqlite_sync.b_db_bytes"] / sp, 2) << "x |\n";
  }
  {
    const double worst =
        std::max(c.once["coven.a_db_bytes"], c.once["coven.b_db_bytes"]) /
        plain;
    auto v = Judge(worst, 1.1);
    md << "\n- Goal coven database <= 1.1x plain: " << Fmt(worst, 3)
       << "x (larger of A and B) -> " << v.text << "\n";
  }
  md << "\n### Other\n\n";
  md << "- coven flush of " << c.o.singles << " rows written as single-row "
     << "transactions: " << Fmt(s.Med("coven.singles_flush_ms")) << " ms\n";

  nlohmann::json j;
  j["rows"] = c.rows.size();
  j["singles"] = c.o.singles;
  j["runs"] = runs;
  j["synchronous"] = c.o.synchronous;
  j["cache_mb"] = c.o.cache_mb;
  j["csv_bytes"] = c.csv_bytes;
  j["zstd3_bytes"] = c.zstd3_bytes;
  for (const auto& [k, v] : s.values) {
    j["samples"][k] = v;
    j["median"][k] = Median(v);
  }
  for (const auto& [k, v] : r.values) {
    j["ratios"][k]["median"] = Median(v);
    j["ratios"][k]["samples"] = v;
  }
  for (const auto& [k, v] : c.once) j["sizes"][k] = v;

  std::cout << md.str() << "\n```json\n" << j.dump(2) << "\n```\n";
  if (!c.o.markdown_out.empty()) {
    std::ofstream(c.o.markdown_out) << md.str();
  }
  if (!c.o.json_out.empty()) std::ofstream(c.o.json_out) << j.dump(2) << "\n";
}

}  // namespace coven::bench
