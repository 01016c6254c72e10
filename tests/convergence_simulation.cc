// The convergence property's simulation (convergence_simulation.h): five
// replicas behind fault-injecting wrappers of one shared home, or each with
// its own home URL, make random writes and syncs with skewed clocks, heal,
// and must equal each other and the reference LWW model (lww_model.h).
#include "convergence_simulation.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include "coven/memory_home.h"
#include "coven/testing/fault_home.h"
#include "home_test_limits.h"
#include "lww_model.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr int kReplicas = 5;

std::string Query1(TestDevice& d, const std::string& sql) {
  std::lock_guard<std::recursive_mutex> lock(d.sync_db().write_mutex());
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(d.db(), sql.c_str(), -1, &stmt, nullptr);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  return out;
}

std::string RowDump(TestDevice& d, const std::string& table,
                    const std::string& id) {
  for (const std::string& row : d.Dump(table)) {
    if (row.rfind(id + "|", 0) == 0) return row;
  }
  return "";
}

class Simulation {
 public:
  /// Replicas share `base` (a fresh memory home when null). `lossy`: the
  /// home also loses objects and is restored from older backups. A
  /// non-empty `url` replaces `base`: each replica opens it with its own
  /// keys, as a hub's devices must (the hub authenticates each one), with
  /// no faults injected (it reaches the home through the home's own
  /// Remote, which a wrapper would hide); replica 0 founds it.
  explicit Simulation(std::uint64_t seed, home::HomeRef base = nullptr,
                      bool lossy = false, const std::string& url = "")
      : seed_(seed), rng_(seed), loss_rng_(seed ^ 0x5eed), lossy_(lossy) {
    if (url.empty()) {
      memory_ = base ? std::move(base) : home::MemoryHome::Create();
    }
    library_ = MakeLibrary(seed);
    for (int i = 0; i < kReplicas; ++i) {
      // Skew: each device's clock is off by up to +-2 minutes.
      std::int64_t skew = static_cast<std::int64_t>(rng_() % 240'000) - 120'000;
      clocks_.push_back(
          std::make_shared<ManualClock>(1'700'000'000'000 + skew));
      TestDevice::Options options;
      options.audit_interval_ms = 10'000;
      options.home_url = url;
      options.create_home = i == 0;
      if (url.empty()) {
        testing::FaultOptions faults;
        faults.seed = seed * 31 + i;
        faults.error_rate = 0.05;
        faults.lost_reply_rate = 0.05;
        faults.delayed_visibility_rate = 0.1;
        faults.duplicate_listing_rate = 0.1;
        faults.stale_head_rate = 0.1;
        homes_.push_back(std::make_shared<testing::FaultHome>(memory_, faults));
      }
      devices_.push_back(
          TestDevice::Create(library_, url.empty() ? homes_.back() : nullptr,
                             seed * 1000 + i, clocks_.back(), options));
      // The founder's first round founds the library the others join.
      if (!url.empty() && i == 0 && devices_.back()) {
        auto founded = devices_.back()->manager().sync_now();
        EXPECT_TRUE(founded.ok()) << "seed " << seed << ": founding " << url
                                  << ": " << founded.status().ToString();
      }
    }
  }

  bool ok() const {
    for (const auto& d : devices_) {
      if (!d) return false;
    }
    return true;
  }

  void Step() {
    if (std::getenv("COVEN_TRACE")) {
      static int step = 0;
      ++step;
      for (int i = 0; i < kReplicas; ++i) {
        auto n = devices_[i]->Dump("_coven_tombstones ORDER BY tbl --").size();
        if (n < tomb_counts_[i])
          std::cerr << "!!! step " << step << " replica " << i
                    << " lost tombstones " << tomb_counts_[i] << " -> " << n
                    << "\n";
        tomb_counts_[i] = n;
      }
    }
    if (lossy_) Lose();
    const int who = static_cast<int>(rng_() % kReplicas);
    TestDevice& d = *devices_[who];
    clocks_[who]->Advance(static_cast<std::int64_t>(rng_() % 50));
    const std::string todo = "t" + std::to_string(rng_() % 5);
    const std::string note = "n" + std::to_string(rng_() % 6);
    switch (rng_() % 10) {
      case 0:
      case 1: {  // upsert a todo
        std::string title = "title-" + std::to_string(rng_() % 1000);
        d.Exec("INSERT INTO todos VALUES('" + todo + "', '" + title +
               "', 0, coven_hlc()) ON CONFLICT(id) DO UPDATE SET title = "
               "excluded.title, _updated_at = excluded._updated_at");
        RecordUpsert(d, "todos", todo);
        break;
      }
      case 2:  // one column
        d.Exec("UPDATE todos SET title = 'edit-" +
               std::to_string(rng_() % 1000) +
               "', _updated_at = coven_hlc() WHERE id = '" + todo + "'");
        RecordUpsert(d, "todos", todo);
        break;
      case 3:  // another column of the same rows
        d.Exec(
            "UPDATE todos SET completed = 1 - completed, _updated_at = "
            "coven_hlc() WHERE id = '" +
            todo + "'");
        RecordUpsert(d, "todos", todo);
        break;
      case 4: {  // delete a todo (cascades to its visible notes)
        std::vector<std::string> children;
        for (const std::string& row : d.Dump("todo_notes")) {
          std::string id = row.substr(0, row.find('|'));
          std::string rest = row.substr(row.find('|') + 1);
          if (rest.rfind(todo + "|", 0) == 0) children.push_back(id);
        }
        bool existed = !RowDump(d, "todos", todo).empty();
        d.Exec("DELETE FROM todos WHERE id = '" + todo + "'");
        if (existed) {
          RecordDelete(d, "todos", todo);
          for (const std::string& c : children)
            RecordDelete(d, "todo_notes", c);
        }
        break;
      }
      case 5: {  // upsert a note under a visible todo
        if (RowDump(d, "todos", todo).empty()) break;
        d.Exec("INSERT INTO todo_notes VALUES('" + note + "', '" + todo +
               "', 'body-" + std::to_string(rng_() % 1000) +
               "', coven_hlc()) ON CONFLICT(id) DO UPDATE SET todo_id = "
               "excluded.todo_id, body = excluded.body, _updated_at = "
               "excluded._updated_at");
        RecordUpsert(d, "todo_notes", note);
        break;
      }
      case 6: {  // delete a note
        bool existed = !RowDump(d, "todo_notes", note).empty();
        d.Exec("DELETE FROM todo_notes WHERE id = '" + note + "'");
        if (existed) RecordDelete(d, "todo_notes", note);
        break;
      }
      default: {  // sync (failures are injected faults: retried later)
        auto r = d.manager().sync_now();
        if (std::getenv("COVEN_TRACE")) {
          std::cerr << "step sync " << who << " "
                    << d.manager().status().device_id << " pending "
                    << d.manager().status().pending_objects << ": "
                    << r.status().ToString();
          if (r.ok())
            std::cerr << " pushed " << r->pushed_objects << " pulled "
                      << r->pulled_objects << " flushed " << r->flushed_rows;
          std::cerr << "\n";
          if (r.ok())
            for (auto& p : r->problems) std::cerr << "   " << p << "\n";
        }
        break;
      }
    }
  }

  void Heal() {
    for (auto& h : homes_) h->set_enabled(false);
    for (int round = 0; round < (lossy_ ? 4 : 3); ++round) {
      for (int i = 0; i < kReplicas; ++i) {
        // Past the audit interval: every author checks its own log.
        clocks_[i]->Advance(lossy_ ? 11'000 : 1000);
        auto report = devices_[i]->manager().sync_now();
        ASSERT_TRUE(report.ok())
            << "seed " << seed_ << ": " << report.status().ToString();
        // Junk the lossy home planted is quarantined until its author has
        // stored its object again; the audit rounds then apply it.
        if (!lossy_) {
          ASSERT_EQ(report->quarantined, 0u) << "seed " << seed_;
        }
        if (std::getenv("COVEN_TRACE")) {
          std::cerr << "heal " << round << " dev " << i << " pushed "
                    << report->pushed_objects << " pulled "
                    << report->pulled_objects << " flushed "
                    << report->flushed_rows << "\n";
          for (const auto& p : report->problems)
            std::cerr << i << ": " << p << "\n";
        }
      }
    }
  }

  void Check() {
    if (std::getenv("COVEN_TRACE")) {
      for (int i = 0; i < kReplicas; ++i) {
        for (auto& r :
             devices_[i]->Dump("sync_cursors ORDER BY author --", true))
          std::cerr << "   cursor " << r.substr(0, 20) << "\n";
        if (i == 0 && memory_) {
          auto all = home::ListAll(*memory_, "", kTestMaxList);
          for (auto& o : *all) std::cerr << "  home " << o.path << "\n";
        }
        std::cerr << "replica " << i << " tombs:";
        for (auto& r :
             devices_[i]->Dump("_coven_tombstones ORDER BY tbl, pk --"))
          std::cerr << " [" << r << "]";
        std::cerr << "\n";
      }
    }
    std::vector<std::string> todos = model_.Visible("todos");
    std::vector<std::string> notes = model_.Visible("todo_notes", "todos");
    for (int i = 0; i < kReplicas; ++i) {
      EXPECT_EQ(devices_[i]->Dump("todos"), todos)
          << "seed " << seed_ << " replica " << i
          << " todos differ from the model";
      EXPECT_EQ(devices_[i]->Dump("todo_notes"), notes)
          << "seed " << seed_ << " replica " << i
          << " notes differ from the model";
    }
  }

 private:
  // What the storage does to a lossy home, from its own random stream so
  // that the writes of a seed stay the same with or without losses.
  void Lose() {
    switch (loss_rng_() % 20) {
      case 0: {  // an object or a head is deleted
        auto all = ListData();
        if (all.empty()) break;
        const std::string& victim = all[loss_rng_() % all.size()].path;
        memory_->Delete(victim).IgnoreError();
        break;
      }
      case 3: {  // an object is overwritten with junk of the same size
        auto all = ListData();
        if (all.empty()) break;
        const home::ObjectInfo& victim = all[loss_rng_() % all.size()];
        Bytes junk(victim.size);
        for (auto& b : junk) b = static_cast<std::uint8_t>(loss_rng_());
        memory_->Replace(victim.path, junk).IgnoreError();
        break;
      }
      case 1:  // a backup is taken
        backup_.clear();
        for (const home::ObjectInfo& info : ListData()) {
          auto bytes = memory_->Get(info.path, kTestMaxRead);
          if (bytes.ok()) backup_[info.path] = *bytes;
        }
        has_backup_ = true;
        break;
      case 2:  // the log and heads are restored from the backup
        if (!has_backup_ || loss_rng_() % 2) break;
        for (const home::ObjectInfo& info : ListData()) {
          memory_->Delete(info.path).IgnoreError();
        }
        for (const auto& [path, bytes] : backup_) {
          memory_->Replace(path, bytes).IgnoreError();
        }
        break;
      default:
        break;
    }
  }
  std::vector<home::ObjectInfo> ListData() {
    std::vector<home::ObjectInfo> out;
    for (const char* prefix : {"log/", "heads/"}) {
      auto listed = home::ListAll(*memory_, prefix, kTestMaxList);
      if (listed.ok()) out.insert(out.end(), listed->begin(), listed->end());
    }
    return out;
  }

  void RecordUpsert(TestDevice& d, const std::string& table,
                    const std::string& id) {
    std::string row = RowDump(d, table, id);
    if (std::getenv("COVEN_TRACE")) std::cerr << "upsert " << row << "\n";
    if (row.empty()) return;  // the update matched no row
    std::string stamp = row.substr(row.rfind('|') + 1);
    std::optional<std::string> parent;
    if (table == "todo_notes") {
      std::string rest = row.substr(row.find('|') + 1);
      parent = rest.substr(0, rest.find('|'));
    }
    model_.Write(table, id, stamp, row, parent);
  }

  void RecordDelete(TestDevice& d, const std::string& table,
                    const std::string& id) {
    std::string stamp =
        Query1(d, "SELECT hlc FROM _coven_tombstones WHERE tbl = '" + table +
                      "' AND pk = '" + id + "'");
    ASSERT_FALSE(stamp.empty())
        << "seed " << seed_ << ": no tombstone for " << id;
    if (std::getenv("COVEN_TRACE"))
      std::cerr << "delete " << table << "/" << id << " " << stamp << "\n";
    model_.Write(table, id, stamp, std::nullopt);
  }

  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::mt19937_64 loss_rng_;
  bool lossy_ = false;
  std::map<std::string, Bytes> backup_;
  bool has_backup_ = false;
  home::HomeRef memory_;
  TestLibrary library_;
  std::vector<std::shared_ptr<testing::FaultHome>> homes_;
  std::vector<std::shared_ptr<ManualClock>> clocks_;
  std::vector<std::unique_ptr<TestDevice>> devices_;
  LwwModel model_;
  std::size_t tomb_counts_[kReplicas] = {};
};

}  // namespace

namespace {

void Run(Simulation& sim, std::uint64_t seed, int steps) {
  ASSERT_TRUE(sim.ok()) << "seed " << seed;
  for (int i = 0; i < steps; ++i) {
    sim.Step();
    if (::testing::Test::HasFatalFailure()) return;
  }
  sim.Heal();
  if (::testing::Test::HasFatalFailure()) return;
  sim.Check();
}

}  // namespace

void RunConvergenceSeed(std::uint64_t seed, int steps, home::HomeRef base,
                        bool lossy) {
  Simulation sim(seed, std::move(base), lossy);
  Run(sim, seed, steps);
}

void RunConvergenceSeedAtUrl(std::uint64_t seed, int steps,
                             const std::string& url) {
  Simulation sim(seed, nullptr, false, url);
  Run(sim, seed, steps);
}

}  // namespace coven::testing
