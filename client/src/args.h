// Command-line parsing for the CLI: "--name value", "--name=value", boolean
// switches and positionals. Every command declares its flags up front so a
// typo is a usage error instead of a silently ignored option.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace animate::client {

// Bad command line: printed with the usage text, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // value_flags take an argument, switches do not ("-o" is accepted as a
  // value flag name too).
  Args(const std::vector<std::string>& argv, const std::set<std::string>& value_flags,
       const std::set<std::string>& switches);

  bool has(const std::string& flag) const;
  std::optional<std::string> get(const std::string& flag) const;
  std::string get_or(const std::string& flag, const std::string& fallback) const;
  std::string require(const std::string& flag) const;

  // Numbers: UsageError naming the flag when the text is not a number.
  std::optional<std::int64_t> get_int(const std::string& flag) const;
  std::optional<std::uint64_t> get_uint(const std::string& flag) const;
  std::optional<double> get_double(const std::string& flag) const;

  const std::vector<std::string>& positionals() const { return positionals_; }
  // The n-th positional or UsageError naming it.
  const std::string& positional(std::size_t index, const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positionals_;
};

}  // namespace animate::client
