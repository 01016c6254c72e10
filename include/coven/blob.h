// Blobs: files that rows refer to (attachments, images), synced beside the
// rows (mirrors coven::blob in the reference example).
//
// The application says which files belong to which rows through a BlobPlan:
// SyncManager hands it every batch of row changes, local ones as they are
// captured and remote ones as they are applied, and the plan names the
// files those rows need. The blob store itself (encrypted upload through
// the outbox, download on pull) is not built yet: until it is, a plan that
// names files gets a round problem saying that they are not synced, and
// NoBlobs (the default) names none.
//
// Thread safety: SyncManager calls a plan from its sync thread (or the
// caller of sync_now / flush), one call at a time.
#ifndef COVEN_BLOB_H_
#define COVEN_BLOB_H_

#include <memory>
#include <string>
#include <vector>

#include "coven/changeset.h"

namespace coven::blob {

/// Who may read a blob: every member of the library, or whoever may read
/// the row it derives from (the reference's `BlobScope::Derived(pk)`).
struct BlobScope {
  enum class Kind { kLibrary, kDerived };
  Kind kind = Kind::kLibrary;
  std::string derived_from;  ///< The row's primary key (kDerived).

  static BlobScope Library() { return {}; }
  static BlobScope Derived(std::string pk) {
    return {Kind::kDerived, std::move(pk)};
  }
};

/// One file a row needs.
struct BlobRef {
  std::string
      name_space;  ///< The reference's `namespace`, e.g. "todo-attachments".
  std::string id;  ///< Unique within `name_space`.
  std::string local_path;  ///< Where the file is (push) or goes (pull).
  BlobScope scope;
};

/// Maps row changes to the files they need.
class BlobPlan {
 public:
  virtual ~BlobPlan() = default;
  /// The files to upload for rows this device changed (`change.remote` is
  /// false). Called after the changes are captured into the outbox; a
  /// change may be passed again after a failed flush (at least once). Must
  /// not write to the database.
  virtual std::vector<BlobRef> blobs_to_push(
      const std::vector<changeset::RowChange>& changes) = 0;
  /// The files to download for rows other devices changed (`change.remote`
  /// is true), after they are applied.
  virtual std::vector<BlobRef> blobs_to_pull(
      const std::vector<changeset::RowChange>& changes) = 0;
};

/// The default plan: no row needs a file.
class NoBlobs final : public BlobPlan {
 public:
  std::vector<BlobRef> blobs_to_push(
      const std::vector<changeset::RowChange>&) override {
    return {};
  }
  std::vector<BlobRef> blobs_to_pull(
      const std::vector<changeset::RowChange>&) override {
    return {};
  }
};

using BlobPlanRef = std::shared_ptr<BlobPlan>;

}  // namespace coven::blob

#endif  // COVEN_BLOB_H_
