// A reference model of coven's rule for UNIQUE clashes (docs/merge.md),
// independent of the engine: every write ever made to one table (a full row
// image or a deletion, with its stamp) goes in; the expected rows come out.
//
//   winner(row) = the write with the largest stamp
//   live(row)   = winner is not a deletion
//   kept        = live rows taken in descending (stamp, id) order; a row is
//                 kept unless a kept row already holds one of its unique
//                 values (NULL never clashes)
//   visible     = kept (the table has no parent)
#ifndef COVEN_TESTS_UNIQUE_MODEL_H_
#define COVEN_TESTS_UNIQUE_MODEL_H_

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace coven::testing {

class UniqueModel {
 public:
  /// One row image: its "col|col|..." dump (including the stamp) and the
  /// values of each unique constraint, nullopt for NULL.
  struct Image {
    std::string dump;
    std::vector<std::optional<std::string>> unique_values;
  };

  void Write(const std::string& id, const std::string& stamp,
             std::optional<Image> image) {
    Entry& e = rows_[id];
    if (!e.stamp.empty() && e.stamp >= stamp) return;
    e.stamp = stamp;
    e.image = std::move(image);
  }

  /// The expected rows, sorted by id.
  std::vector<std::string> Visible() const { return Settle().first; }

  /// Ids of the live rows that are held aside (lost), sorted.
  std::vector<std::string> Held() const { return Settle().second; }

 private:
  std::pair<std::vector<std::string>, std::vector<std::string>> Settle() const {
    std::vector<std::pair<std::string, std::string>> live;  // (stamp, id)
    for (const auto& [id, e] : rows_) {
      if (e.image) live.emplace_back(e.stamp, id);
    }
    std::sort(live.rbegin(), live.rend());
    std::set<std::pair<std::size_t, std::string>> claimed;
    std::map<std::string, std::string> kept;  // id -> dump
    std::vector<std::string> held;
    for (const auto& [stamp, id] : live) {
      const Image& image = *rows_.at(id).image;
      bool beaten = false;
      for (std::size_t u = 0; u < image.unique_values.size(); ++u) {
        const auto& v = image.unique_values[u];
        if (v && claimed.count({u, *v})) beaten = true;
      }
      if (beaten) {
        held.push_back(id);
        continue;
      }
      for (std::size_t u = 0; u < image.unique_values.size(); ++u) {
        const auto& v = image.unique_values[u];
        if (v) claimed.insert({u, *v});
      }
      kept[id] = image.dump;
    }
    std::vector<std::string> out;
    for (const auto& [id, dump] : kept) out.push_back(dump);
    std::sort(held.begin(), held.end());
    return {out, held};
  }

  struct Entry {
    std::string stamp;
    std::optional<Image> image;
  };
  std::map<std::string, Entry> rows_;
};

}  // namespace coven::testing

#endif  // COVEN_TESTS_UNIQUE_MODEL_H_
