#include "args.h"

#include <cstdlib>

namespace animate::client {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& value_flags,
           const std::set<std::string>& switches) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word == "--") {
      positionals_.insert(positionals_.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
      break;
    }
    if (word.size() < 2 || word[0] != '-') {
      positionals_.push_back(word);
      continue;
    }
    std::string name = word;
    std::optional<std::string> inline_value;
    if (const auto equals = word.find('='); equals != std::string::npos) {
      name = word.substr(0, equals);
      inline_value = word.substr(equals + 1);
    }
    if (switches.count(name) != 0) {
      if (inline_value) throw UsageError(name + " takes no value");
      switches_.insert(name);
    } else if (value_flags.count(name) != 0) {
      if (inline_value) {
        values_[name] = *inline_value;
      } else {
        if (i + 1 >= argv.size()) throw UsageError(name + " needs a value");
        values_[name] = argv[++i];
      }
    } else {
      throw UsageError("unknown option " + name);
    }
  }
}

bool Args::has(const std::string& flag) const {
  return switches_.count(flag) != 0 || values_.count(flag) != 0;
}

std::optional<std::string> Args::get(const std::string& flag) const {
  const auto found = values_.find(flag);
  if (found == values_.end()) return std::nullopt;
  return found->second;
}

std::string Args::get_or(const std::string& flag, const std::string& fallback) const {
  return get(flag).value_or(fallback);
}

std::string Args::require(const std::string& flag) const {
  auto value = get(flag);
  if (!value) throw UsageError(flag + " is required");
  return *value;
}

std::optional<std::int64_t> Args::get_int(const std::string& flag) const {
  const auto text = get(flag);
  if (!text) return std::nullopt;
  char* end = nullptr;
  const long long value = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0')
    throw UsageError(flag + " expects an integer, got '" + *text + "'");
  return value;
}

std::optional<std::uint64_t> Args::get_uint(const std::string& flag) const {
  const auto value = get_int(flag);
  if (!value) return std::nullopt;
  if (*value < 0) throw UsageError(flag + " must not be negative");
  return static_cast<std::uint64_t>(*value);
}

std::optional<double> Args::get_double(const std::string& flag) const {
  const auto text = get(flag);
  if (!text) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0')
    throw UsageError(flag + " expects a number, got '" + *text + "'");
  return value;
}

const std::string& Args::positional(std::size_t index, const std::string& name) const {
  if (index >= positionals_.size()) throw UsageError(name + " is required");
  return positionals_[index];
}

}  // namespace animate::client
