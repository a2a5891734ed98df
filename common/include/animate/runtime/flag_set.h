// The command line and environment of the service binaries, read one way.
//
// Every flag `--name` has an environment variable (ANIMATE_NAME unless given)
// and a default taken from the target's value when the flag is declared.
// Precedence: flags over environment over defaults. An empty environment
// variable counts as unset (Kubernetes manifests often carry empty values).
// `--name value` and `--name=value` both work; `--help` / `-h` asks for
// usage(), which lists each flag with its variable and default.
//
// Errors are FlagError with a message that names the flag or the variable:
//   "unknown flag --max-uploads (see --help)"
//   "--lease-seconds: expected a whole number from 1 to 86400, got 'ten'"
//   "ANIMATE_LEASE_SECONDS (--lease-seconds): expected a whole number ..."
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace animate::runtime {

class FlagError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Reads one environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// getenv.
EnvLookup process_environment();

class FlagSet {
 public:
  // Parses and stores one value; throws FlagError(where + ": " + problem)
  // through fail() below.
  using Setter = std::function<void(const std::string& value, const std::string& where)>;

  // program: "animate-worker"; summary: the lines printed above the flags.
  FlagSet(std::string program, std::string summary);

  // Any string.
  FlagSet& text(const std::string& name, const std::string& help, std::string& target);
  // One of `choices`.
  FlagSet& choice(const std::string& name, const std::string& help, std::string& target,
                  std::vector<std::string> choices);
  // A whole number in [min, max].
  FlagSet& integer(const std::string& name, const std::string& help, std::int64_t& target,
                   std::int64_t min, std::int64_t max);
  FlagSet& integer(const std::string& name, const std::string& help, std::uint64_t& target,
                   std::uint64_t min, std::uint64_t max);
  FlagSet& integer(const std::string& name, const std::string& help, std::uint32_t& target,
                   std::uint32_t min, std::uint32_t max);
  FlagSet& integer(const std::string& name, const std::string& help, int& target, int min, int max);
  // A finite number > 0.
  FlagSet& positive_number(const std::string& name, const std::string& help, double& target);
  // Seconds, fractions allowed ("2.5"), > 0.
  FlagSet& seconds(const std::string& name, const std::string& help,
                   std::chrono::milliseconds& target);
  FlagSet& seconds(const std::string& name, const std::string& help, std::chrono::seconds& target);
  // "true"/"false"/"1"/"0"/"yes"/"no"; a bare `--name` means true.
  FlagSet& boolean(const std::string& name, const std::string& help, bool& target);
  // Anything else: the caller parses (calling fail() on bad values).
  FlagSet& custom(const std::string& name, const std::string& help, std::string default_text,
                  Setter set);

  // Overrides the environment variable of the flag declared last.
  FlagSet& env(std::string variable);
  // Overrides how --help shows the default of the flag declared last
  // ("cuda if available, else cpu").
  FlagSet& shown_default(std::string text);

  // Environment first, then `args` (argv without the program name). Returns
  // false when --help was given (print usage() and exit 0). Throws FlagError.
  bool parse(const std::vector<std::string>& args, const EnvLookup& environment) const;

  std::string usage() const;

  // Throws the FlagError for a bad value.
  [[noreturn]] static void fail(const std::string& where, const std::string& problem);

 private:
  struct Flag {
    std::string name;  // without "--"
    std::string env;
    std::string help;
    std::string default_text;
    bool takes_value = true;
    Setter set;
  };
  FlagSet& add(Flag flag);
  const Flag* find(const std::string& name) const;

  std::string program_;
  std::string summary_;
  std::vector<Flag> flags_;
};

// "--max-upload-bytes" -> "ANIMATE_MAX_UPLOAD_BYTES".
std::string environment_variable_for(const std::string& flag_name);

}  // namespace animate::runtime
