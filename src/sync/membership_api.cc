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
  // A restore code carries what this member may read.
  location.history_before_join = config.history_before_join;
  return location;
}

}  // namespace

std::string SyncManager::identity() {
  std::lock_guard<std::mutex> round(impl_->engine->round_mutex());
  Result<members::PublicIdentity> me =
      impl_->engine->membership().MemberPublic();
  return me.ok() ? members::IdentityHex(*me) : std::string();
}

Result<std::string> SyncManager::invite_member(
    const std::string& public_key_hex, members::MemberRole role,
    bool share_history) {
  COVEN_ASSIGN_OR_RETURN(members::PublicIdentity identity,
                         members::ParseIdentityHex(public_key_hex));
  return WithMembers(
      *impl_->engine, [&](members::Membership& m) -> Result<std::string> {
        COVEN_RETURN_IF_ERROR(m.Invite(identity, role, share_history));
        COVEN_ASSIGN_OR_RETURN(
            library::LibraryLocation location,
            Location(impl_->config, m, impl_->key_service->library_id()));
        location.history_before_join = share_history;
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

Status SyncManager::remove_device(const std::string& device) {
  std::string wanted;
  for (char c : device) {
    if (c != ' ') wanted.push_back(static_cast<char>(std::tolower(c)));
  }
  return WithMembers(*impl_->engine, [&](members::Membership& m) -> Status {
    for (const members::MemberInfo& member :
         m.current().Members(/*include_removed=*/true)) {
      for (const members::DeviceInfo& d : member.devices) {
        if (d.device_id != wanted && d.public_key != wanted) continue;
        Bytes key;
        if (!HexDecode(d.public_key, &key) || key.size() != 32) break;
        crypto::PublicKey public_key{};
        std::copy(key.begin(), key.end(), public_key.begin());
        return m.RemoveDevice(public_key);
      }
    }
    return NotFoundError("no device " + device +
                         " in this library; `coven members` lists them");
  });
}

Status SyncManager::drop_member_key() {
  std::lock_guard<std::mutex> round(impl_->engine->round_mutex());
  members::Membership& m = impl_->engine->membership();
  if (m.current().FindDevice(impl_->engine->device_public_key()) == nullptr) {
    return FailedPreconditionError(
        "this device is not enrolled in the member log yet; sync first, "
        "then drop the member key");
  }
  // Without the current key and without the seed, it could wait forever
  // for a key sealed to the member only.
  COVEN_RETURN_IF_ERROR(m.CurrentKey().status().Annotate(
      "the member key stays on this device for now"));
  COVEN_RETURN_IF_ERROR(impl_->key_service->drop_member_seed());
  m.ForgetMemberSeed();
  return Status::Ok();
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
        if (!m.member().has_seed()) {
          return FailedPreconditionError(
              "this device no longer keeps the member key (it left when a "
              "restore code was made or this device was enrolled); the "
              "restore code saved then is the only one. Without it, ask "
              "an Admin or Owner (or, as one, use a device of your own) to "
              "invite a new identity");
        }
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
