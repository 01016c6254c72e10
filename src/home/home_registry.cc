// The scheme -> opener table behind OpenHomeUrl, with the core's own
// schemes (file, memory) and the parameter helpers openers share.
#include "coven/home_registry.h"

#include <cstdlib>
#include <mutex>
#include <utility>

#include "coven/folder_home.h"
#include "coven/memory_home.h"
#include "home/home_registry_internal.h"
#include "util/percent.h"

namespace coven::home {
namespace {

bool ValidScheme(std::string_view scheme) {
  if (scheme.empty()) return false;
  for (char c : scheme) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+')) {
      return false;
    }
  }
  return true;
}

Result<HomeRef> OpenFile(HomeUrl url, const EnvLookup&) {
  COVEN_RETURN_IF_ERROR(CheckNoParamsLeft(url));
  if (url.rest.empty()) {
    return InvalidArgumentError("file home URL needs a path: file:///dir");
  }
  COVEN_ASSIGN_OR_RETURN(std::shared_ptr<FolderHome> home,
                         FolderHome::Open(util::PercentDecode(url.rest)));
  return HomeRef(std::move(home));
}

Result<HomeRef> OpenMemory(HomeUrl url, const EnvLookup&) {
  COVEN_RETURN_IF_ERROR(CheckNoParamsLeft(url));
  return HomeRef(MemoryHome::Create());
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, HomeOpener, std::less<>> openers;  // Under mutex.
};

// Built on first use, so registering from a static initializer is safe.
Registry& TheRegistry() {
  static Registry* registry = [] {
    auto* r = new Registry;
    r->openers.emplace("file", OpenFile);
    r->openers.emplace("memory", OpenMemory);
    return r;
  }();
  return *registry;
}

}  // namespace

Status RegisterHome(std::string scheme, HomeOpener opener) {
  if (!ValidScheme(scheme)) {
    return InvalidArgumentError("home URL scheme \"" + scheme +
                                "\" must be non-empty a-z, 0-9 or '+'");
  }
  if (!opener) {
    return InvalidArgumentError("home URL scheme " + scheme +
                                ": the opener is empty");
  }
  Registry& registry = TheRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  registry.openers[std::move(scheme)] = std::move(opener);
  return Status::Ok();
}

std::vector<std::string> RegisteredHomeSchemes() {
  Registry& registry = TheRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  std::vector<std::string> schemes;
  for (const auto& [scheme, opener] : registry.openers) {
    schemes.push_back(scheme);
  }
  return schemes;
}

HomeOpener FindHomeOpener(std::string_view scheme) {
  Registry& registry = TheRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  auto it = registry.openers.find(scheme);
  return it == registry.openers.end() ? HomeOpener() : it->second;
}

std::optional<std::string> TakeParam(HomeUrl& url, std::string_view name) {
  auto it = url.params.find(name);
  if (it == url.params.end()) return std::nullopt;
  std::string value = std::move(it->second);
  url.params.erase(it);
  return value;
}

Status TakePositiveIntParam(HomeUrl& url, std::string_view name,
                            std::int64_t* out) {
  std::optional<std::string> value = TakeParam(url, name);
  if (!value.has_value()) return Status::Ok();
  char* end = nullptr;
  const long long parsed = std::strtoll(value->c_str(), &end, 10);
  if (value->empty() || *end != '\0' || parsed <= 0) {
    return InvalidArgumentError("home URL parameter " + std::string(name) +
                                "=" + *value + " is not a positive integer");
  }
  *out = parsed;
  return Status::Ok();
}

Status TakeNetworkParams(HomeUrl& url, NetworkOptions* network) {
  std::int64_t attempts = network->max_attempts;
  COVEN_RETURN_IF_ERROR(TakePositiveIntParam(url, "attempts", &attempts));
  network->max_attempts = static_cast<int>(attempts);
  COVEN_RETURN_IF_ERROR(
      TakePositiveIntParam(url, "timeout_ms", &network->request_timeout_ms));
  return TakePositiveIntParam(url, "connect_timeout_ms",
                              &network->connect_timeout_ms);
}

Status CheckNoParamsLeft(const HomeUrl& url) {
  if (url.params.empty()) return Status::Ok();
  return InvalidArgumentError(url.scheme + " home URL: unknown parameter \"" +
                              url.params.begin()->first +
                              "\" (see docs/homes.md)");
}

Status RefuseUrlCredentials(const HomeUrl& url) {
  const std::string_view authority =
      std::string_view(url.rest).substr(0, url.rest.find('/'));
  if (authority.find('@') == std::string_view::npos) return Status::Ok();
  return InvalidArgumentError(
      url.scheme +
      " home URL must not contain credentials (user:password@); put them "
      "in the environment (see docs/homes.md)");
}

}  // namespace coven::home
