// API keys -> tenants, parsed from a file of "key tenant [max_priority]"
// lines ('#' starts a comment, blank lines are ignored). The optional third
// column raises (or lowers) the highest job priority that tenant may ask for. Keys are secrets: no
// message of this class ever contains one (errors name the file and the line number), and only
// their SHA-256 digests are kept. A presented key is hashed and compared with every stored digest
// in constant time, without stopping at a match, so the time an answer takes says nothing about
// which bytes of a guess were right or which entry matched.
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace animate::server {

class ApiKeys {
 public:
  // Throws std::runtime_error naming `source` and the line: malformed lines,
  // invalid tenant names, duplicate keys.
  static ApiKeys parse(std::istream& in, const std::string& source);
  // Throws std::runtime_error when the file cannot be read or is malformed.
  static ApiKeys load_file(const std::string& path);

  std::optional<std::string> tenant_for(const std::string& key) const;
  // The tenant's own priority cap, when its line gives one.
  std::optional<int> max_priority_of(const std::string& tenant) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string digest;  // SHA-256 of the key, raw 32 bytes
    std::string tenant;
    std::optional<int> max_priority;
  };
  std::vector<Entry> entries_;
};

// Equal bytes, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace animate::server
