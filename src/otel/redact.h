// Keeps secrets out of what kfm-energy writes and says: a node's argv as
// recorded in the energy document (and from there in history and lineage) has
// the values of secret-looking options, `KEY=value` words and URL passwords
// replaced by "<redacted>", and collector URLs in messages and spool reasons
// lose their password. Commands still run with their real arguments and
// requests still go to the real URL. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kfm::otel {

inline constexpr std::string_view kRedacted = "<redacted>";

// True for names that usually hold a secret: they contain (ignoring case, '-'
// and '_') "token", "secret", "password", "passwd", "apikey", "auth",
// "credential", "privatekey" or "accesskey".
bool LooksSecret(std::string_view name);

// `argv` as it may be recorded: "--token X" and "--token=X" -> "--token
// <redacted>" and
// "--token=<redacted>"; "API_KEY=X" -> "API_KEY=<redacted>";
// "https://u:pw@host" -> "https://u:<redacted>@host". Everything else
// unchanged.
std::vector<std::string> RedactCommand(const std::vector<std::string> &argv);

// "https://user:password@host/path" -> "https://user:<redacted>@host/path";
// anything without a password is returned as it is.
std::string RedactUrl(std::string_view url);

}  // namespace kfm::otel
