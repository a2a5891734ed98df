#include "animate/runtime/flag_set.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace animate::runtime {
namespace {

template <typename Int>
Int parse_whole(const std::string& value, const std::string& where, Int min, Int max) {
  const auto problem = [&] {
    std::ostringstream out;
    out << "expected a whole number from " << min << " to " << max << ", got '" << value << "'";
    return out.str();
  };
  long long parsed = 0;
  unsigned long long parsed_unsigned = 0;
  const char* first = value.data();
  const char* last = value.data() + value.size();
  if constexpr (std::is_signed_v<Int>) {
    const auto [end, error] = std::from_chars(first, last, parsed);
    if (value.empty() || error != std::errc() || end != last) FlagSet::fail(where, problem());
    if (parsed < static_cast<long long>(min) || parsed > static_cast<long long>(max)) {
      FlagSet::fail(where, problem());
    }
    return static_cast<Int>(parsed);
  } else {
    const auto [end, error] = std::from_chars(first, last, parsed_unsigned);
    if (value.empty() || error != std::errc() || end != last) FlagSet::fail(where, problem());
    if (parsed_unsigned < static_cast<unsigned long long>(min) ||
        parsed_unsigned > static_cast<unsigned long long>(max)) {
      FlagSet::fail(where, problem());
    }
    return static_cast<Int>(parsed_unsigned);
  }
}

double parse_positive(const std::string& value, const std::string& where) {
  double parsed = 0.0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (value.empty() || error != std::errc() || end != value.data() + value.size() ||
      !std::isfinite(parsed) || parsed <= 0.0) {
    FlagSet::fail(where, "expected a positive number, got '" + value + "'");
  }
  return parsed;
}

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string environment_variable_for(const std::string& flag_name) {
  std::string variable = "ANIMATE_";
  for (const char c : flag_name) {
    variable += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return variable;
}

FlagSet::FlagSet(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void FlagSet::fail(const std::string& where, const std::string& problem) {
  throw FlagError(where + ": " + problem);
}

FlagSet& FlagSet::add(Flag flag) {
  if (find(flag.name) != nullptr) throw std::logic_error("flag --" + flag.name + " declared twice");
  flag.env = environment_variable_for(flag.name);
  flags_.push_back(std::move(flag));
  return *this;
}

FlagSet& FlagSet::env(std::string variable) {
  flags_.back().env = std::move(variable);
  return *this;
}

FlagSet& FlagSet::shown_default(std::string text) {
  flags_.back().default_text = std::move(text);
  return *this;
}

const FlagSet::Flag* FlagSet::find(const std::string& name) const {
  for (const Flag& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

FlagSet& FlagSet::text(const std::string& name, const std::string& help, std::string& target) {
  return add({name, "", help, target.empty() ? "(unset)" : "'" + target + "'", true,
              [&target](const std::string& value, const std::string&) { target = value; }});
}

FlagSet& FlagSet::choice(const std::string& name, const std::string& help, std::string& target,
                         std::vector<std::string> choices) {
  std::string listed;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    listed += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  }
  return add({name, "", help + " (" + listed + ")", target, true,
              [&target, choices, listed](const std::string& value, const std::string& where) {
                if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
                  fail(where, "expected " + listed + ", got '" + value + "'");
                }
                target = value;
              }});
}

FlagSet& FlagSet::integer(const std::string& name, const std::string& help, std::int64_t& target,
                          std::int64_t min, std::int64_t max) {
  return add({name, "", help, std::to_string(target), true,
              [&target, min, max](const std::string& value, const std::string& where) {
                target = parse_whole(value, where, min, max);
              }});
}

FlagSet& FlagSet::integer(const std::string& name, const std::string& help, std::uint64_t& target,
                          std::uint64_t min, std::uint64_t max) {
  return add({name, "", help, std::to_string(target), true,
              [&target, min, max](const std::string& value, const std::string& where) {
                target = parse_whole(value, where, min, max);
              }});
}

FlagSet& FlagSet::integer(const std::string& name, const std::string& help, std::uint32_t& target,
                          std::uint32_t min, std::uint32_t max) {
  return add({name, "", help, std::to_string(target), true,
              [&target, min, max](const std::string& value, const std::string& where) {
                target = parse_whole(value, where, min, max);
              }});
}

FlagSet& FlagSet::integer(const std::string& name, const std::string& help, int& target, int min,
                          int max) {
  return add({name, "", help, std::to_string(target), true,
              [&target, min, max](const std::string& value, const std::string& where) {
                target = parse_whole(value, where, min, max);
              }});
}

FlagSet& FlagSet::positive_number(const std::string& name, const std::string& help,
                                  double& target) {
  return add({name, "", help, number_text(target), true,
              [&target](const std::string& value, const std::string& where) {
                target = parse_positive(value, where);
              }});
}

FlagSet& FlagSet::seconds(const std::string& name, const std::string& help,
                          std::chrono::milliseconds& target) {
  return add({name, "", help, number_text(static_cast<double>(target.count()) / 1000.0), true,
              [&target](const std::string& value, const std::string& where) {
                const double seconds = parse_positive(value, where);
                if (seconds > 1e9) fail(where, "at most 1e9 seconds, got '" + value + "'");
                target = std::chrono::milliseconds(std::llround(seconds * 1000.0));
              }});
}

FlagSet& FlagSet::seconds(const std::string& name, const std::string& help,
                          std::chrono::seconds& target) {
  return add({name, "", help, std::to_string(target.count()), true,
              [&target](const std::string& value, const std::string& where) {
                target = std::chrono::seconds(
                    parse_whole<std::int64_t>(value, where, 1, std::int64_t{1'000'000'000}));
              }});
}

FlagSet& FlagSet::boolean(const std::string& name, const std::string& help, bool& target) {
  return add({name, "", help, target ? "true" : "false", false,
              [&target](const std::string& value, const std::string& where) {
                if (value == "true" || value == "1" || value == "yes") {
                  target = true;
                } else if (value == "false" || value == "0" || value == "no") {
                  target = false;
                } else {
                  fail(where, "expected true or false, got '" + value + "'");
                }
              }});
}

FlagSet& FlagSet::custom(const std::string& name, const std::string& help, std::string default_text,
                         Setter set) {
  return add({name, "", help, std::move(default_text), true, std::move(set)});
}

bool FlagSet::parse(const std::vector<std::string>& args, const EnvLookup& environment) const {
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") return false;
  }
  for (const Flag& flag : flags_) {
    const auto value = environment(flag.env);
    if (!value || value->empty()) continue;
    flag.set(*value, flag.env + " (--" + flag.name + ")");
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      throw FlagError("unexpected argument '" + arg + "' (see --help)");
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const Flag* flag = find(name);
    if (flag == nullptr) throw FlagError("unknown flag --" + name + " (see --help)");
    if (!value) {
      if (!flag->takes_value) {
        value = "true";
      } else if (i + 1 >= args.size()) {
        throw FlagError("--" + name + " needs a value");
      } else {
        value = args[++i];
      }
    }
    flag->set(*value, "--" + name);
  }
  return true;
}

std::string FlagSet::usage() const {
  std::ostringstream out;
  out << "usage: " << program_ << " [flags]\n" << summary_;
  if (!summary_.empty() && summary_.back() != '\n') out << '\n';
  out << "\nEvery flag can also be set by its environment variable (an empty one counts as\n"
         "unset); flags win over the environment.\n\n";
  for (const Flag& flag : flags_) {
    out << "  --" << flag.name << (flag.takes_value ? " VALUE" : "") << "  (env " << flag.env
        << ")\n      " << flag.help << "\n      default: " << flag.default_text << "\n";
  }
  out << "  -h, --help\n      this text\n";
  return out.str();
}

}  // namespace animate::runtime
