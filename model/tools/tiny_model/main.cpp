// animate-tiny-model: writes a complete UniAnimate-DiT model with tiny random
// weights in the official folder layout (for tests, demos and smoke runs of
// the worker without the 40 GB release).
#include <cstdint>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "model/tools/tiny_model/tiny_model.h"

namespace {

int usage(const char* argv0) {
  std::cerr << "usage: " << argv0 << " --out DIR [--seed N]\n"
            << "Writes DIR/Wan2.1-I2V-14B-720P/ and DIR/checkpoints/ with random tiny weights.\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out;
  std::uint64_t seed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (arg == "--seed" && i + 1 < argc) {
      try {
        seed = std::stoull(argv[++i]);
      } catch (const std::exception&) {
        std::cerr << "--seed needs a non-negative integer, got '" << argv[i] << "'\n";
        return 2;
      }
    } else if (arg == "-h" || arg == "--help") {
      usage(argv[0]);
      return 0;
    } else {
      return usage(argv[0]);
    }
  }
  if (out.empty()) return usage(argv[0]);
  try {
    animate::tiny_model::write_tiny_model(out, seed);
  } catch (const std::exception& e) {
    std::cerr << "animate-tiny-model: " << e.what() << "\n";
    return 1;
  }
  std::cout << "tiny UniAnimate-DiT model (seed " << seed << ") written to " << out << "\n";
  return 0;
}
