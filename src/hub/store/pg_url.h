// Keeping a PostgreSQL URL's password out of what the hub prints: libpq's
// own messages quote the connection string they could not parse, password
// and all.
//
// Thread safety: pure functions.
#ifndef COVEN_HUB_STORE_PG_URL_H_
#define COVEN_HUB_STORE_PG_URL_H_

#include <string>
#include <string_view>

namespace coven::hub::store {

/// `text` with every secret of the connection string `url` replaced by
/// ***: the password of its user info (as written and percent-decoded,
/// found even when the URL does not parse), the value of any password=
/// setting (URL query or key=value form), and the password in the user
/// info of any URL `text` quotes. Use on every message that may include
/// `url` or libpq's words about it.
std::string MaskPostgresSecrets(std::string_view text, std::string_view url);

/// "" when libpq can parse `url` (PQconninfoParse; nothing is connected
/// to), else libpq's reason with the secrets masked.
std::string PostgresUrlProblem(const std::string& url);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_PG_URL_H_
