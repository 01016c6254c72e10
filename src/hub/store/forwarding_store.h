// A store that passes every call to another one (ForwardingStore), for
// stores that add one thing to another: the damage guard of the SQLite
// store (sqlite_damage_guard.h), and tests that watch the calls a hub makes.
#ifndef COVEN_HUB_STORE_FORWARDING_STORE_H_
#define COVEN_HUB_STORE_FORWARDING_STORE_H_

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hub/store/store.h"

namespace coven::hub::store {

/// Passes every call to `inner`, and every failure through Failed().
class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(StoreRef inner) : inner_(std::move(inner)) {}

  Result<Space> GetSpace(std::string_view name) override;
  Status CreateSpace(std::string_view name,
                     const std::array<std::uint8_t, 32>& founder) override;
  Result<bool> SpaceIsEmpty(std::string_view name) override;
  Status ReclaimSpace(std::string_view name,
                      const std::array<std::uint8_t, 32>& previous,
                      const std::array<std::uint8_t, 32>& founder) override;
  Status PutMarker(std::string_view space, ByteView marker,
                   const std::array<std::uint8_t, 32>& writer) override;
  Result<LogPushResult> PushLog(const LogPush& push) override;
  void SubmitPushLog(const LogPush& push,
                     std::function<void(Result<LogPushResult>)> done) override;
  std::vector<Result<LogPushResult>> PushLogs(
      std::span<const LogPush* const> pushes) override;
  Result<std::uint32_t> RepairLogObjects(const LogPush& push,
                                         std::uint32_t held) override;
  Result<LogPage> ReadLogPage(const LogRange& range) override;
  Result<LogPiece> GetLogPiece(std::string_view space, std::uint64_t author,
                               std::uint64_t seq, std::uint64_t offset,
                               std::uint64_t length) override;
  Result<std::vector<HeadRow>> ListHeads(std::string_view space) override;
  Result<std::vector<Bytes>> MemberLogAfter(std::string_view space,
                                            std::uint64_t after_slot) override;
  Status AppendMember(std::string_view space, std::uint64_t slot,
                      ByteView entry,
                      const std::array<std::uint8_t, 32>& writer) override;
  Status PutObject(std::string_view space, std::string_view path, ByteView data,
                   const std::array<std::uint8_t, 32>& writer) override;
  Result<Bytes> GetObject(std::string_view space, std::string_view path,
                          std::uint64_t max_bytes) override;
  Result<std::vector<PathInfo>> ListPaths(std::string_view space,
                                          std::string_view prefix,
                                          std::string_view start_after,
                                          std::uint32_t limit) override;
  Status PutChallenge(const Challenge& challenge,
                      const ChallengeBounds& bounds) override;
  Result<Challenge> TakeChallenge(const std::array<std::uint8_t, 32>& bytes,
                                  std::int64_t now_ms) override;
  Result<std::array<std::uint8_t, 32>> TokenKey(
      const std::function<std::array<std::uint8_t, 32>()>& make_key) override;
  void Announce(const Change& change) override;
  void Watch(std::function<void(const Change&)> on_change) override;
  void FlushAnnounced() override;
  void OnDamaged(std::function<void(const std::string&)> report) override;
  std::string Describe() const override;

 protected:
  /// What a failed call of the inner store returns instead (`status`
  /// unchanged unless overridden). Called from any thread.
  virtual Status Failed(Status status) { return status; }

  Store& inner() const { return *inner_; }

 private:
  template <typename T>
  Result<T> Pass(Result<T> result) {
    if (result.ok()) return result;
    return Failed(result.status());
  }
  Status Pass(Status status) {
    return status.ok() ? status : Failed(std::move(status));
  }

  StoreRef inner_;
};

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_FORWARDING_STORE_H_
