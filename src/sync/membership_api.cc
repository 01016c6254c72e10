// SyncManager: membership calls (identity, invite, members, remove, role,
// rotate, restore code, fingerprint). Each waits for a running round,
// refreshes the member log, then acts.
#include <mutex>

#include "coven/sync_manager.h"
#include "library/library_codes.h"
#include "members/member_identity.h"
#include "sync/sync_manager_impl.h"

namespace coven::sync::sync_manager {

namespace {

// Runs `action` on the membership after a refresh, with rounds held off.
template <typename Action>
auto WithMembers(engine::SyncEngine& engine, Action action)
    -> decltype(action(engine.membership())) {
  std::lock_guard<std::mutex> round(engine.round_mutex());
  engine::RoundReport ignored;
  COVEN_RETURN_IF_ERROR(engine.RefreshMembers(&ignored));
  return action(engine.membership());
}

Result<library::LibraryLocation> Location(const config::Config& config,
                                          const members::Membership& m,
                                          const std::string& library_id) {
  if (!m.current().has_genesis()) {
    return FailedPreconditionError(
        "this device has not verified the library's member log yet; run "
        "`coven sync` first");
  }
  library::LibraryLocation location;
  location.library_id = library_id;
  location.genesis = m.genesis_hash();
  // The home as a URL (or a folder path) the joiner's coven opens; never
  // with credentials (those come from each device's environment).
  location.provider = "local";
  if (config.cloud_home) {
    if (config.cloud_home->provider == config::CloudProvider::kLocal) {
      location.container = config.cloud_home->container.value_or("");
    } else {
      COVEN_ASSIGN_OR_RETURN(location.container,
                             config::HomeUrlFor(*config.cloud_home));
      location.provider = "url";
    }
    location.account = config.cloud_home->account_email.value_or("");
  }
  location.tables = config.synced_tables;
  return location;
}

}  // namespace

std::string SyncManager::identity() {
  std::lock_guard<std::mutex> round(impl_->engine->round_mutex());
  return members::IdentityHex(
      impl_->engine->membership().member().public_identity());
}

Result<std::string> SyncManager::invite_member(
    const std::string& public_key_hex, members::MemberRole role) {
  COVEN_ASSIGN_OR_RETURN(members::PublicIdentity identity,
                         members::ParseIdentityHex(public_key_hex));
  return WithMembers(
      *impl_->engine, [&](members::Membership& m) -> Result<std::string> {
        COVEN_RETURN_IF_ERROR(m.Invite(identity, role));
        COVEN_ASSIGN_OR_RETURN(
            library::LibraryLocation location,
            Location(impl_->config, m, impl_->key_service->library_id()));
        return library::EncodeInviteCode(location);
      });
}

Result<std::vector<members::MemberInfo>> SyncManager::get_members() {
  return WithMembers(
      *impl_->engine,
      [](members::Membership& m) -> Result<std::vector<members::MemberInfo>> {
        return m.current().Members(/*include_removed=*/true);
      });
}

Status SyncManager::remove_member(const std::string& member) {
  return WithMembers(*impl_->engine, [&](members::Membership& m) -> Status {
    COVEN_ASSIGN_OR_RETURN(const members::MemberRecord* record,
                           m.FindMemberByText(member));
    return m.Remove(record->identity.sign);
  });
}

Status SyncManager::change_role(const std::string& member,
                                members::MemberRole role) {
  return WithMembers(*impl_->engine, [&](members::Membership& m) -> Status {
    COVEN_ASSIGN_OR_RETURN(const members::MemberRecord* record,
                           m.FindMemberByText(member));
    return m.ChangeRole(record->identity.sign, role);
  });
}

Status SyncManager::skip_member_slot(std::uint64_t slot) {
  return WithMembers(*impl_->engine,
                     [&](members::Membership& m) { return m.SkipSlot(slot); });
}

Status SyncManager::rotate_key() {
  return WithMembers(*impl_->engine,
                     [](members::Membership& m) { return m.RotateKey(); });
}

Result<RestoreCode> SyncManager::generate_restore_code(
    const std::string& passphrase) {
  return WithMembers(
      *impl_->engine, [&](members::Membership& m) -> Result<RestoreCode> {
        COVEN_ASSIGN_OR_RETURN(
            library::LibraryLocation location,
            Location(impl_->config, m, impl_->key_service->library_id()));
        COVEN_ASSIGN_OR_RETURN(
            library::RestoreCodeText text,
            library::EncodeRestoreCode(location, m.member().seed(), passphrase,
                                       *impl_->entropy));
        return RestoreCode{std::move(text.code),
                           std::move(text.recovery_secret)};
      });
}

std::string SyncManager::fingerprint() {
  std::lock_guard<std::mutex> round(impl_->engine->round_mutex());
  return impl_->engine->membership().Fingerprint();
}

}  // namespace coven::sync::sync_manager
