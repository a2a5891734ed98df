// animate-probe: runs golden parity cases through the real model code.
//
//   animate-probe run CASE_DIR --out OUT.safetensors [--threads N]
//       Runs one case and writes every output it produces (names without the
//       "expected." prefix), for ../shared/golden/compare.py.
//       Exit codes: 0 success, 2 component not implemented, 1 any other error.
//   animate-probe check CASE_DIR|GOLDEN_DIR ... [--threads N]
//       Runs cases and compares them with the stored expectations (the rule
//       of ../shared/golden/README.md). A folder with an index.json expands to
//       all its cases. Exit 0 iff nothing failed (unimplemented = skipped).
//   animate-probe build-info
//       Prints the LibTorch this binary runs on (version, CUDA, CPU kernels,
//       threads), one line.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/cpu/cpu_threads.h"
#include "model/device/build_info.h"
#include "model/io/safetensors_writer.h"
#include "model/tools/probe/component_registry.h"
#include "model/tools/probe/golden_case.h"
#include "model/tools/probe/golden_compare.h"

namespace {

namespace fs = std::filesystem;
using animate::probe::GoldenCase;

constexpr int kExitError = 1;
constexpr int kExitNotImplemented = 2;

int usage(const std::string& why) {
  std::cerr << "animate-probe: " << why << "\n"
            << "usage: animate-probe run CASE_DIR --out OUT.safetensors [--threads N]\n"
            << "       animate-probe check CASE_DIR|GOLDEN_DIR ... [--threads N]\n"
            << "       animate-probe build-info\n";
  return kExitError;
}

struct Arguments {
  std::string command;
  std::vector<std::string> paths;
  std::string out_path;
  int threads = 0;
};

// Returns an empty string on success, else what is wrong.
std::string parse(int argc, char** argv, Arguments* args) {
  if (argc < 2) return "missing command";
  args->command = argv[1];
  if (args->command == "build-info") return argc == 2 ? "" : "build-info takes no arguments";
  if (args->command != "run" && args->command != "check") {
    return "unknown command '" + args->command + "'";
  }
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--out" && i + 1 < argc) {
      args->out_path = argv[++i];
    } else if (arg == "--threads" && i + 1 < argc) {
      char* end = nullptr;
      const long value = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || value < 1 || value > 1024) return "--threads must be 1..1024";
      args->threads = static_cast<int>(value);
    } else if (!arg.empty() && arg[0] != '-') {
      args->paths.push_back(arg);
    } else {
      return "unexpected argument '" + arg + "'";
    }
  }
  if (args->paths.empty()) return "missing CASE_DIR";
  if (args->command == "run") {
    if (args->paths.size() != 1) return "'run' takes exactly one CASE_DIR";
    if (args->out_path.empty()) return "missing --out OUT.safetensors";
  }
  return "";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run_one(const Arguments& args) {
  try {
    const auto golden_case = GoldenCase::load(args.paths.front());
    const auto runner = animate::probe::find_runner(golden_case);
    const auto start = std::chrono::steady_clock::now();
    const auto outputs = runner(golden_case);
    const double seconds = seconds_since(start);
    animate::io::write_safetensors(args.out_path, outputs,
                                   {{"case", golden_case.name()}, {"producer", "animate-probe"}});
    std::cout << "animate-probe: " << golden_case.name() << " (" << golden_case.component()
              << "): " << outputs.size() << " outputs in " << seconds << " s -> " << args.out_path
              << "\n";
    return 0;
  } catch (const animate::probe::NotImplemented& e) {
    std::cerr << "animate-probe: not implemented: " << e.what() << "\n";
    return kExitNotImplemented;
  } catch (const std::exception& e) {
    std::cerr << "animate-probe: error: " << e.what() << "\n";
    return kExitError;
  }
}

std::vector<fs::path> expand_cases(const std::vector<std::string>& paths) {
  std::vector<fs::path> cases;
  for (const auto& path : paths) {
    const fs::path index = fs::path(path) / "index.json";
    if (fs::exists(index)) {
      std::ifstream in(index);
      const auto json = nlohmann::json::parse(in);
      for (const auto& entry : json.at("cases")) {
        cases.push_back(fs::path(path) / entry.at("name").get<std::string>());
      }
    } else {
      cases.emplace_back(path);
    }
  }
  return cases;
}

int check(const Arguments& args) {
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& dir : expand_cases(args.paths)) {
    std::cout << "== " << dir.filename().string() << "\n";
    try {
      const auto golden_case = GoldenCase::load(dir);
      const auto runner = animate::probe::find_runner(golden_case);
      const auto start = std::chrono::steady_clock::now();
      const auto outputs = runner(golden_case);
      const double seconds = seconds_since(start);
      const auto verdict = animate::probe::compare_outputs(golden_case, outputs);
      std::cout << animate::probe::format_verdict(verdict) << "(" << seconds << " s)\n";
      verdict.ok() ? ++passed : ++failed;
    } catch (const animate::probe::NotImplemented& e) {
      std::cout << "SKIP: " << e.what() << "\n";
      ++skipped;
    } catch (const std::exception& e) {
      std::cout << "FAIL: " << e.what() << "\n";
      ++failed;
    }
  }
  std::cout << "golden cases: " << passed << " passed, " << failed << " failed, " << skipped
            << " skipped (not implemented yet)\n";
  return failed == 0 ? 0 : kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  if (const auto error = parse(argc, argv, &args); !error.empty()) return usage(error);
  if (args.command == "build-info") {
    std::cout << animate::device::describe(animate::device::build_info()) << "\n";
    return 0;
  }
  if (args.threads > 0) animate::cpu::set_cpu_threads(args.threads);
  return args.command == "run" ? run_one(args) : check(args);
}
