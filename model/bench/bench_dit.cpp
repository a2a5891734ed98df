// bench_dit: milliseconds per Wan DiT forward and peak resident memory, on
// random weights (no checkpoint needed).
//
//   bench_dit [--config golden|mid|mid21|all] [--dtype f32|bf16|both] [--runs K]
//             [--threads N] [--rounds R] [--min-clean N] [--in-process]
//             [--attn-chunk N[,N...]] [--attn-kernel auto|tiled|fused] [--ffn-chunk N]
//             [--gemm] [--ops] [--check]
//             [--profile trace.json]
//
// Configs (I2V, 16 latent channels, 2 blocks):
//   golden  the tiny golden parity case (dim 96, 4 heads, 3x6x4 latent, 12 text tokens)
//   mid     dim 1536, 12 heads, ffn 8960, 5x30x52 latent (1950 tokens), 512x4096 text,
//           257x1280 CLIP tokens
//   mid21   as mid with 21 latent frames (8190 tokens, attention-heavy)
//
// By default every (config, dtype) runs in a child process of its own so that
// each reports its own peak RSS (VmHWM); children run in round-robin order
// (--rounds R times) so slow phases of a shared machine hit every variant
// alike, and the figures are medians. --in-process instead builds every
// variant in this process and interleaves single forwards (timing only).
// --gemm measures the raw matmul ceiling (f32 and bf16 at::mm at DiT shapes,
// against the row-split product of cpu/parallel_gemm.h),
// --ops the element-wise kernels at the mid config's shapes.
// Every timed run also reports how much CPU other processes took meanwhile;
// runs above 10% of the cores are left out of the medians ("clean" counts).
// --check prints the bf16 output's error against the f32 model (same weights).
//
// Threads: --threads N sets LibTorch's pool and OpenBLAS's pool (see
// animate::cpu::set_cpu_threads); the default is the number of cores. The
// DiT's products run on LibTorch's pool (cpu/parallel_gemm.h); the spin-wait
// of its OpenMP workers is set by the environment only (OMP_WAIT_POLICY,
// GOMP_SPINCOUNT), and children inherit it.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <sys/resource.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "model/cpu/cpu_threads.h"
#include "model/cpu/parallel_gemm.h"
#include "model/wan/dit.h"
#include "model/wan/dit_config.h"
#include "model/wan/dit_weights.h"

namespace {

using animate::wan::DitConfig;
using animate::wan::DitInputs;
using animate::wan::WanDiT;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double status_mib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == field) {
      double kib = 0;
      status >> kib;
      return kib / 1024.0;
    }
    status.ignore(1 << 12, '\n');
  }
  return -1.0;
}

// Peak resident set (VmHWM), falling back to getrusage where /proc is missing.
double peak_rss_mib() {
  const double hwm = status_mib("VmHWM:");
  if (hwm >= 0) return hwm;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string cpu_pressure() {
  std::ifstream in("/proc/pressure/cpu");
  std::string line;
  std::getline(in, line);
  return line.empty() ? "n/a" : line;
}

// CPU time other processes used while a measurement ran: /proc/stat's busy
// time minus this process's own (threads included), as a share of all cores.
// The machine is shared, so every timed run reports it and noisy runs can be
// told apart from slow code.
class Interference {
 public:
  Interference() : busy0_(system_busy()), own0_(own_cpu()), wall0_(Clock::now()) {}
  double percent() const {
    const double wall = std::chrono::duration<double>(Clock::now() - wall0_).count();
    const double others = (system_busy() - busy0_) - (own_cpu() - own0_);
    const double cores = static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN));
    return wall > 0 ? std::max(0.0, 100.0 * others / (wall * cores)) : 0.0;
  }

 private:
  static double system_busy() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    return (user + nice + system + irq + softirq + steal) /
           static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  static double own_cpu() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  }
  double busy0_, own0_;
  Clock::time_point wall0_;
};

// A run counts as clean when other processes used at most this share of the cores.
constexpr double kMaxOthers = 10.0;

struct BenchConfig {
  std::string name;
  DitConfig dit;
  std::int64_t frames, height, width;  // latent grid before patching
  std::int64_t text_tokens;
};

DitConfig base_config() {
  DitConfig c;
  c.model_type = "i2v";
  c.in_dim = 36;
  c.out_dim = 16;
  c.freq_dim = 256;
  c.num_layers = 2;
  c.clip_dim = 1280;
  c.clip_tokens = 257;
  return c;
}

std::vector<BenchConfig> all_configs() {
  DitConfig golden = base_config();  // /work/shared/golden/dit_forward/case.json
  golden.dim = 96;
  golden.ffn_dim = 192;
  golden.num_heads = 4;
  golden.text_dim = 64;
  DitConfig mid = base_config();
  mid.dim = 1536;
  mid.ffn_dim = 8960;
  mid.num_heads = 12;
  mid.text_dim = 4096;
  return {
      {"golden", golden, 3, 6, 4, 12},
      {"mid", mid, 5, 30, 52, 512},
      {"mid21", mid, 21, 30, 52, 512},
  };
}

BenchConfig find_config(const std::string& name) {
  for (const BenchConfig& c : all_configs()) {
    if (c.name == name) return c;
  }
  std::cerr << "unknown config '" << name << "' (golden, mid, mid21, all)\n";
  std::exit(1);
}

at::ScalarType parse_dtype(const std::string& s) {
  if (s == "f32" || s == "float32") return at::kFloat;
  if (s == "bf16" || s == "bfloat16") return at::kBFloat16;
  std::cerr << "unknown dtype '" << s << "' (f32, bf16, both)\n";
  std::exit(1);
}

const char* dtype_name(at::ScalarType t) {
  return t == at::kBFloat16 ? "bf16" : "f32";
}

DitInputs make_inputs(const BenchConfig& bc, std::uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const DitConfig& c = bc.dit;
  const std::int64_t tokens = bc.frames * (bc.height / 2) * (bc.width / 2);
  DitInputs in;
  in.latents = at::randn({1, c.out_dim, bc.frames, bc.height, bc.width}, gen);
  in.y = at::randn({1, c.in_dim - c.out_dim, bc.frames, bc.height, bc.width}, gen);
  in.timestep = at::full({1}, 731.0);
  in.text_context = at::randn({1, bc.text_tokens, c.text_dim}, gen) * 0.2;
  in.clip_feature = at::randn({1, c.clip_tokens, c.clip_dim}, gen);
  in.add_condition = at::randn({1, tokens, c.dim}, gen) * 0.5;
  return in;
}

// Multiply-adds x2 of one forward (matmuls only), for GFLOP/s figures.
double forward_gflop(const BenchConfig& bc) {
  const DitConfig& c = bc.dit;
  const double l = static_cast<double>(bc.frames * (bc.height / 2) * (bc.width / 2));
  const double d = static_cast<double>(c.dim), f = static_cast<double>(c.ffn_dim);
  const double txt = static_cast<double>(bc.text_tokens), img = static_cast<double>(c.clip_tokens);
  const double block = 2 * l * d * d * 4              // self q, k, v, o
                       + 2 * 2 * l * l * d            // self scores and values
                       + 2 * l * d * d * 2            // cross q, o
                       + 2 * (txt + img) * d * d * 2  // cross k, v (text and image)
                       + 2 * 2 * l * (txt + img) * d  // cross scores and values
                       + 2 * 2 * l * d * f;           // FFN
  const double embed = 2 * txt * (static_cast<double>(c.text_dim) + d) * d +
                       2 * img * (static_cast<double>(c.clip_dim) * (c.clip_dim + d)) +
                       2 * 7 * d * d + 2 * l * 36 * 4 * d;
  return (block * static_cast<double>(c.num_layers) + embed) * 1e-9;
}

struct Options {
  std::vector<std::string> configs{"golden", "mid", "mid21"};
  std::vector<at::ScalarType> dtypes{at::kFloat, at::kBFloat16};
  int runs = 3;
  int rounds = 1;
  int min_clean = 0;
  int threads = 0;
  std::int64_t attn_chunk = -1;
  std::vector<std::int64_t> attn_chunks;  // --in-process only: compare these
  std::int64_t ffn_chunk = -1;
  std::string attn_kernel;  // empty: the DiT's default (auto)
  bool child = false;
  bool in_process = false;
  bool gemm = false;
  bool ops = false;
  bool check = false;
  std::string profile;  // chrome-trace file of one forward (child only)
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << arg << "\n";
        std::exit(1);
      }
      return argv[++i];
    };
    if (arg == "--config") {
      const std::string v = value();
      o.configs = v == "all" ? std::vector<std::string>{"golden", "mid", "mid21"}
                             : std::vector<std::string>{v};
    } else if (arg == "--dtype") {
      const std::string v = value();
      o.dtypes = v == "both" ? std::vector<at::ScalarType>{at::kFloat, at::kBFloat16}
                             : std::vector<at::ScalarType>{parse_dtype(v)};
    } else if (arg == "--runs") {
      o.runs = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--rounds") {
      o.rounds = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--min-clean") {
      o.min_clean = std::atoi(value().c_str());
    } else if (arg == "--threads") {
      o.threads = std::atoi(value().c_str());
    } else if (arg == "--attn-chunk") {
      std::istringstream list(value());
      std::string item;
      while (std::getline(list, item, ',')) o.attn_chunks.push_back(std::atoll(item.c_str()));
      o.attn_chunk = o.attn_chunks.front();
      if (o.attn_chunks.size() == 1) o.attn_chunks.clear();
    } else if (arg == "--attn-kernel") {
      o.attn_kernel = value();
      animate::wan::parse_attention_kernel(o.attn_kernel);  // rejects unknown names
    } else if (arg == "--ffn-chunk") {
      o.ffn_chunk = std::atoll(value().c_str());
    } else if (arg == "--child") {
      o.child = true;
    } else if (arg == "--in-process") {
      o.in_process = true;
    } else if (arg == "--ops") {
      o.ops = true;
    } else if (arg == "--gemm") {
      o.gemm = true;
    } else if (arg == "--profile") {
      o.profile = value();
    } else if (arg == "--check") {
      o.check = true;
    } else {
      std::cerr << "unknown argument " << arg << "\n";
      std::exit(1);
    }
  }
  return o;
}

WanDiT build(const BenchConfig& bc, at::ScalarType dtype, const Options& o) {
  animate::wan::DitLoadOptions load;
  load.dtype = dtype;
  WanDiT dit(bc.dit, animate::wan::make_random_dit_weights(bc.dit, load, /*seed=*/1), load);
  if (o.attn_chunk >= 0) dit.set_attention_chunk(o.attn_chunk);
  if (o.ffn_chunk >= 0) dit.set_ffn_token_chunk(o.ffn_chunk);
  if (!o.attn_kernel.empty()) {
    dit.set_attention_kernel(animate::wan::parse_attention_kernel(o.attn_kernel));
  }
  return dit;
}

// ---- raw GEMM ceiling ----
void run_gemm(const Options& o) {
  struct Shape {
    const char* what;
    std::int64_t batch, m, k, n;
  };
  const std::vector<Shape> shapes = {
      {"q/k/v/o 1950x1536x1536", 1, 1950, 1536, 1536},
      {"ffn.0 1950x1536x8960", 1, 1950, 1536, 8960},
      {"ffn.2 1950x8960x1536", 1, 1950, 8960, 1536},
      {"scores/head 1950x128x1950", 1, 1950, 128, 1950},
      {"values/head 1950x1950x128", 1, 1950, 1950, 128},
      {"scores 12x(512x128x8190)", 12, 512, 128, 8190},
      {"values 12x(512x8190x128)", 12, 512, 8190, 128},
  };
  for (const Shape& s : shapes) {
    const bool batched = s.batch > 1;
    for (at::ScalarType dtype : o.dtypes) {
      const auto opts = at::TensorOptions().dtype(dtype);
      const std::int64_t b = s.batch;
      const at::Tensor a = at::randn({b, s.m, s.k}).to(opts);
      // Weights are stored [out, in] and used transposed, like at::linear.
      const at::Tensor w = at::randn({b, s.n, s.k}).to(opts).transpose(1, 2);
      const double gflop = 2.0 * static_cast<double>(b * s.m * s.k * s.n) * 1e-9;
      const auto measure = [&](const char* how, const std::function<at::Tensor()>& fn) {
        std::vector<double> times;
        const Interference probe;
        for (int r = 0; r < o.runs + 1; ++r) {
          const auto start = Clock::now();
          const at::Tensor c = fn();
          if (r > 0) times.push_back(ms_since(start));
        }
        const double ms = median(times);
        std::printf("gemm %-26s %-4s %-10s %9.2f ms  %7.1f GFLOP/s  (others %.0f%%)\n", s.what,
                    dtype_name(dtype), how, ms, gflop / (ms * 1e-3), probe.percent());
        std::fflush(stdout);
      };
      measure("at::mm", [&] { return batched ? at::bmm(a, w) : at::mm(a[0], w[0]); });
      if (!batched) {
        const at::Tensor weight = w[0].t().contiguous();  // [out, in] like a checkpoint
        const at::Tensor bias = at::randn({s.n}).to(opts);
        const at::Tensor x3 = a[0].unsqueeze(0);
        measure("linear", [&] { return at::linear(x3, weight, bias); });
        measure("lin-nobias", [&] { return at::linear(x3, weight); });
        at::Tensor out = at::empty({s.m, s.n}, opts);
        measure("addmm_out", [&] {
          out.copy_(bias.expand({s.m, s.n}));
          return at::addmm_out(out, out, a[0], weight.t());
        });
        // Row blocks on LibTorch's threads, single-threaded BLAS (what the DiT uses).
        measure("split-rows", [&] {
          animate::cpu::linear_out(out, a[0], weight, bias);
          return out;
        });
        // The same product as a 1x1 convolution through oneDNN: [M, K] row-major
        // is a channels-last [1, K, M, 1] image.
        const at::Tensor img = a[0].t().view({1, s.k, s.m, 1});
        const at::Tensor wt = w[0].t().contiguous().view({s.n, s.k, 1, 1});
        measure("mkldnn-conv", [&] {
          return at::mkldnn_convolution(img, wt, {}, {0, 0}, {1, 1}, {1, 1}, 1);
        });
      }
    }
  }
}

// ---- element-wise kernels at the mid config's shapes (where the non-GEMM time goes) ----
void run_ops(const Options& o) {
  const std::int64_t l = 1950, d = 1536, f = 8960;
  for (at::ScalarType dtype : o.dtypes) {
    const auto opts = at::TensorOptions().dtype(dtype);
    const at::Tensor x = at::randn({1, l, d}).to(opts);
    const at::Tensor hid = at::randn({1, l, f}).to(opts);
    const at::Tensor wd = at::randn({d}).to(opts);
    const at::Tensor xf = x.to(at::kFloat);
    at::Tensor scores = at::randn({1024, 8190}).to(opts);
    const auto measure = [&](const char* what, double elements, const std::function<void()>& fn) {
      std::vector<double> times;
      const Interference probe;
      for (int r = 0; r < o.runs + 1; ++r) {
        const auto start = Clock::now();
        fn();
        if (r > 0) times.push_back(ms_since(start));
      }
      const double ms = median(times);
      std::printf("op %-34s %-4s %8.2f ms  %6.2f ns/element  (others %.0f%%)\n", what,
                  dtype_name(dtype), ms, ms * 1e6 / elements, probe.percent());
      std::fflush(stdout);
    };
    const double xd = static_cast<double>(l * d), hd = static_cast<double>(l * f);
    measure("layer_norm [L,d]", xd, [&] { at::layer_norm(x, {d}, {}, {}, 1e-6); });
    measure("layer_norm affine [L,d]", xd, [&] { at::layer_norm(x, {d}, wd, wd, 1e-6); });
    measure("gelu_ tanh [L,ffn]", hd, [&] {
      at::Tensor h = hid.clone();
      at::gelu_(h, "tanh");
    });
    measure("clone [L,ffn]", hd, [&] { at::Tensor h = hid.clone(); });
    at::Tensor small = at::randn({256, f}).to(opts);
    measure("gelu_ tanh in-cache [256,ffn]", 256.0 * f, [&] { at::gelu_(small, "tanh"); });
    measure("gelu via sigmoid in-cache [256,ffn]", 256.0 * f, [&] {
      // x * sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3)) == the tanh form.
      constexpr double c = 0.7978845608028654;
      at::Tensor t = at::mul(small, small);
      t.mul_(2 * c * 0.044715).add_(2 * c).mul_(small);
      at::sigmoid_(t);
      small.mul_(t);
    });
    at::Tensor big = hid.clone();
    measure("gelu_ tanh no-alloc [L,ffn]", hd, [&] { at::gelu_(big, "tanh"); });
    measure("copy_ no-alloc [L,ffn]", hd, [&] { big.copy_(hid); });
    measure("mul_ scalar [L,d]", xd, [&] {
      at::Tensor h = x.clone();
      h.mul_(0.5);
    });
    measure("mul_ [d] bcast [L,d]", xd, [&] {
      at::Tensor h = x.clone();
      h.mul_(wd);
    });
    measure("addcmul_ [L,d]", xd, [&] {
      at::Tensor h = x.clone();
      h.addcmul_(wd, x);
    });
    measure("to f32 [L,d]", xd, [&] { x.to(at::kFloat); });
    measure("f32 to dtype [L,d]", xd, [&] { xf.to(dtype); });
    measure("vector_norm f32acc [L,d]", xd,
            [&] { at::linalg_vector_norm(x, 2, {-1}, true, at::kFloat); });
    measure("square.mean [L,d]", xd, [&] { x.square().mean(-1, true); });
    measure("softmax_out inplace [1024,8190]", 1024.0 * 8190,
            [&] { at::_softmax_out(scores, scores, -1, false); });
    measure("softmax [1024,8190]", 1024.0 * 8190, [&] { at::_softmax(scores, -1, false); });
  }
}

// ---- one (config, dtype) in this process: the child's job ----
void run_child(const Options& o) {
  const BenchConfig bc = find_config(o.configs.front());
  const at::ScalarType dtype = o.dtypes.front();
  const double base_mib = status_mib("VmRSS:");
  const WanDiT dit = build(bc, dtype, o);
  const DitInputs in = make_inputs(bc, 2);
  const double weights_mib = status_mib("VmRSS:") - base_mib;
  {
    const auto start = Clock::now();
    const at::Tensor out = dit.forward(in);  // warm-up: RoPE table, oneDNN primitives
    std::fprintf(stderr, "warm-up %.1f ms\n", ms_since(start));
  }
  if (!o.profile.empty()) {
    const torch::autograd::profiler::RecordProfile guard(o.profile);
    const at::Tensor out = dit.forward(in);
  }
  // Runs during which other processes took more than 10% of the cores are
  // reported but left out of the median (unless every run was disturbed).
  std::vector<double> times, clean, disturbed;
  std::ostringstream all;
  for (int r = 0; r < o.runs; ++r) {
    const Interference probe;
    const auto start = Clock::now();
    const at::Tensor out = dit.forward(in);
    const double ms = ms_since(start);
    const double others = probe.percent();
    times.push_back(ms);
    disturbed.push_back(others);
    if (others <= kMaxOthers) clean.push_back(ms);
    all << ' ' << static_cast<long>(ms + 0.5) << "(" << static_cast<int>(others + 0.5) << "%)";
  }
  for (std::size_t i = 0; i < times.size(); ++i)
    std::printf("RUN %.1f %.1f\n", times[i], disturbed[i]);
  const std::vector<double>& used = clean.empty() ? times : clean;
  std::printf("RESULT %s %s %.1f %.1f %.0f %.0f %zu/%zu%s\n", bc.name.c_str(), dtype_name(dtype),
              median(used), *std::min_element(times.begin(), times.end()), peak_rss_mib(),
              weights_mib, clean.size(), times.size(), all.str().c_str());
}

struct Variant {
  BenchConfig config;
  at::ScalarType dtype;
  std::vector<double> medians;
  std::vector<double> peaks;
  std::vector<double> clean_runs;  // every clean run of every round
  double weights_mib = 0;
};

std::string self_path() {
  std::vector<char> buf(4096);
  const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : "bench_dit";
}

struct PipeCloser {
  void operator()(FILE* f) const { pclose(f); }
};

void print_variant(const Variant& v, double ms, double peak, double weights, const char* tag) {
  const double gflop = forward_gflop(v.config);
  std::printf(
      "%-7s %-4s %-6s %10.1f ms/forward  %7.1f GFLOP/s  peak RSS %7.0f MiB (weights %.0f)\n",
      v.config.name.c_str(), dtype_name(v.dtype), tag, ms, gflop / (ms * 1e-3), peak, weights);
}

void run_children(const Options& o, std::vector<Variant>& variants) {
  const std::string exe = self_path();
  // Rounds go on (up to 3x --rounds) until every variant has --min-clean clean runs.
  const auto enough = [&] {
    return std::all_of(variants.begin(), variants.end(), [&](const Variant& v) {
      return static_cast<int>(v.clean_runs.size()) >= o.min_clean;
    });
  };
  for (int round = 0; round < 3 * o.rounds && (round < o.rounds || !enough()); ++round) {
    for (Variant& v : variants) {
      if (round >= o.rounds && static_cast<int>(v.clean_runs.size()) >= o.min_clean) continue;
      std::ostringstream cmd;
      cmd << exe << " --child --config " << v.config.name << " --dtype " << dtype_name(v.dtype)
          << " --runs " << o.runs << " --threads " << o.threads;
      if (o.attn_chunk >= 0) cmd << " --attn-chunk " << o.attn_chunk;
      if (o.ffn_chunk >= 0) cmd << " --ffn-chunk " << o.ffn_chunk;
      if (!o.attn_kernel.empty()) cmd << " --attn-kernel " << o.attn_kernel;
      cmd << " 2>/dev/null";
      const std::unique_ptr<FILE, PipeCloser> pipe(popen(cmd.str().c_str(), "r"));
      if (!pipe) {
        std::cerr << "cannot run " << cmd.str() << "\n";
        std::exit(1);
      }
      std::vector<char> line(4096);
      bool found = false;
      while (std::fgets(line.data(), static_cast<int>(line.size()), pipe.get()) != nullptr) {
        std::istringstream in(line.data());
        std::string tag, name, dtype, runs;
        double med = 0, best = 0, peak = 0, weights = 0;
        if (std::string(line.data()).rfind("RUN ", 0) == 0) {
          double ms = 0, others = 0;
          in >> tag >> ms >> others;
          if (others <= kMaxOthers) v.clean_runs.push_back(ms);
          continue;
        }
        if (in >> tag >> name >> dtype >> med >> best >> peak >> weights && tag == "RESULT") {
          std::getline(in, runs);
          v.medians.push_back(med);
          v.peaks.push_back(peak);
          v.weights_mib = weights;
          found = true;
          std::printf("  round %d: %-7s %-4s median %9.1f ms  peak %6.0f MiB  clean runs %s\n",
                      round + 1, name.c_str(), dtype.c_str(), med, peak, runs.c_str());
          std::fflush(stdout);
        }
      }
      if (!found)
        std::printf("  round %d: %s %s FAILED\n", round + 1, v.config.name.c_str(),
                    dtype_name(v.dtype));
    }
  }
  std::printf("\n");
  for (const Variant& v : variants) {
    // Median of all clean runs; of the rounds' medians when no run was clean.
    const bool clean = !v.clean_runs.empty();
    const std::string tag = clean ? std::to_string(v.clean_runs.size()) + " clean" : "NOISY";
    print_variant(v, clean ? median(v.clean_runs) : median(v.medians), median(v.peaks),
                  v.weights_mib, tag.c_str());
  }
}

void run_in_process(const Options& o, std::vector<Variant>& variants) {
  // Every variant (x every --attn-chunks value) gets its own model; single
  // forwards are interleaved so a slow phase of the machine hits all alike.
  struct Entry {
    const Variant* variant;
    std::int64_t attn_chunk;
    WanDiT model;
    DitInputs inputs;
    std::vector<double> clean, all;
  };
  std::vector<std::int64_t> chunks = o.attn_chunks;
  if (chunks.empty()) chunks.push_back(o.attn_chunk);
  std::vector<Entry> entries;
  for (const Variant& v : variants) {
    for (std::int64_t chunk : chunks) {
      Options per = o;
      per.attn_chunk = chunk;
      entries.push_back(
          Entry{&v, chunk, build(v.config, v.dtype, per), make_inputs(v.config, 2), {}, {}});
      const at::Tensor warm = entries.back().model.forward(entries.back().inputs);
    }
  }
  for (int r = 0; r < o.runs * o.rounds; ++r) {
    for (Entry& e : entries) {
      const Interference probe;
      const auto start = Clock::now();
      const at::Tensor out = e.model.forward(e.inputs);
      const double ms = ms_since(start);
      e.all.push_back(ms);
      if (probe.percent() <= kMaxOthers) e.clean.push_back(ms);
    }
  }
  for (const Entry& e : entries) {
    const std::string tag = "chunk=" + std::to_string(e.attn_chunk) + " " +
                            std::to_string(e.clean.size()) + "/" + std::to_string(e.all.size()) +
                            " clean";
    print_variant(*e.variant, median(e.clean.empty() ? e.all : e.clean), peak_rss_mib(), 0,
                  tag.c_str());
  }
}

// Error of the bf16 forward against the f32 forward of the same weights.
void run_check(const Options& o) {
  for (const std::string& name : o.configs) {
    const BenchConfig bc = find_config(name);
    const DitInputs in = make_inputs(bc, 2);
    const at::Tensor ref = build(bc, at::kFloat, o).forward(in);
    const at::Tensor got = build(bc, at::kBFloat16, o).forward(in).to(at::kFloat);
    const double rms = ref.pow(2).mean().sqrt().item<double>();
    const double err = (got - ref).pow(2).mean().sqrt().item<double>();
    const double max_err = (got - ref).abs().max().item<double>();
    std::printf("check %-7s bf16 vs f32: rms(ref) %.4f  rms err %.5f (%.3f%%)  max err %.4f\n",
                name.c_str(), rms, err, 100.0 * err / rms, max_err);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  if (o.threads <= 0) o.threads = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  const animate::cpu::CpuThreads threads = animate::cpu::set_cpu_threads(o.threads);
  if (o.child || !o.profile.empty()) {
    run_child(o);
    return 0;
  }
  std::printf("bench_dit: %d LibTorch threads, BLAS: %s\n", threads.torch, threads.blas.c_str());
  std::printf("cpu pressure: %s\n", cpu_pressure().c_str());
  // Read by libgomp / OpenBLAS at load time, so only the environment sets them.
  for (const char* name : {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS",
                           "OPENBLAS_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT"}) {
    const char* value = std::getenv(name);
    std::printf("env %s=%s\n", name, value != nullptr ? value : "(unset)");
  }
  if (o.ops) {
    run_ops(o);
    return 0;
  }
  if (o.gemm) {
    run_gemm(o);
    return 0;
  }
  if (o.check) {
    run_check(o);
    return 0;
  }
  std::vector<Variant> variants;
  for (const std::string& name : o.configs) {
    for (at::ScalarType dtype : o.dtypes)
      variants.push_back(Variant{find_config(name), dtype, {}, {}, {}, 0.0});
  }
  if (o.in_process) {
    run_in_process(o, variants);
  } else {
    run_children(o, variants);
  }
  std::printf("cpu pressure: %s\n", cpu_pressure().c_str());
  return 0;
}
