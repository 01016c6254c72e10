#include "hub/store/forwarding_store.h"

namespace coven::hub::store {

Result<Space> ForwardingStore::GetSpace(std::string_view name) {
  return Pass(inner_->GetSpace(name));
}

Status ForwardingStore::CreateSpace(
    std::string_view name, const std::array<std::uint8_t, 32>& founder) {
  return Pass(inner_->CreateSpace(name, founder));
}

Result<bool> ForwardingStore::SpaceIsEmpty(std::string_view name) {
  return Pass(inner_->SpaceIsEmpty(name));
}

Status ForwardingStore::ReclaimSpace(
    std::string_view name, const std::array<std::uint8_t, 32>& previous,
    const std::array<std::uint8_t, 32>& founder) {
  return Pass(inner_->ReclaimSpace(name, previous, founder));
}

Status ForwardingStore::PutMarker(std::string_view space, ByteView marker,
                                  const std::array<std::uint8_t, 32>& writer) {
  return Pass(inner_->PutMarker(space, marker, writer));
}

Result<LogPushResult> ForwardingStore::PushLog(const LogPush& push) {
  return Pass(inner_->PushLog(push));
}

void ForwardingStore::SubmitPushLog(
    const LogPush& push, std::function<void(Result<LogPushResult>)> done) {
  inner_->SubmitPushLog(
      push, [this, done = std::move(done)](Result<LogPushResult> result) {
        done(Pass(std::move(result)));
      });
}

std::vector<Result<LogPushResult>> ForwardingStore::PushLogs(
    std::span<const LogPush* const> pushes) {
  std::vector<Result<LogPushResult>> results = inner_->PushLogs(pushes);
  for (Result<LogPushResult>& result : results) {
    result = Pass(std::move(result));
  }
  return results;
}

Result<std::uint32_t> ForwardingStore::RepairLogObjects(const LogPush& push,
                                                        std::uint32_t held) {
  return Pass(inner_->RepairLogObjects(push, held));
}

Result<LogPage> ForwardingStore::ReadLogPage(const LogRange& range) {
  return Pass(inner_->ReadLogPage(range));
}

Result<LogPiece> ForwardingStore::GetLogPiece(std::string_view space,
                                              std::uint64_t author,
                                              std::uint64_t seq,
                                              std::uint64_t offset,
                                              std::uint64_t length) {
  return Pass(inner_->GetLogPiece(space, author, seq, offset, length));
}

Result<std::vector<HeadRow>> ForwardingStore::ListHeads(
    std::string_view space) {
  return Pass(inner_->ListHeads(space));
}

Result<std::vector<Bytes>> ForwardingStore::MemberLogAfter(
    std::string_view space, std::uint64_t after_slot) {
  return Pass(inner_->MemberLogAfter(space, after_slot));
}

Status ForwardingStore::AppendMember(
    std::string_view space, std::uint64_t slot, ByteView entry,
    const std::array<std::uint8_t, 32>& writer) {
  return Pass(inner_->AppendMember(space, slot, entry, writer));
}

Status ForwardingStore::PutObject(std::string_view space, std::string_view path,
                                  ByteView data,
                                  const std::array<std::uint8_t, 32>& writer) {
  return Pass(inner_->PutObject(space, path, data, writer));
}

Result<Bytes> ForwardingStore::GetObject(std::string_view space,
                                         std::string_view path,
                                         std::uint64_t max_bytes) {
  return Pass(inner_->GetObject(space, path, max_bytes));
}

Result<std::vector<PathInfo>> ForwardingStore::ListPaths(
    std::string_view space, std::string_view prefix,
    std::string_view start_after, std::uint32_t limit) {
  return Pass(inner_->ListPaths(space, prefix, start_after, limit));
}

Status ForwardingStore::PutChallenge(const Challenge& challenge,
                                     const ChallengeBounds& bounds) {
  return Pass(inner_->PutChallenge(challenge, bounds));
}

Result<Challenge> ForwardingStore::TakeChallenge(
    const std::array<std::uint8_t, 32>& bytes, std::int64_t now_ms) {
  return Pass(inner_->TakeChallenge(bytes, now_ms));
}

Result<std::array<std::uint8_t, 32>> ForwardingStore::TokenKey(
    const std::function<std::array<std::uint8_t, 32>()>& make_key) {
  return Pass(inner_->TokenKey(make_key));
}

void ForwardingStore::Announce(const Change& change) {
  inner_->Announce(change);
}

void ForwardingStore::Watch(std::function<void(const Change&)> on_change) {
  inner_->Watch(std::move(on_change));
}

void ForwardingStore::FlushAnnounced() { inner_->FlushAnnounced(); }

void ForwardingStore::OnDamaged(
    std::function<void(const std::string&)> report) {
  inner_->OnDamaged(std::move(report));
}

std::string ForwardingStore::Describe() const { return inner_->Describe(); }

}  // namespace coven::hub::store
