// Wan VAE benchmark on random weights: wall time and peak resident memory of
// encode, untiled streamed decode and tiled (time-major) decode.
//
//   bench_vae [--dim 32] [--frames 5] [--height 480] [--width 832] [--threads N]
//             [--skip-encode] [--skip-tiled]
//
// The real VAE has dim 96 (about 9x the conv work of dim 32).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "model/tests/test_vae_support.h"
#include "model/wan/vae.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Resets the kernel's peak-RSS mark (Linux >= 4.0), so each phase reports its own peak.
void reset_peak_rss() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
}

// VmHWM (peak resident set since the last reset) in MiB.
double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kib = 0;
      status >> kib;
      return kib / 1024.0;
    }
    status.ignore(1 << 12, '\n');
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

double rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      status >> kib;
      return kib / 1024.0;
    }
    status.ignore(1 << 12, '\n');
  }
  return 0.0;
}

struct Options {
  std::int64_t dim = 32;
  std::int64_t frames = 5;
  std::int64_t height = 480;
  std::int64_t width = 832;
  int threads = 0;
  bool encode = true;
  bool tiled = true;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> long {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << arg << "\n";
        std::exit(1);
      }
      return std::strtol(argv[++i], nullptr, 10);
    };
    if (arg == "--dim")
      o.dim = value();
    else if (arg == "--frames")
      o.frames = value();
    else if (arg == "--height")
      o.height = value();
    else if (arg == "--width")
      o.width = value();
    else if (arg == "--threads")
      o.threads = static_cast<int>(value());
    else if (arg == "--skip-encode")
      o.encode = false;
    else if (arg == "--skip-tiled")
      o.tiled = false;
    else {
      std::cerr << "unknown argument " << arg << "\n";
      std::exit(1);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (o.threads > 0) at::set_num_threads(o.threads);
  using namespace animate::wan;
  const VaeConfig config = testing::tiny_vae_config(o.dim);
  const WanVae vae(config, testing::random_vae_weights(config, 0));
  const std::int64_t latent_frames = 1 + (o.frames - 1) / 4;
  std::printf(
      "Wan VAE bench: dim=%ld, %ld frames %ldx%ld (latent %ldx%ldx%ld), %d threads, "
      "baseline RSS %.0f MiB\n",
      static_cast<long>(o.dim), static_cast<long>(o.frames), static_cast<long>(o.height),
      static_cast<long>(o.width), static_cast<long>(latent_frames), static_cast<long>(o.height / 8),
      static_cast<long>(o.width / 8), at::get_num_threads(), rss_mib());

  at::manual_seed(0);
  at::Tensor latents = at::randn({1, 16, latent_frames, o.height / 8, o.width / 8});
  if (o.encode) {
    const at::Tensor video = at::rand({1, 3, o.frames, o.height, o.width}) * 2 - 1;
    reset_peak_rss();
    const auto start = Clock::now();
    latents = vae.encode(video);
    std::printf("encode            %9.1f ms  peak RSS %7.0f MiB\n", seconds_since(start) * 1e3,
                peak_rss_mib());
  }

  const auto decode = [&](const char* label, const VaeDecodeOptions& options) {
    reset_peak_rss();
    double first_chunk_ms = -1.0;
    std::int64_t frames_out = 0;
    const auto start = Clock::now();
    vae.decode(
        latents,
        [&](const at::Tensor& frames, std::int64_t) {
          if (first_chunk_ms < 0) first_chunk_ms = seconds_since(start) * 1e3;
          frames_out += frames.size(2);
        },
        options);
    const double total_ms = seconds_since(start) * 1e3;
    std::printf(
        "%-17s %9.1f ms  peak RSS %7.0f MiB  (%ld frames, first frame after %.1f ms, "
        "cache %.0f MiB)\n",
        label, total_ms, peak_rss_mib(), static_cast<long>(frames_out), first_chunk_ms,
        static_cast<double>(vae.decode_cache_bytes(o.height / 8, o.width / 8, options.tiling)) /
            (1 << 20));
  };
  decode("decode (stream)", VaeDecodeOptions{});
  if (o.tiled) {
    VaeDecodeOptions tiled;
    tiled.tiling = VaeTiling{};  // the pipeline's (30, 52) / (15, 26)
    decode("decode tiled", tiled);
  }
  return 0;
}
