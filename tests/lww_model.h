// A reference model of coven's merge semantics, independent of the engine:
// every write ever made (a full row image or a deletion, with its stamp)
// goes in; the expected visible state comes out.
//
//   winner(row)   = the write with the largest stamp
//   live(row)     = winner is not a deletion
//   visible(todo) = live(todo)
//   visible(note) = live(note) and visible(note.todo_id)
#ifndef COVEN_TESTS_LWW_MODEL_H_
#define COVEN_TESTS_LWW_MODEL_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace coven::testing {

class LwwModel {
 public:
  /// `row` is the "col|col|..." dump of the full row including the stamp, or
  /// nullopt for a deletion; `parent` is the parent id for child rows.
  void Write(const std::string& table, const std::string& id,
             const std::string& stamp, std::optional<std::string> row,
             std::optional<std::string> parent = std::nullopt) {
    Entry& e = rows_[table][id];
    if (!e.stamp.empty() && e.stamp >= stamp) return;
    e.stamp = stamp;
    e.row = std::move(row);
    e.parent = std::move(parent);
  }

  /// Expected rows of `table`, sorted by id. `parent_table` filters rows
  /// whose parent is not visible.
  std::vector<std::string> Visible(const std::string& table,
                                   const std::string& parent_table = "") const {
    std::vector<std::string> out;
    auto t = rows_.find(table);
    if (t == rows_.end()) return out;
    for (const auto& [id, e] : t->second) {
      if (!e.row) continue;
      if (!parent_table.empty() &&
          !(e.parent && IsLive(parent_table, *e.parent))) {
        continue;
      }
      out.push_back(*e.row);
    }
    return out;
  }

  bool IsLive(const std::string& table, const std::string& id) const {
    auto t = rows_.find(table);
    if (t == rows_.end()) return false;
    auto r = t->second.find(id);
    return r != t->second.end() && r->second.row.has_value();
  }

 private:
  struct Entry {
    std::string stamp;
    std::optional<std::string> row;
    std::optional<std::string> parent;
  };
  std::map<std::string, std::map<std::string, Entry>> rows_;
};

}  // namespace coven::testing

#endif  // COVEN_TESTS_LWW_MODEL_H_
