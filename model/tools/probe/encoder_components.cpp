// Probe runners of the encoder cases: clip_vision and clip_preprocess
// (component "clip_vision"), t5_tokenizer ("tokenizer") and t5_encoder ("t5").
// Everything is derived from case.json (config, params, strings, weights) and
// the case inputs; expected values are never read.
#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/io/error.h"
#include "model/io/open_checkpoint.h"
#include "model/tools/probe/component_registry.h"
#include "model/wan/clip_preprocess.h"
#include "model/wan/clip_vision.h"
#include "model/wan/t5_config.h"
#include "model/wan/t5_encoder.h"
#include "model/wan/tokenizer.h"

namespace animate::probe {
namespace {

using nlohmann::json;

// The file of the first entry in case.json "weights" with this format.
std::filesystem::path weight_file(const GoldenCase& golden_case, const std::string& format) {
  for (const auto& weight : golden_case.json().at("weights")) {
    if (weight.value("format", "") == format) {
      return golden_case.weight_path(weight.at("file").get<std::string>());
    }
  }
  throw io::ContentError(io::describe((golden_case.dir() / "case.json").string(),
                                      "no weight file of format '" + format + "'"));
}

// Fails when the case's declared value contradicts what the weights say.
void require_equal(const GoldenCase& golden_case, const char* field, std::int64_t declared,
                   std::int64_t found) {
  if (declared != found) {
    throw io::ContentError(io::describe((golden_case.dir() / "case.json").string(),
                                        std::string("config.") + field + " = " +
                                            std::to_string(declared) + " but the weights imply " +
                                            std::to_string(found)));
  }
}

bool wants_output(const GoldenCase& golden_case, const std::string& name) {
  return golden_case.json().at("outputs").contains(name);
}

// ---- CLIP ----

wan::ClipVisionEncoder load_clip(const GoldenCase& golden_case) {
  const json& config = golden_case.config();
  if (!config.value("use_31_block", true)) {
    throw NotImplemented("clip_vision with use_31_block = false (full tower + head)");
  }
  const io::CheckpointView visual =
      wan::clip_visual_weights(weight_file(golden_case, "torch-zip-pickle").string());
  wan::ClipVisionConfig clip = wan::ClipVisionConfig::infer(
      visual, config.value("vision_heads", wan::ClipVisionConfig::vit_h_14().heads));
  clip.eps = config.value("norm_eps", clip.eps);
  if (config.contains("vision_dim")) {
    require_equal(golden_case, "vision_dim", config.at("vision_dim").get<std::int64_t>(),
                  clip.width);
  }
  if (config.contains("vision_layers")) {
    require_equal(golden_case, "vision_layers", config.at("vision_layers").get<std::int64_t>(),
                  clip.layers);
  }
  if (config.contains("patch_size")) {
    require_equal(golden_case, "patch_size", config.at("patch_size").get<std::int64_t>(),
                  clip.patch_size);
  }
  if (config.contains("image_size")) {
    require_equal(golden_case, "image_size", config.at("image_size").get<std::int64_t>(),
                  clip.image_size);
  }
  if (config.contains("vision_mlp_ratio")) {
    const double ratio = config.at("vision_mlp_ratio").get<double>();
    require_equal(golden_case, "vision_mlp_ratio * vision_dim",
                  static_cast<std::int64_t>(ratio * static_cast<double>(clip.width)), clip.mlp_dim);
  }
  return wan::ClipVisionEncoder::load(visual, clip);
}

io::NamedTensors run_clip_on_pixels(const GoldenCase& golden_case) {
  const wan::ClipVisionEncoder encoder = load_clip(golden_case);
  wan::ClipVisionTrace trace;
  io::NamedTensors out;
  out.emplace_back("clip_feature", encoder.forward(golden_case.input("pixels"), &trace));
  if (wants_output(golden_case, "embed")) out.emplace_back("embed", trace.embed);
  for (std::size_t i = 0; i < trace.blocks.size(); ++i) {
    const std::string name = "block_" + std::to_string(i) + "_out";
    if (wants_output(golden_case, name)) out.emplace_back(name, trace.blocks[i]);
  }
  return out;
}

io::NamedTensors run_clip_preprocess(const GoldenCase& golden_case) {
  const json& params = golden_case.params();
  wan::ClipNormalization normalization;
  if (params.contains("clip_mean")) {
    normalization.mean = params.at("clip_mean").get<std::array<double, 3>>();
  }
  if (params.contains("clip_std")) {
    normalization.std = params.at("clip_std").get<std::array<double, 3>>();
  }
  const wan::ClipVisionEncoder encoder = load_clip(golden_case);
  normalization.image_size = encoder.config().image_size;
  const wan::ReferenceImageInputs inputs = wan::prepare_reference_image(
      golden_case.input("raw_image"), params.at("video_width").get<std::int64_t>(),
      params.at("video_height").get<std::int64_t>(), normalization);
  io::NamedTensors out;
  out.emplace_back("resized", inputs.resized);
  out.emplace_back("image", inputs.image);
  out.emplace_back("clip_input", inputs.clip_input);
  out.emplace_back("clip_feature", encoder.forward(inputs.clip_input));
  return out;
}

// ---- umT5 ----

wan::UmT5Tokenizer load_tokenizer(const GoldenCase& golden_case, std::int64_t text_len) {
  return wan::UmT5Tokenizer::load(weight_file(golden_case, "sentencepiece"), text_len);
}

void check_tokenizer_config(const GoldenCase& golden_case, const wan::UmT5Tokenizer& tokenizer) {
  const json& config = golden_case.config();
  if (config.contains("eos_id")) {
    require_equal(golden_case, "eos_id", config.at("eos_id").get<std::int64_t>(),
                  tokenizer.eos_id());
  }
  if (config.contains("pad_id")) {
    require_equal(golden_case, "pad_id", config.at("pad_id").get<std::int64_t>(),
                  tokenizer.pad_id());
  }
}

wan::T5EncoderConfig load_t5_config(const GoldenCase& golden_case,
                                    const io::CheckpointView& weights) {
  const json& config = golden_case.config();
  wan::T5EncoderConfig t5 = wan::T5EncoderConfig::infer(weights);
  t5.eps = config.value("eps", t5.eps);
  auto check = [&](const char* field, std::int64_t found) {
    if (config.contains(field)) {
      require_equal(golden_case, field, config.at(field).get<std::int64_t>(), found);
    }
  };
  check("vocab", t5.vocab);
  check("dim", t5.dim);
  check("dim_attn", t5.dim_attn);
  check("dim_ffn", t5.dim_ffn);
  check("num_heads", t5.num_heads);
  check("num_layers", t5.num_layers);
  check("num_buckets", t5.num_buckets);
  if (config.contains("shared_pos")) {
    require_equal(golden_case, "shared_pos", config.at("shared_pos").get<bool>(), t5.shared_pos);
  }
  return t5;
}

}  // namespace

io::NamedTensors run_clip_vision(const GoldenCase& golden_case) {
  if (golden_case.has_input("raw_image")) return run_clip_preprocess(golden_case);
  if (golden_case.has_input("pixels")) return run_clip_on_pixels(golden_case);
  throw io::ContentError(io::describe((golden_case.dir() / "io.safetensors").string(),
                                      "clip case without 'raw_image' or 'pixels' input"));
}

io::NamedTensors run_tokenizer(const GoldenCase& golden_case) {
  const json& config = golden_case.config();
  const wan::UmT5Tokenizer tokenizer =
      load_tokenizer(golden_case, config.value("text_len", wan::UmT5Tokenizer::kDefaultTextLength));
  check_tokenizer_config(golden_case, tokenizer);
  const auto prompts =
      golden_case.json().at("strings").at("prompts").get<std::vector<std::string>>();
  const wan::TokenizedPrompts tokens = tokenizer(prompts);
  return {{"ids", tokens.ids}, {"mask", tokens.mask}, {"seq_lens", tokens.seq_lens}};
}

io::NamedTensors run_t5(const GoldenCase& golden_case) {
  const io::CheckpointView weights(
      {io::open_checkpoint(weight_file(golden_case, "torch-zip-pickle").string())});
  const wan::T5EncoderConfig config = load_t5_config(golden_case, weights);
  // float32 compute from the stored bfloat16 values, as the goldens were made.
  const wan::T5Encoder encoder = wan::T5Encoder::load(weights, config, {at::kFloat});
  const at::Tensor ids = golden_case.input("ids");
  const at::Tensor mask = golden_case.input("mask");
  return {{"hidden", encoder.forward(ids, mask)}, {"context", encoder.encode_context(ids, mask)}};
}

}  // namespace animate::probe
