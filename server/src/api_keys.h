// API keys -> tenants, parsed from a file of "key tenant" lines ('#' starts a
// comment, blank lines are ignored). Keys are secrets: no message of this
// class ever contains one (errors name the file and the line number).
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <unordered_map>

namespace animate::server {

class ApiKeys {
 public:
  // Throws std::runtime_error naming `source` and the line: malformed lines,
  // invalid tenant names, duplicate keys.
  static ApiKeys parse(std::istream& in, const std::string& source);
  // Throws std::runtime_error when the file cannot be read or is malformed.
  static ApiKeys load_file(const std::string& path);

  std::optional<std::string> tenant_for(const std::string& key) const;
  std::size_t size() const { return tenants_.size(); }

 private:
  std::unordered_map<std::string, std::string> tenants_;
};

}  // namespace animate::server
