// LoRA merging: layouts, the UniAnimate target list, validation and the merge.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "model/io/error.h"
#include "model/tests/test_dit_support.h"
#include "model/unianimate/lora.h"

namespace animate {
namespace {

using testing::MemorySource;
using testing::random_dit_weights;
using testing::tiny_config;

template <typename E, typename Fn>
void expect_error(Fn&& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "no exception thrown";
  } catch (const E& e) {
    const std::string what = e.what();
    for (const auto& part : parts) EXPECT_NE(what.find(part), std::string::npos) << what;
  }
}

class LoraTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = tiny_config();
    base_ = random_dit_weights(config_, 11);
  }
  wan::WanDiT load() {
    MemorySource source(base_);
    return wan::WanDiT::load(source, config_);
  }
  // A UniAnimate-style checkpoint: every target, rank 4, plus pose-net tensors.
  std::map<std::string, at::Tensor> unianimate_checkpoint() {
    std::map<std::string, at::Tensor> ckpt;
    for (const auto& target : unianimate::unianimate_lora_targets(config_)) {
      const std::string module = target.substr(0, target.size() - 7);
      const auto& w = base_.at(target);
      ckpt["pipe.dit." + module + ".lora_A.default.weight"] = at::randn({4, w.size(1)}) * 0.1;
      ckpt["pipe.dit." + module + ".lora_B.default.weight"] = at::randn({w.size(0), 4}) * 0.1;
    }
    ckpt["dwpose_embedding.0.weight"] = at::randn({16, 3, 3, 3, 3});
    ckpt["randomref_embedding_pose.0.bias"] = at::randn({16});
    return ckpt;
  }
  wan::DitConfig config_;
  std::map<std::string, at::Tensor> base_;
};

TEST_F(LoraTest, UniAnimateTargetsAreTenPerBlock) {
  const auto targets = unianimate::unianimate_lora_targets(config_);
  ASSERT_EQ(targets.size(), 20u);
  EXPECT_EQ(targets.front(), "blocks.0.self_attn.q.weight");
  EXPECT_EQ(targets[9], "blocks.0.ffn.2.weight");
}

TEST_F(LoraTest, MergesUniAnimateCheckpoint) {
  auto dit = load();
  const auto ckpt = unianimate_checkpoint();
  MemorySource source(ckpt);
  EXPECT_EQ(unianimate::merge_unianimate_lora(dit, source), 20u);
  const auto& a = ckpt.at("pipe.dit.blocks.1.ffn.0.lora_A.default.weight");
  const auto& b = ckpt.at("pipe.dit.blocks.1.ffn.0.lora_B.default.weight");
  const at::Tensor expected = base_.at("blocks.1.ffn.0.weight") + at::mm(b, a);
  EXPECT_TRUE(at::allclose(dit.parameter("blocks.1.ffn.0.weight"), expected, 1e-6, 1e-6));
  // Not a target: unchanged, and the base tensor itself was never written.
  EXPECT_TRUE(at::equal(dit.parameter("blocks.0.cross_attn.k_img.weight"),
                        base_.at("blocks.0.cross_attn.k_img.weight")));
  EXPECT_FALSE(
      at::equal(dit.parameter("blocks.1.ffn.0.weight"), base_.at("blocks.1.ffn.0.weight")));
}

TEST_F(LoraTest, MissingTargetsAreListed) {
  auto dit = load();
  auto ckpt = unianimate_checkpoint();
  ckpt.erase("pipe.dit.blocks.1.cross_attn.v.lora_A.default.weight");
  ckpt.erase("pipe.dit.blocks.1.cross_attn.v.lora_B.default.weight");
  ckpt.erase("pipe.dit.blocks.0.ffn.2.lora_A.default.weight");
  ckpt.erase("pipe.dit.blocks.0.ffn.2.lora_B.default.weight");
  MemorySource source(ckpt);
  const at::Tensor before = dit.parameter("blocks.0.self_attn.q.weight").clone();
  expect_error<io::ContentError>(
      [&] { unianimate::merge_unianimate_lora(dit, source); },
      {"lacks 2 of 20", "blocks.1.cross_attn.v.weight", "blocks.0.ffn.2.weight"});
  EXPECT_TRUE(at::equal(dit.parameter("blocks.0.self_attn.q.weight"), before));  // untouched
}

TEST_F(LoraTest, ShapeMismatchNamesBothShapes) {
  auto dit = load();
  auto ckpt = unianimate_checkpoint();
  ckpt["pipe.dit.blocks.0.self_attn.k.lora_A.default.weight"] = at::randn({4, 40});
  MemorySource source(ckpt);
  expect_error<io::ContentError>([&] { unianimate::merge_unianimate_lora(dit, source); },
                                 {"blocks.0.self_attn.k", "[4, 40]", "[48, 48]"});
}

TEST_F(LoraTest, UnpairedAndUnknownModulesFail) {
  const auto modules = [&] {
    auto dit = load();
    return unianimate::dit_linear_modules(dit);
  }();
  MemorySource unpaired({{"blocks.0.self_attn.q.lora_A.weight", at::randn({2, 48})}});
  expect_error<io::ContentError>([&] { unianimate::collect_lora_pairs(unpaired, modules); },
                                 {"partner", "blocks.0.self_attn.q.lora_A.weight"});
  MemorySource unknown({{"blocks.0.self_attn.zz.lora_A.weight", at::randn({2, 48})},
                        {"blocks.0.self_attn.zz.lora_B.weight", at::randn({48, 2})}});
  expect_error<io::ContentError>([&] { unianimate::collect_lora_pairs(unknown, modules); },
                                 {"match no DiT", "blocks.0.self_attn.zz"});
  MemorySource two_adapters({{"blocks.0.ffn.0.lora_A.a.weight", at::randn({2, 48})},
                             {"blocks.0.ffn.0.lora_B.a.weight", at::randn({96, 2})},
                             {"blocks.0.ffn.2.lora_A.b.weight", at::randn({2, 96})},
                             {"blocks.0.ffn.2.lora_B.b.weight", at::randn({48, 2})}});
  expect_error<io::ContentError>([&] { unianimate::collect_lora_pairs(two_adapters, modules); },
                                 {"several adapters"});
}

TEST_F(LoraTest, KohyaLayoutUsesAlphaOverRank) {
  auto dit = load();
  const at::Tensor down = at::randn({2, 48}), up = at::randn({48, 2});
  MemorySource kohya({{"lora_unet_blocks_1_self_attn_o.lora_down.weight", down},
                      {"lora_unet_blocks_1_self_attn_o.lora_up.weight", up},
                      {"lora_unet_blocks_1_self_attn_o.alpha", at::full({}, 1.0)}});
  unianimate::LoraCollectOptions options;
  options.multiplier = 0.5;
  const auto pairs =
      unianimate::collect_lora_pairs(kohya, unianimate::dit_linear_modules(dit), options);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].target, "blocks.1.self_attn.o.weight");
  EXPECT_DOUBLE_EQ(pairs[0].scale, 0.5 * 1.0 / 2.0);
  unianimate::merge_lora(dit, pairs);
  const at::Tensor expected = base_.at("blocks.1.self_attn.o.weight") + 0.25 * at::mm(up, down);
  EXPECT_TRUE(at::allclose(dit.parameter("blocks.1.self_attn.o.weight"), expected, 1e-6, 1e-6));
}

TEST_F(LoraTest, ComfyAndDiffusersNamesResolve) {
  auto dit = load();
  const auto modules = unianimate::dit_linear_modules(dit);
  MemorySource comfy({{"diffusion_model.blocks.0.cross_attn.q.lora_A.weight", at::randn({3, 48})},
                      {"diffusion_model.blocks.0.cross_attn.q.lora_B.weight", at::randn({48, 3})},
                      {"transformer.blocks.1.attn1.to_out.0.lora_A.weight", at::randn({3, 48})},
                      {"transformer.blocks.1.attn1.to_out.0.lora_B.weight", at::randn({48, 3})},
                      {"transformer.blocks.1.attn2.add_k_proj.lora_A.weight", at::randn({3, 48})},
                      {"transformer.blocks.1.attn2.add_k_proj.lora_B.weight", at::randn({48, 3})},
                      {"transformer.blocks.0.ffn.net.0.proj.lora_A.weight", at::randn({3, 48})},
                      {"transformer.blocks.0.ffn.net.0.proj.lora_B.weight", at::randn({96, 3})}});
  const auto pairs = unianimate::collect_lora_pairs(comfy, modules);
  std::set<std::string> targets;
  for (const auto& p : pairs) targets.insert(p.target);
  EXPECT_EQ(targets,
            (std::set<std::string>{"blocks.0.cross_attn.q.weight", "blocks.1.self_attn.o.weight",
                                   "blocks.1.cross_attn.k_img.weight", "blocks.0.ffn.0.weight"}));
  EXPECT_EQ(unianimate::merge_lora(dit, pairs), 4u);
}

TEST_F(LoraTest, MergeKeepsReducedDtype) {
  MemorySource source(base_);
  wan::DitLoadOptions options;
  options.dtype = at::kBFloat16;
  auto dit = wan::WanDiT::load(source, config_, options);
  MemorySource ckpt(unianimate_checkpoint());
  unianimate::merge_unianimate_lora(dit, ckpt);
  EXPECT_EQ(dit.parameter("blocks.0.self_attn.q.weight").scalar_type(), at::kBFloat16);
}

}  // namespace
}  // namespace animate
