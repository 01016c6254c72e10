// The OS-keyring SecretStore: freedesktop Secret Service through libsecret.
//
// Reachability is probed before any libsecret call: without a session bus
// GIO would try to autolaunch one, and without a keyring daemon a call would
// wait for D-Bus activation. Every call runs under a Deadline that cancels
// it, so a stuck keyring yields kDeadlineExceeded instead of a hang.
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "coven/keyring.h"
#include "coven/secret_store.h"

#if defined(COVEN_HAVE_LIBSECRET)
#include <libsecret/secret.h>

#include "keyring/keyring_deadline.h"
#include "keys/secret_value.h"
#endif

namespace coven::keys {

namespace {

Status Unreachable(const std::string& reason) {
  return UnavailableError("no OS keyring (Secret Service) is reachable: " +
                          reason + "; use the file or passphrase store");
}

#if !defined(COVEN_HAVE_LIBSECRET)

Result<std::shared_ptr<SecretStore>> MakeSecretServiceStore(std::string service,
                                                            std::string scope) {
  return Unreachable("coven was built without libsecret");
}

#else

constexpr int kProbeTimeoutMs = 3000;
constexpr int kCallTimeoutMs = 25000;

const SecretSchema* Schema() {
  static const SecretSchema schema = {
      "org.coven.Secret",
      SECRET_SCHEMA_NONE,
      {{"service", SECRET_SCHEMA_ATTRIBUTE_STRING},
       {"scope", SECRET_SCHEMA_ATTRIBUTE_STRING},
       {"name", SECRET_SCHEMA_ATTRIBUTE_STRING},
       {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING}},
      0,
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      nullptr};
  return &schema;
}

// Converts and frees a GError from a keyring call.
Status FromGError(GError* error, std::string_view what) {
  const bool cancelled =
      g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  std::string message = error->message != nullptr ? error->message : "";
  g_error_free(error);
  if (cancelled) {
    return DeadlineExceededError(
        std::string(what) +
        ": the OS keyring did not answer in time (is it "
        "locked and waiting for an unlock prompt?); unlock it and retry, or "
        "use the file or passphrase store");
  }
  return UnavailableError(std::string(what) + ": OS keyring error: " + message +
                          "; retry, or use the file or passphrase "
                          "store");
}

bool SessionBusConfigured() {
  const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS");
  if (address != nullptr && *address != '\0') return true;
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime == nullptr || *runtime == '\0') return false;
  struct stat st {};
  return stat((std::string(runtime) + "/bus").c_str(), &st) == 0;
}

// True if a bus call answered `name` is owned or activatable.
Result<bool> BusHasName(GDBusConnection* bus, const char* method,
                        const char* name) {
  Deadline deadline(kProbeTimeoutMs);
  GError* error = nullptr;
  GVariant* reply = g_dbus_connection_call_sync(
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
      "org.freedesktop.DBus", method,
      name != nullptr ? g_variant_new("(s)", name) : nullptr, nullptr,
      G_DBUS_CALL_FLAGS_NO_AUTO_START, kProbeTimeoutMs, deadline.cancellable(),
      &error);
  if (reply == nullptr) return FromGError(error, "probing the session bus");
  bool found = false;
  if (name != nullptr) {
    gboolean owned = FALSE;
    g_variant_get(reply, "(b)", &owned);
    found = owned;
  } else {
    GVariantIter* names = nullptr;
    const gchar* entry = nullptr;
    g_variant_get(reply, "(as)", &names);
    while (g_variant_iter_loop(names, "&s", &entry)) {
      if (std::string_view(entry) == "org.freedesktop.secrets") found = true;
    }
    g_variant_iter_free(names);
  }
  g_variant_unref(reply);
  return found;
}

Status ProbeSecretService() {
  if (!SessionBusConfigured()) {
    return Unreachable(
        "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)");
  }
  GError* error = nullptr;
  GDBusConnection* bus = nullptr;
  {
    Deadline deadline(kProbeTimeoutMs);
    bus = g_bus_get_sync(G_BUS_TYPE_SESSION, deadline.cancellable(), &error);
  }
  if (bus == nullptr) {
    std::string message = error->message != nullptr ? error->message : "";
    g_error_free(error);
    return Unreachable("cannot connect to the D-Bus session bus (" + message +
                       ")");
  }
  Result<bool> owned =
      BusHasName(bus, "NameHasOwner", "org.freedesktop.secrets");
  Result<bool> activatable =
      owned.ok() && !*owned ? BusHasName(bus, "ListActivatableNames", nullptr)
                            : Result<bool>(false);
  g_object_unref(bus);
  if (!owned.ok()) return Unreachable(owned.status().message());
  if (!activatable.ok()) return Unreachable(activatable.status().message());
  if (!*owned && !*activatable) {
    return Unreachable(
        "no keyring daemon (such as gnome-keyring-daemon or KWallet) provides "
        "org.freedesktop.secrets on the session bus");
  }
  return Status::Ok();
}

class KeyringSecretStore final : public SecretStore {
 public:
  KeyringSecretStore(std::string service, std::string scope)
      : service_(std::move(service)), scope_(std::move(scope)) {}

  Status Put(std::string_view name, ByteView secret) override {
    COVEN_RETURN_IF_ERROR(ValidateSecretName(name));
    COVEN_RETURN_IF_ERROR(ValidateSecretValue(secret));
    Result<Bytes> existing = Get(name);
    if (existing.ok()) {
      const bool same = SameSecret(*existing, secret);
      sodium_memzero(existing->data(), existing->size());
      if (same) return Status::Ok();
      return AlreadyExistsError("a different secret named '" +
                                std::string(name) +
                                "' is already in the OS "
                                "keyring for " +
                                service_ + "/" + scope_ +
                                "; Remove it first if it should be replaced");
    }
    if (existing.status().code() != StatusCode::kNotFound) {
      return existing.status();
    }
    const std::string n(name);
    const std::string label =
        "coven " + service_ + " " + n + " (" + scope_ + ")";
    SecretValue* value = secret_value_new(
        reinterpret_cast<const gchar*>(secret.data()),
        static_cast<gssize>(secret.size()), "application/octet-stream");
    Deadline deadline(kCallTimeoutMs);
    GError* error = nullptr;
    const gboolean stored = secret_password_store_binary_sync(
        Schema(), SECRET_COLLECTION_DEFAULT, label.c_str(), value,
        deadline.cancellable(), &error, "service", service_.c_str(), "scope",
        scope_.c_str(), "name", n.c_str(), nullptr);
    secret_value_unref(value);
    if (!stored) return FromGError(error, "storing secret '" + n + "'");
    return Status::Ok();
  }

  Result<Bytes> Get(std::string_view name) override {
    COVEN_RETURN_IF_ERROR(ValidateSecretName(name));
    const std::string n(name);
    Deadline deadline(kCallTimeoutMs);
    GError* error = nullptr;
    SecretValue* value = secret_password_lookup_binary_sync(
        Schema(), deadline.cancellable(), &error, "service", service_.c_str(),
        "scope", scope_.c_str(), "name", n.c_str(), nullptr);
    if (error != nullptr)
      return FromGError(error, "reading secret '" + n + "'");
    if (value == nullptr) {
      return NotFoundError("no secret named '" + n +
                           "' in the OS keyring for " + service_ + "/" +
                           scope_);
    }
    gsize length = 0;
    const gchar* data = secret_value_get(value, &length);
    Bytes out(reinterpret_cast<const std::uint8_t*>(data),
              reinterpret_cast<const std::uint8_t*>(data) + length);
    secret_value_unref(value);
    return out;
  }

  Status Remove(std::string_view name) override {
    COVEN_RETURN_IF_ERROR(ValidateSecretName(name));
    const std::string n(name);
    Deadline deadline(kCallTimeoutMs);
    GError* error = nullptr;
    secret_password_clear_sync(Schema(), deadline.cancellable(), &error,
                               "service", service_.c_str(), "scope",
                               scope_.c_str(), "name", n.c_str(), nullptr);
    if (error != nullptr)
      return FromGError(error, "removing secret '" + n + "'");
    return Status::Ok();
  }

  std::string Describe() const override {
    return "OS keyring (Secret Service, schema org.coven.Secret) service " +
           service_ + ", scope " + scope_;
  }

 private:
  const std::string service_;
  const std::string scope_;
};

Result<std::shared_ptr<SecretStore>> MakeSecretServiceStore(std::string service,
                                                            std::string scope) {
  COVEN_RETURN_IF_ERROR(ProbeSecretService());
  return std::shared_ptr<SecretStore>(std::make_shared<KeyringSecretStore>(
      std::move(service), std::move(scope)));
}

#endif  // COVEN_HAVE_LIBSECRET

}  // namespace

void RegisterSecretServiceKeyring() {
  RegisterKeyringSecretStore(MakeSecretServiceStore);
}

}  // namespace coven::keys
