#include "animate/runtime/log_redaction.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace animate::runtime {

bool is_secret_field_name(std::string_view key) {
  static constexpr std::array<std::string_view, 8> kMarkers = {
      "password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "credential"};
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::any_of(kMarkers.begin(), kMarkers.end(), [&](std::string_view marker) {
    return lower.find(marker) != std::string::npos;
  });
}

std::string mask_url_passwords(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t done = 0;
  for (std::size_t scheme_end = text.find("://"); scheme_end != std::string_view::npos;
       scheme_end = text.find("://", scheme_end + 3)) {
    const std::size_t authority = scheme_end + 3;
    // The authority ends at the first '/', '?', '#' or white space; a '@'
    // inside it ends the user information.
    std::size_t end = authority;
    while (end < text.size() && text[end] != '/' && text[end] != '?' && text[end] != '#' &&
           !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '"') {
      ++end;
    }
    const std::size_t at = text.rfind('@', end == 0 ? 0 : end - 1);
    if (at == std::string_view::npos || at < authority) continue;
    const std::size_t colon = text.find(':', authority);
    if (colon == std::string_view::npos || colon > at) continue;
    out.append(text.substr(done, colon + 1 - done));
    out.append("***");
    done = at;
  }
  out.append(text.substr(done));
  return out;
}

std::string mask_secrets(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (std::size_t at = out.find(secret); at != std::string::npos;
         at = out.find(secret, at + kRedacted.size())) {
      out.replace(at, secret.size(), kRedacted);
    }
  }
  return out;
}

}  // namespace animate::runtime
