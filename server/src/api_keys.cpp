#include "api_keys.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "animate/jobs/ids.h"

namespace animate::server {

ApiKeys ApiKeys::parse(std::istream& in, const std::string& source) {
  ApiKeys keys;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string key;
    std::string tenant;
    std::string extra;
    if (!(words >> key)) continue;  // blank or comment
    const std::string where = source + ":" + std::to_string(number);
    if (!(words >> tenant) || (words >> extra)) {
      throw std::runtime_error(where + ": expected 'key tenant'");
    }
    if (!jobs::is_valid_tenant(tenant)) {
      throw std::runtime_error(where + ": tenant '" + tenant + "' is not [A-Za-z0-9._-]{1,64}");
    }
    if (!keys.tenants_.emplace(key, tenant).second) {
      throw std::runtime_error(where + ": duplicate key (first seen earlier in the file)");
    }
  }
  return keys;
}

ApiKeys ApiKeys::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read API keys file " + path);
  return parse(in, path);
}

std::optional<std::string> ApiKeys::tenant_for(const std::string& key) const {
  const auto found = tenants_.find(key);
  if (found == tenants_.end()) return std::nullopt;
  return found->second;
}

}  // namespace animate::server
