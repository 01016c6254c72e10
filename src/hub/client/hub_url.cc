// hub:// URLs: parsing, the opener and its registration.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "coven/hub_home.h"
#include "hub/client/hub_home_impl.h"
#include "hub/client/hub_session.h"
#include "hub/wire/registration.h"

namespace coven::hub {
namespace {

// Most bytes of a CA bundle read from ca=FILE.
constexpr std::streamsize kMaxCaBytes = 4 << 20;

Status BadUrl(const std::string& why) {
  return InvalidArgumentError("hub home URL: " + why +
                              " (expected hub://HOST:PORT/SPACE)");
}

bool IsDigits(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Result<std::string> ReadCa(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return InvalidArgumentError("hub home URL: cannot read the CA file " +
                                file);
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string pem = text.str();
  if (pem.empty() || static_cast<std::streamsize>(pem.size()) > kMaxCaBytes ||
      pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return InvalidArgumentError("hub home URL: the CA file " + file +
                                " holds no PEM certificate");
  }
  return pem;
}

}  // namespace

Result<home::HomeRef> OpenHubHome(home::HomeUrl url,
                                  const home::HomeUrlContext& context) {
  if (url.scheme != "hub") return BadUrl("the scheme is not hub");
  COVEN_RETURN_IF_ERROR(home::RefuseUrlCredentials(url));
  client::SessionOptions options;
  const std::size_t slash = url.rest.find('/');
  if (slash == std::string::npos) return BadUrl("no space after the host");
  const std::string authority = url.rest.substr(0, slash);
  std::string space = url.rest.substr(slash + 1);
  if (!space.empty() && space.back() == '/') space.pop_back();
  const std::size_t colon = authority.rfind(':');
  const std::size_t bracket = authority.rfind(']');
  if (colon == std::string::npos ||
      (bracket != std::string::npos && colon < bracket) || colon == 0) {
    return BadUrl("the host needs a port");
  }
  const std::string port = authority.substr(colon + 1);
  if (!IsDigits(port) || std::stoi(port) == 0 || std::stoi(port) > 65535) {
    return BadUrl("the port \"" + port + "\" is not a number from 1 to 65535");
  }
  if (space.find('/') != std::string::npos) {
    return BadUrl("the space is one name, without '/'");
  }
  Status space_ok = wire::CheckSpaceName(space);
  if (!space_ok.ok()) return BadUrl(space_ok.message());
  options.address = authority;
  options.space = space;

  const std::string plaintext = home::TakeParam(url, "plaintext").value_or("0");
  if (plaintext != "0" && plaintext != "1") {
    return InvalidArgumentError(
        "hub home URL parameter plaintext=" + plaintext + ": expected 1 or 0");
  }
  options.plaintext = plaintext == "1";
  std::optional<std::string> ca = home::TakeParam(url, "ca");
  if (ca && options.plaintext) {
    return InvalidArgumentError(
        "hub home URL: ca= names TLS roots, and plaintext=1 turns TLS off; "
        "use one of them");
  }
  if (!ca && !options.plaintext) ca = context.env("COVEN_HUB_CA_FILE");
  if (ca && !ca->empty()) {
    COVEN_ASSIGN_OR_RETURN(options.ca_pem, ReadCa(*ca));
  }
  options.network.request_timeout_ms = 30'000;  // timeout_ms= overrides
  COVEN_RETURN_IF_ERROR(
      home::TakeNetworkParams(url, context, &options.network));
  COVEN_RETURN_IF_ERROR(home::CheckNoParamsLeft(url));
  options.credentials = context.credentials;
  return home::HomeRef(std::make_shared<client::HubHome>(
      std::make_shared<client::HubSession>(std::move(options))));
}

void RegisterHubHome() { home::RegisterHome("hub", OpenHubHome).IgnoreError(); }

}  // namespace coven::hub
