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

Status SendWrites(PgPipeline& pipe, const LogPush& push, const PushPlan& plan,
                  bool move_head) {
  const std::int64_t author = AuthorColumn(push.author);
  for (std::size_t i = plan.first_new; i < push.objects.size(); ++i) {
    const LogObject& object = push.objects[i];
    const crypto::Hash256 hash = LogObjectHash(object.data);
    COVEN_RETURN_IF_ERROR(pipe.Send(
        kInsertObject, Key(push.space, author)
                           .Int(Col(object.seq))
                           .Blob(hash)
                           .Int(static_cast<std::int64_t>(object.data.size()))
                           .Blob(object.data)));
  }
  if (!move_head) return Status::Ok();
  return pipe.Send(kMoveHead, Key(push.space, author)
                                  .Int(Col(plan.log_seq))
                                  .Bool(plan.replace_head)
                                  .Blob(plan.replace_head ? ByteView(*push.head)
                                                          : ByteView()));
}

}  // namespace coven::hub::store
