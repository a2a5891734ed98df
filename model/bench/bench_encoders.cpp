// bench_encoders: wall time and peak RSS of the text encoder (umT5) and the
// image encoder (CLIP ViT incl. the reference preprocessing) with random
// weights at reduced width (the released sizes need 11 GB / 2.5 GB of
// weights). Prints one line per measurement.
//
//   bench_encoders [--threads N] [--repeats N]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "model/cpu/cpu_threads.h"
#include "model/io/checkpoint_view.h"
#include "model/io/tensor_source.h"
#include "model/wan/clip_preprocess.h"
#include "model/wan/clip_vision.h"
#include "model/wan/t5_encoder.h"

namespace {

using animate::io::CheckpointView;
using Tensors = std::map<std::string, at::Tensor>;

class MemorySource final : public animate::io::TensorSource {
 public:
  explicit MemorySource(Tensors tensors) : tensors_(std::move(tensors)) {}
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& entry : tensors_) out.push_back(entry.first);
    return out;
  }
  bool contains(const std::string& name) const override { return tensors_.count(name) != 0; }
  at::Tensor tensor(const std::string& name) const override { return tensors_.at(name); }
  std::string origin() const override { return "random weights"; }

 private:
  Tensors tensors_;
};

CheckpointView view_of(Tensors tensors) {
  return CheckpointView({std::make_shared<MemorySource>(std::move(tensors))});
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

// Median-free but warm: one untimed run, then the mean of `repeats`.
double time_ms(int repeats, const std::function<void()>& run) {
  run();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) run();
  const std::chrono::duration<double, std::milli> elapsed =
      std::chrono::steady_clock::now() - start;
  return elapsed.count() / repeats;
}

void report(const std::string& what, double ms) {
  std::cout << std::left << std::setw(66) << what << std::right << std::fixed
            << std::setprecision(1) << std::setw(10) << ms << " ms   peak RSS " << std::setw(8)
            << peak_rss_mib() << " MiB\n";
}

// umT5 layout at 1/8 width and 1/6 depth (umT5-XXL: 4096 / 10240 / 64 heads / 24 layers).
Tensors t5_weights(std::int64_t vocab, std::int64_t dim, std::int64_t ffn, std::int64_t heads,
                   std::int64_t layers) {
  Tensors w;
  w["token_embedding.weight"] = at::randn({vocab, dim}).to(at::kBFloat16);
  for (std::int64_t i = 0; i < layers; ++i) {
    const std::string p = "blocks." + std::to_string(i) + ".";
    w[p + "norm1.weight"] = at::ones({dim}, at::kBFloat16);
    w[p + "norm2.weight"] = at::ones({dim}, at::kBFloat16);
    for (const char* name : {"q", "k", "v", "o"}) {
      w[p + "attn." + name + ".weight"] = (at::randn({dim, dim}) * 0.02).to(at::kBFloat16);
    }
    w[p + "ffn.gate.0.weight"] = (at::randn({ffn, dim}) * 0.02).to(at::kBFloat16);
    w[p + "ffn.fc1.weight"] = (at::randn({ffn, dim}) * 0.02).to(at::kBFloat16);
    w[p + "ffn.fc2.weight"] = (at::randn({dim, ffn}) * 0.02).to(at::kBFloat16);
    w[p + "pos_embedding.embedding.weight"] = at::randn({32, heads}).to(at::kBFloat16);
  }
  w["norm.weight"] = at::ones({dim}, at::kBFloat16);
  return w;
}

// ViT-H/14 layout at 1/4 width and 1/4 depth (released: 1280 / 5120 / 32 blocks).
Tensors clip_weights(std::int64_t width, std::int64_t layers) {
  Tensors w;
  w["patch_embedding.weight"] = at::randn({width, 3, 14, 14}) * 0.02;
  w["cls_embedding"] = at::randn({1, 1, width});
  w["pos_embedding"] = at::randn({1, 257, width});
  w["pre_norm.weight"] = at::ones({width});
  w["pre_norm.bias"] = at::zeros({width});
  for (std::int64_t i = 0; i < layers; ++i) {
    const std::string p = "transformer." + std::to_string(i) + ".";
    for (const char* norm : {"norm1", "norm2"}) {
      w[p + norm + ".weight"] = at::ones({width});
      w[p + norm + ".bias"] = at::zeros({width});
    }
    w[p + "attn.to_qkv.weight"] = at::randn({3 * width, width}) * 0.02;
    w[p + "attn.to_qkv.bias"] = at::zeros({3 * width});
    w[p + "attn.proj.weight"] = at::randn({width, width}) * 0.02;
    w[p + "attn.proj.bias"] = at::zeros({width});
    w[p + "mlp.0.weight"] = at::randn({4 * width, width}) * 0.02;
    w[p + "mlp.0.bias"] = at::zeros({4 * width});
    w[p + "mlp.2.weight"] = at::randn({width, 4 * width}) * 0.02;
    w[p + "mlp.2.bias"] = at::zeros({width});
  }
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--threads") animate::cpu::set_cpu_threads(std::atoi(argv[i + 1]));
    if (arg == "--repeats") repeats = std::max(1, std::atoi(argv[i + 1]));
  }
  std::cout << "bench_encoders: " << at::get_num_threads() << " threads, " << repeats
            << " timed runs each (after one warm-up)\n";
  report("start", 0.0);

  {
    const std::int64_t dim = 512, ffn = 1280, heads = 8, layers = 4, vocab = 32000;
    const CheckpointView weights = view_of(t5_weights(vocab, dim, ffn, heads, layers));
    const auto config = animate::wan::T5EncoderConfig::infer(weights);
    const std::string shape = "umT5 dim " + std::to_string(dim) + " ffn " + std::to_string(ffn) +
                              " x" + std::to_string(layers);
    at::Tensor ids = at::zeros({1, 512}, at::kLong);
    at::Tensor mask = at::zeros({1, 512}, at::kLong);
    ids.slice(1, 0, 40).copy_(at::randint(3, vocab, {1, 40}, at::kLong));
    mask.slice(1, 0, 40).fill_(1);
    for (auto dtype : {at::kFloat, at::kBFloat16}) {
      const auto encoder = animate::wan::T5Encoder::load(weights, config, {dtype});
      const std::string name = shape + (dtype == at::kFloat ? " fp32" : " bf16");
      report(name + ": forward, 512 tokens", time_ms(repeats, [&] { encoder.forward(ids, mask); }));
      report(name + ": encode_context, 40 of 512",
             time_ms(repeats, [&] { encoder.encode_context(ids, mask); }));
    }
  }
  {
    const std::int64_t width = 320, layers = 8;
    const CheckpointView visual = view_of(clip_weights(width, layers));
    const auto encoder = animate::wan::ClipVisionEncoder::load(
        visual, animate::wan::ClipVisionConfig::infer(visual, 4));
    const at::Tensor reference = at::randint(0, 256, {1024, 768, 3}, at::TensorOptions(at::kByte));
    animate::wan::ReferenceImageInputs inputs;
    report("reference image 768x1024 -> 480x832 (PIL bicubic) -> CLIP input", time_ms(repeats, [&] {
             inputs = animate::wan::prepare_reference_image(reference, 480, 832);
           }));
    report("CLIP ViT width " + std::to_string(width) + " x" + std::to_string(layers - 1) +
               " blocks fp32, 257 tokens",
           time_ms(repeats, [&] { encoder.forward(inputs.clip_input); }));
  }
  return 0;
}
