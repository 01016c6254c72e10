#include "hub_load/report.h"

#include <cstdio>

namespace coven::hub_bench {

namespace {

std::string Num(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Mb(std::uint64_t bytes) {
  return Num(static_cast<double>(bytes) / (1024.0 * 1024.0));
}

std::string JsonPercentiles(const Percentiles& p) {
  return "{\"n\":" + std::to_string(p.count) + ",\"p50\":" + Num(p.p50, 3) +
         ",\"p90\":" + Num(p.p90, 3) + ",\"p99\":" + Num(p.p99, 3) +
         ",\"p999\":" + Num(p.p999, 3) + ",\"max\":" + Num(p.max, 3) + "}";
}

std::string JsonCodes(const CodeCounts& codes) {
  std::string out = "{";
  for (const auto& [name, n] : codes.Get()) {
    if (out.size() > 1) out += ",";
    out += "\"" + name + "\":" + std::to_string(n);
  }
  return out + "}";
}

std::string RateName(double rate) {
  return rate <= 0 ? std::string("closed loop") : Num(rate, 0) + "/s";
}

}  // namespace

FanoutResult Fanout(const PushLedger& ledger,
                    const std::vector<std::unique_ptr<Subscriber>>& subs,
                    std::int64_t from_ns, std::int64_t to_ns) {
  std::vector<std::int64_t> hint, pull;
  FanoutResult result;
  for (const auto& sub : subs) {
    for (std::size_t i = 0; i < ledger.commit_ns.size(); ++i) {
      const std::int64_t commit = ledger.commit_ns[i];
      if (commit == 0 || commit < from_ns || commit > to_ns) continue;
      if (sub->hint_ns[i] != 0) {
        const std::int64_t d = sub->hint_ns[i] - commit;
        if (d < 0) ++result.hint_before_reply;
        hint.push_back(std::max<std::int64_t>(0, d));
      }
      if (sub->pull_ns[i] != 0) {
        pull.push_back(std::max<std::int64_t>(0, sub->pull_ns[i] - commit));
      }
    }
  }
  result.hint = Summarize(std::move(hint));
  result.pull = Summarize(std::move(pull));
  return result;
}

AuditResult Audit(const PushLedger& ledger,
                  const std::vector<std::unique_ptr<Subscriber>>& subs,
                  bool caught_up) {
  AuditResult audit;
  audit.subscribers = subs.size();
  audit.caught_up = caught_up;
  for (const auto& sub : subs) {
    const std::size_t own = ledger.index_of.at(sub->device().id);
    for (std::size_t a = 0; a < ledger.authors; ++a) {
      if (a == own) continue;
      for (std::uint64_t s = 1; s <= ledger.max_seq; ++s) {
        const std::size_t i = ledger.At(a, s);
        const bool acked = ledger.commit_ns[i] != 0;
        const bool pulled = sub->pull_ns[i] != 0;
        if (acked) ++audit.expected;
        if (pulled) ++audit.pulled;
        if (acked && !pulled) ++audit.missing;
        if (pulled && !acked) ++audit.unacknowledged_pulled;
      }
    }
    if (sub->stream_status.error_code() != grpc::StatusCode::CANCELLED) {
      ++audit.streams_failed;
      if (!audit.stream_codes.empty()) audit.stream_codes += ", ";
      audit.stream_codes +=
          std::string(CodeName(sub->stream_status.error_code())) + " " +
          sub->stream_status.error_message();
    }
    audit.carried += sub->carried.load();
    audit.skipped += sub->skipped.load();
    audit.duplicates += sub->duplicates.load();
    audit.mismatched += sub->mismatched.load();
  }
  return audit;
}

void PrintMarkdown(const BenchReport& r, std::ostream& out) {
  out << "#### Store: " << r.store << "\n\n"
      << r.devices << " pushing devices, " << r.subscribers
      << " of them subscribed ("
      << (r.max_hint_bytes > 0
              ? "Subscribe asking hints to carry up to " +
                    std::to_string(r.max_hint_bytes) +
                    " bytes of new objects, + one Pull of every author "
                    "whose objects did not come in a hint"
              : std::string("Subscribe + one Pull of every author that "
                            "moved"))
      << "), " << r.object_bytes
      << "-byte objects, one object + head per push; "
      << "setup (member log + registrations) " << Num(r.setup_seconds)
      << " s.\n\n"
      << "| Offered rate | Pushes | Acked objects/s | Push p50 / p90 / p99 / "
         "p99.9 / max (ms) | Fan-out hint p50 / p99 (ms) | Fan-out received "
         "p50 / p99 (ms) | Push codes | Hub CPU s | Client CPU s |\n"
      << "|---|---|---|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < r.pushes.size(); ++i) {
    const PushPhaseResult& p = *r.pushes[i];
    const FanoutResult& f = r.fanouts[i];
    out << "| " << RateName(p.rate) << " | " << p.offered << " | "
        << Num(p.objects_per_s, 0) << " | " << Num(p.push.p50, 2) << " / "
        << Num(p.push.p90, 2) << " / " << Num(p.push.p99, 2) << " / "
        << Num(p.push.p999, 2) << " / " << Num(p.push.max, 2) << " | "
        << Num(f.hint.p50, 2) << " / " << Num(f.hint.p99, 2) << " | "
        << Num(f.pull.p50, 2) << " / " << Num(f.pull.p99, 2) << " | "
        << p.codes.Text() << " | " << Num(p.hub_cpu_s) << " | "
        << Num(p.client_cpu_s) << " |\n";
  }
  out << "\nFan-out is measured from the push's reply as the pusher saw it; "
         "a hint that arrived before that reply counts as 0 ms (";
  for (std::size_t i = 0; i < r.fanouts.size(); ++i) {
    out << (i > 0 ? ", " : "") << r.fanouts[i].hint_before_reply << " of "
        << r.fanouts[i].hint.count;
  }
  out << " hints).\n";
  const AuditResult& a = r.audit;
  out << "\nNever-skip audit: " << (a.ok() ? "**passed**" : "**FAILED**")
      << " (" << a.subscribers << " subscribers, " << a.expected
      << " acknowledged objects expected, " << a.pulled << " received ("
      << a.carried << " carried in hints, the rest pulled); missing "
      << a.missing << ", skipped " << a.skipped << ", duplicates "
      << a.duplicates << ", other bytes " << a.mismatched
      << ", pulled but not acknowledged " << a.unacknowledged_pulled
      << (a.caught_up ? "" : "; subscribers did NOT catch up")
      << (a.streams_failed == 0
              ? ""
              : "; Subscribe streams that failed: " + a.stream_codes)
      << ").\n";
  if (r.idle != nullptr) {
    const IdleResult& i = *r.idle;
    out << "\nIdle subscriptions: " << i.opened << " of " << i.streams
        << " streams open in " << Num(i.open_seconds, 2) << " s; hub VmRSS "
        << Mb(i.before.rss) << " -> " << Mb(i.after.rss) << " MiB (VmHWM "
        << Mb(i.after.hwm) << " MiB): **" << Num(i.bytes_per_stream / 1024.0)
        << " KiB per stream**.\n";
  }
  if (r.flood != nullptr) {
    const FloodResult& f = *r.flood;
    out << "\nFlood: " << f.streams << " devices each pushing "
        << Mb(f.object_bytes) << " MiB objects back to back for "
        << Num(f.seconds) << " s: " << f.codes.Text() << "; stored "
        << Mb(f.stored_bytes) << " MiB; hub VmRSS before " << Mb(f.before.rss)
        << " MiB, peak sampled " << Mb(f.peak_rss) << " MiB, **VmHWM "
        << Mb(f.hwm_after) << " MiB**" << (f.hub_alive ? "" : "; HUB DIED")
        << ".\n";
  }
}

void PrintJson(const BenchReport& r, std::ostream& out) {
  out << "{\"bench\":\"hub_load\",\"store\":\"" << r.store
      << "\",\"devices\":" << r.devices << ",\"subscribers\":" << r.subscribers
      << ",\"max_hint_bytes\":" << r.max_hint_bytes
      << ",\"object_bytes\":" << r.object_bytes << ",\"push\":[";
  for (std::size_t i = 0; i < r.pushes.size(); ++i) {
    const PushPhaseResult& p = *r.pushes[i];
    const FanoutResult& f = r.fanouts[i];
    if (i > 0) out << ",";
    out << "{\"rate\":" << Num(p.rate, 0) << ",\"offered\":" << p.offered
        << ",\"acked\":" << p.acknowledged
        << ",\"objects_per_s\":" << Num(p.objects_per_s, 1)
        << ",\"latency_ms\":" << JsonPercentiles(p.push)
        << ",\"fanout_hint_ms\":" << JsonPercentiles(f.hint)
        << ",\"fanout_pull_ms\":" << JsonPercentiles(f.pull)
        << ",\"hints_before_reply\":" << f.hint_before_reply
        << ",\"codes\":" << JsonCodes(p.codes)
        << ",\"hub_cpu_s\":" << Num(p.hub_cpu_s, 2)
        << ",\"client_cpu_s\":" << Num(p.client_cpu_s, 2) << "}";
  }
  const AuditResult& a = r.audit;
  out << "],\"audit\":{\"ok\":" << (a.ok() ? "true" : "false")
      << ",\"expected\":" << a.expected << ",\"pulled\":" << a.pulled
      << ",\"carried\":" << a.carried << ",\"missing\":" << a.missing
      << ",\"skipped\":" << a.skipped << ",\"duplicates\":" << a.duplicates
      << ",\"mismatched\":" << a.mismatched << "}";
  if (r.idle != nullptr) {
    const IdleResult& i = *r.idle;
    out << ",\"idle\":{\"streams\":" << i.streams << ",\"opened\":" << i.opened
        << ",\"rss_before\":" << i.before.rss
        << ",\"rss_after\":" << i.after.rss << ",\"hwm\":" << i.after.hwm
        << ",\"bytes_per_stream\":" << Num(i.bytes_per_stream, 0) << "}";
  }
  if (r.flood != nullptr) {
    const FloodResult& f = *r.flood;
    out << ",\"flood\":{\"streams\":" << f.streams
        << ",\"object_bytes\":" << f.object_bytes
        << ",\"codes\":" << JsonCodes(f.codes)
        << ",\"stored_bytes\":" << f.stored_bytes
        << ",\"peak_rss\":" << f.peak_rss << ",\"hwm\":" << f.hwm_after
        << ",\"hub_alive\":" << (f.hub_alive ? "true" : "false") << "}";
  }
  out << "}\n";
}

}  // namespace coven::hub_bench
