#include "hub/store/postgres_push_statements.h"

namespace coven::hub::store {

Result<std::vector<StoredHash>> StoredHashes(const PgResult& rows,
                                             std::uint64_t first,
                                             std::uint64_t last) {
  std::vector<StoredHash> stored;
  for (int i = 0; i < rows.rows(); ++i) {
    StoredHash hash;
    hash.seq = static_cast<std::uint64_t>(rows.Int(i, 0));
    if (hash.seq < first || hash.seq > last) continue;
    const Bytes bytes = rows.Blob(i, 1);
    if (bytes.size() != hash.hash.size()) {
      return DataLossError("a stored log object has a bad hash");
    }
    std::copy(bytes.begin(), bytes.end(), hash.hash.begin());
    hash.size = static_cast<std::uint64_t>(rows.Int(i, 2));
    stored.push_back(hash);
  }
  return stored;
}

}  // namespace coven::hub::store
