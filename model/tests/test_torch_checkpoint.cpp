// Tests of the torch zip-pickle checkpoint reader: the real golden files,
// round trips through a writer that mimics torch.save, zero-copy views, and
// precise errors (never crashes) for truncated, lying or hostile files.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "model/io/error.h"
#include "model/io/torch_checkpoint.h"
#include "model/tests/test_support/torch_zip_fixture.h"

namespace animate::io {
namespace {

using testing::Container;
using testing::NamedTensor;
using testing::ScratchDir;
using testing::TensorRef;
using testing::TorchZipOptions;

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "in: " << (text)

// The message of the FormatError `fn` throws; a test failure otherwise.
template <typename Error, typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "unexpected exception type: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no exception thrown";
  return {};
}

bool points_into(const at::Tensor& t, const TorchCheckpoint& checkpoint) {
  const auto& file = *checkpoint.archive().file();
  const auto begin = reinterpret_cast<std::uintptr_t>(file.data());
  const auto p = reinterpret_cast<std::uintptr_t>(t.data_ptr());
  return p >= begin && p < begin + file.size();
}

// Deterministic values of every dtype the reader supports.
std::vector<NamedTensor> all_dtype_tensors() {
  const auto wave = at::arange(12, at::kDouble).mul(0.37).sin().mul(3).reshape({3, 4});
  return {
      {"f32", wave.to(at::kFloat)},
      {"f64", wave.clone()},
      {"f16", wave.to(at::kHalf)},
      {"bf16", wave.to(at::kBFloat16)},
      {"i64",
       at::tensor({std::numeric_limits<std::int64_t>::max(),
                   std::numeric_limits<std::int64_t>::min(), std::int64_t{0}, std::int64_t{-5}},
                  at::kLong)},
      {"i32", at::arange(-6, 6, at::kInt)},
      {"i16", at::arange(-300, 300, 77, at::kShort)},
      {"i8", at::arange(-128, 128, 17, at::kChar)},
      {"u8", at::arange(0, 256, 7, at::kInt).to(at::kByte)},
      {"bool", at::arange(10, at::kInt).remainder(3).eq(0)},
  };
}

class TorchCheckpointTest : public ::testing::Test {
 protected:
  std::string save(const std::vector<NamedTensor>& tensors, const TorchZipOptions& options = {},
                   const std::string& name = "model.pth") {
    return dir_.write(name, testing::torch_zip(tensors, options).bytes);
  }
  ScratchDir dir_;
};

// ---------------------------------------------------------------- golden --

class GoldenCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    golden_ = testing::golden_dir();
    if (golden_.empty()) GTEST_SKIP() << "golden cases not found (set ANIMATE_GOLDEN_DIR)";
  }
  std::shared_ptr<TorchCheckpoint> open(const std::string& relative) {
    return TorchCheckpoint::open(golden_ + "/" + relative);
  }
  std::string golden_;
};

TEST_F(GoldenCheckpointTest, LoraCkptIsAPlainDictOfF32Tensors) {
  auto ckpt = open("lora_merge/UniAnimate-Wan2.1-14B-Lora-12000.ckpt");
  EXPECT_EQ(ckpt->size(), 66u);
  EXPECT_EQ(ckpt->archive_prefix(), "UniAnimate-Wan2.1-14B-Lora-12000/");
  EXPECT_EQ(ckpt->wrapper_key(), "");
  EXPECT_EQ(ckpt->skipped_entries(), 0u);
  for (const auto& name : ckpt->names()) EXPECT_EQ(ckpt->dtype(name), DType::F32) << name;

  const std::string a = "pipe.dit.blocks.0.self_attn.q.lora_A.default.weight";
  EXPECT_EQ(ckpt->stored_order().front(), a);
  EXPECT_EQ(ckpt->stored_order().back(), "randomref_embedding_pose.10.bias");
  const auto t = ckpt->tensor(a);
  EXPECT_EQ(t.sizes(), at::IntArrayRef({4, 48}));
  EXPECT_EQ(t.scalar_type(), at::kFloat);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_TRUE(points_into(t, *ckpt));
  EXPECT_EQ(t.data_ptr<float>()[0], 0.0706033706665039f);
  EXPECT_EQ(t.data_ptr<float>()[1], 0.11658734828233719f);
  EXPECT_EQ(t.data_ptr<float>()[2], -0.4263518750667572f);
  const auto bias = ckpt->tensor("randomref_embedding_pose.10.bias");
  EXPECT_EQ(bias.sizes(), at::IntArrayRef({20}));
  EXPECT_EQ(bias.data_ptr<float>()[0], -0.0805981308221817f);
}

TEST_F(GoldenCheckpointTest, VaePthIsAnOrderedDictWithMetadata) {
  auto ckpt = open("vae_decode/Wan2.1_VAE.pth");
  EXPECT_EQ(ckpt->size(), 194u);
  EXPECT_EQ(ckpt->archive_prefix(), "Wan2.1_VAE/");
  EXPECT_EQ(ckpt->skipped_entries(), 0u);
  const auto w = ckpt->tensor("encoder.conv1.weight");
  EXPECT_EQ(w.sizes(), at::IntArrayRef({3, 3, 3, 3, 3}));
  EXPECT_EQ(w.strides(), at::IntArrayRef({81, 27, 9, 3, 1}));
  EXPECT_EQ(w.data_ptr<float>()[0], 0.041648779064416885f);
  EXPECT_EQ(w.data_ptr<float>()[2], 0.2158927321434021f);
  EXPECT_EQ(ckpt->tensor("decoder.head.2.bias").data_ptr<float>()[1], -0.04179053008556366f);
  for (const auto& name : ckpt->names()) {
    EXPECT_EQ(ckpt->dtype(name), DType::F32) << name;
    EXPECT_TRUE(points_into(ckpt->tensor(name), *ckpt)) << name;
  }
}

TEST_F(GoldenCheckpointTest, T5PthHoldsBf16Tensors) {
  auto ckpt = open("t5_encoder/models_t5_umt5-xxl-enc-bf16.pth");
  EXPECT_EQ(ckpt->size(), 22u);
  for (const auto& name : ckpt->names()) EXPECT_EQ(ckpt->dtype(name), DType::BF16) << name;
  const auto emb = ckpt->tensor("token_embedding.weight");
  EXPECT_EQ(emb.scalar_type(), at::kBFloat16);
  EXPECT_EQ(emb.sizes(), at::IntArrayRef({412, 64}));
  const auto first = emb.flatten().slice(0, 0, 3).to(at::kFloat);
  EXPECT_EQ(first[0].item<float>(), 0.169921875f);
  EXPECT_EQ(first[1].item<float>(), -0.08154296875f);
  EXPECT_EQ(first[2].item<float>(), -0.275390625f);
  EXPECT_EQ(ckpt->tensor("norm.weight").to(at::kFloat)[1].item<float>(), 1.109375f);
}

TEST_F(GoldenCheckpointTest, ClipPthLoadsEveryTensor) {
  auto ckpt = open("clip_vision/models_clip_open-clip-xlm-roberta-large-vit-huge-14.pth");
  EXPECT_EQ(ckpt->size(), 64u);
  EXPECT_TRUE(ckpt->contains("log_scale"));
  for (const auto& name : ckpt->names()) {
    const auto t = ckpt->tensor(name);
    EXPECT_EQ(t.scalar_type(), at::kFloat) << name;
    EXPECT_TRUE(std::isfinite(t.sum().item<double>())) << name;
  }
}

// The fixture writer reproduces a real torch.save file byte for byte.
TEST_F(GoldenCheckpointTest, FixtureWriterReproducesTheLoraCkptExactly) {
  const std::string path = golden_ + "/lora_merge/UniAnimate-Wan2.1-14B-Lora-12000.ckpt";
  auto ckpt = TorchCheckpoint::open(path);
  std::vector<NamedTensor> tensors;
  for (const auto& name : ckpt->stored_order()) tensors.push_back({name, ckpt->tensor(name)});
  TorchZipOptions options;
  options.container = Container::kDict;
  options.prefix = "UniAnimate-Wan2.1-14B-Lora-12000";
  const std::string written = testing::torch_zip(tensors, options).bytes;
  const std::string original = testing::read_file(path);
  ASSERT_EQ(written.size(), original.size());
  EXPECT_TRUE(written == original);
}

// ------------------------------------------------------------ round trip --

TEST_F(TorchCheckpointTest, RoundTripsEveryDtype) {
  const auto tensors = all_dtype_tensors();
  for (const Container container : {Container::kOrderedDict, Container::kDict}) {
    TorchZipOptions options;
    options.container = container;
    auto ckpt = TorchCheckpoint::open(save(tensors, options));
    ASSERT_EQ(ckpt->size(), tensors.size());
    EXPECT_EQ(ckpt->skipped_entries(), 0u);
    for (const auto& t : tensors) {
      SCOPED_TRACE(t.name);
      const auto loaded = ckpt->tensor(t.name);
      EXPECT_EQ(loaded.scalar_type(), t.tensor.scalar_type());
      EXPECT_EQ(loaded.sizes(), t.tensor.sizes());
      EXPECT_TRUE(at::equal(loaded, t.tensor));
      EXPECT_TRUE(points_into(loaded, *ckpt));
      EXPECT_EQ(from_scalar_type(loaded.scalar_type()), ckpt->dtype(t.name));
    }
    std::vector<std::string> order;
    for (const auto& t : tensors) order.push_back(t.name);
    EXPECT_EQ(ckpt->stored_order(), order);
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(ckpt->names(), sorted);
  }
}

TEST_F(TorchCheckpointTest, KeepsStridesOffsetsAndSharedStorages) {
  const auto base = at::arange(24, at::kFloat).reshape({4, 6});
  const std::vector<NamedTensor> tensors = {
      {"transposed", base.t()},
      {"rows", base.narrow(0, 1, 2)},
      {"column", base.select(1, 2)},
      {"strided", base.slice(1, 0, 6, 2)},
      {"broadcast", at::arange(3, at::kFloat).view({3, 1}).expand({3, 5})},
      {"scalar", at::scalar_tensor(2.5, at::kDouble)},
      {"empty", at::empty({0, 3}, at::kFloat)},
  };
  const auto layout = testing::torch_zip(tensors);
  auto ckpt = TorchCheckpoint::open(dir_.write("views.pth", layout.bytes));

  // One record for the four views of `base`, one each for the others.
  std::size_t records = 0;
  for (const auto& e : ckpt->archive().entries()) records += e.name.rfind("archive/data/", 0) == 0;
  EXPECT_EQ(records, 4u);

  for (const auto& t : tensors) {
    SCOPED_TRACE(t.name);
    const auto loaded = ckpt->tensor(t.name);
    EXPECT_EQ(loaded.sizes(), t.tensor.sizes());
    if (t.tensor.numel() > 0) {
      EXPECT_EQ(loaded.strides(), t.tensor.strides());
    }
    EXPECT_TRUE(at::equal(loaded, t.tensor));
  }
  // The views share one zero-copy storage, exactly as their originals do.
  const auto transposed = ckpt->tensor("transposed");
  const auto rows = ckpt->tensor("rows");
  const auto column = ckpt->tensor("column");
  EXPECT_TRUE(points_into(transposed, *ckpt));
  EXPECT_EQ(static_cast<char*>(rows.data_ptr()) - static_cast<char*>(transposed.data_ptr()), 6 * 4);
  EXPECT_EQ(static_cast<char*>(column.data_ptr()) - static_cast<char*>(transposed.data_ptr()),
            2 * 4);
}

TEST_F(TorchCheckpointTest, TensorsKeepTheMappingAlive) {
  const auto values = at::arange(16, at::kFloat);
  at::Tensor loaded;
  {
    auto ckpt = TorchCheckpoint::open(save({{"v", values}}));
    loaded = ckpt->tensor("v");
  }
  EXPECT_TRUE(at::equal(loaded, values));
}

TEST_F(TorchCheckpointTest, CopiesMisalignedStoragesAndViewsAlignedOnes) {
  const auto floats = at::arange(6, at::kFloat).reshape({2, 3});
  const auto bytes = at::arange(5, at::kInt).to(at::kByte);
  TorchZipOptions options;
  options.zip.misalign = 1;  // every record starts one byte past a 64-byte boundary
  auto ckpt = TorchCheckpoint::open(save({{"floats", floats.t()}, {"bytes", bytes}}, options));
  const auto f = ckpt->tensor("floats");
  EXPECT_FALSE(points_into(f, *ckpt));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(f.data_ptr()) % alignof(float), 0u);
  EXPECT_EQ(f.strides(), at::IntArrayRef({1, 3}));
  EXPECT_TRUE(at::equal(f, floats.t()));
  const auto b = ckpt->tensor("bytes");
  EXPECT_TRUE(points_into(b, *ckpt));  // one-byte elements are always aligned
  EXPECT_TRUE(at::equal(b, bytes));
}

TEST_F(TorchCheckpointTest, ReadsZip64Archives) {
  TorchZipOptions options;
  options.zip.zip64 = true;
  const auto tensors = all_dtype_tensors();
  auto ckpt = TorchCheckpoint::open(save(tensors, options));
  for (const auto& t : tensors) EXPECT_TRUE(at::equal(ckpt->tensor(t.name), t.tensor)) << t.name;
}

TEST_F(TorchCheckpointTest, AcceptsAnyPrefixAndLittleByteorder) {
  const auto v = at::arange(4, at::kFloat);
  for (const std::string prefix : {"", "archive", "my model.v2", "nested/dir"}) {
    TorchZipOptions options;
    options.prefix = prefix;
    options.byteorder = "little";
    auto ckpt = TorchCheckpoint::open(save({{"v", v}}, options));
    EXPECT_EQ(ckpt->archive_prefix(), prefix.empty() ? "" : prefix + "/");
    EXPECT_TRUE(at::equal(ckpt->tensor("v"), v));
  }
}

TEST_F(TorchCheckpointTest, UnwrapsCommonWrapperKeys) {
  const auto v = at::arange(4, at::kFloat);
  for (const std::string key : {"state_dict", "model_state", "module"}) {
    TorchZipOptions options;
    options.wrapper_key = key;
    auto ckpt = TorchCheckpoint::open(save({{"layer.weight", v}}, options));
    EXPECT_EQ(ckpt->wrapper_key(), key);
    EXPECT_EQ(ckpt->names(), std::vector<std::string>{"layer.weight"});
    EXPECT_TRUE(at::equal(ckpt->tensor("layer.weight"), v));
  }
}

TEST_F(TorchCheckpointTest, SkipsAWrapperWithoutTensors) {
  // {'model_state': {...tensors}, 'epoch': 7, 'state_dict': {'lr': 0.1}}
  TorchZipOptions options;
  options.wrapper_key = "model_state";
  options.extra_top_items = testing::PickleWriter()
                                .unicode("state_dict")
                                .empty_dict()
                                .unicode("lr")
                                .floating(0.1)
                                .setitem()
                                .bytes();
  auto ckpt = TorchCheckpoint::open(save({{"w", at::ones({2})}}, options));
  EXPECT_EQ(ckpt->wrapper_key(), "model_state");
  EXPECT_TRUE(ckpt->contains("w"));
}

TEST_F(TorchCheckpointTest, TopLevelTensorsWinOverWrapperKeys) {
  // A state dict that happens to hold a 'module' entry is not unwrapped.
  const auto ones = at::ones({2});
  const std::string module_dict =
      testing::PickleWriter()
          .empty_dict()
          .unicode("inner")
          .raw(testing::tensor_pickle(TensorRef{"FloatStorage", "0", "cpu", 2, 0, {2}, {1}}))
          .setitem()
          .bytes();
  TorchZipOptions options;
  options.extra_items = testing::PickleWriter().unicode("module").raw(module_dict).bytes();
  auto ckpt = TorchCheckpoint::open(save({{"w", ones}}, options));
  EXPECT_EQ(ckpt->wrapper_key(), "");
  EXPECT_EQ(ckpt->names(), std::vector<std::string>{"w"});
  EXPECT_EQ(ckpt->skipped_entries(), 1u);
}

TEST_F(TorchCheckpointTest, CountsSkippedNonTensorEntries) {
  TorchZipOptions options;
  options.container = Container::kDict;
  options.extra_items =
      testing::PickleWriter()
          .unicode("step")
          .integer(1000)
          .unicode("name")
          .unicode("lora")
          .integer(5)  // a non-string key holding a tensor is skipped too
          .raw(testing::tensor_pickle(TensorRef{"FloatStorage", "0", "cpu", 3, 0, {3}, {1}}))
          .bytes();
  auto ckpt = TorchCheckpoint::open(save({{"w", at::ones({3})}}, options));
  EXPECT_EQ(ckpt->names(), std::vector<std::string>{"w"});
  EXPECT_EQ(ckpt->skipped_entries(), 3u);
}

TEST_F(TorchCheckpointTest, AcceptsAnEmptyStateDict) {
  auto ckpt = TorchCheckpoint::open(save({}));
  EXPECT_EQ(ckpt->size(), 0u);
}

TEST_F(TorchCheckpointTest, ReadsTensorV3AndParameters) {
  // Newer torch: _rebuild_tensor_v3 over an UntypedStorage (counted in
  // bytes) with the dtype as an argument; nn.Parameter via _rebuild_parameter.
  const auto halves = at::arange(6, at::kFloat).to(at::kHalf);
  testing::PickleWriter v3;
  v3.global("torch._utils", "_rebuild_tensor_v3").mark();
  v3.mark().unicode("storage").global("torch.storage", "UntypedStorage").unicode("0");
  v3.unicode("cpu").integer(12).op('t').persid();
  v3.integer(2).integer(4).tuple_of(1).integer(1).tuple_of(1).boolean(false);
  v3.global("collections", "OrderedDict").empty_tuple().reduce();
  v3.global("torch", "float16").op('t').reduce();
  testing::PickleWriter param;
  param.global("torch._utils", "_rebuild_parameter")
      .raw(testing::tensor_pickle(TensorRef{"HalfStorage", "1", "cpu", 6, 0, {2, 3}, {3, 1}}))
      .boolean(true)
      .global("collections", "OrderedDict")
      .empty_tuple()
      .reduce()
      .tuple_of(3)
      .reduce();
  TorchZipOptions options;
  options.data_pkl = testing::dict_pickle({{"v3", v3.bytes()}, {"param", param.bytes()}});
  auto ckpt = TorchCheckpoint::open(save({{"h", halves}, {"h2", halves.clone()}}, options));
  EXPECT_TRUE(at::equal(ckpt->tensor("v3"), halves.slice(0, 2, 6)));
  EXPECT_TRUE(at::equal(ckpt->tensor("param"), halves.view({2, 3})));
  EXPECT_FALSE(ckpt->tensor("param").requires_grad());  // inference: no autograd
}

// ---------------------------------------------------------------- errors --

TEST_F(TorchCheckpointTest, MissingTensorIsAContentErrorNamingTheFile) {
  auto ckpt = TorchCheckpoint::open(save({{"w", at::ones({2})}}));
  const auto msg = error_of<ContentError>([&] { ckpt->tensor("nope"); });
  EXPECT_CONTAINS(msg, "model.pth");
  EXPECT_CONTAINS(msg, "'nope'");
  EXPECT_FALSE(ckpt->contains("nope"));
  error_of<ContentError>([&] { ckpt->dtype("nope"); });
}

TEST_F(TorchCheckpointTest, RefusesBigEndianAndUnknownByteorder) {
  TorchZipOptions options;
  options.byteorder = "big";
  auto msg = error_of<FormatError>([&] {
    TorchCheckpoint::open(save({{"w", at::ones({2})}}, options));
  });
  EXPECT_CONTAINS(msg, "big-endian");
  EXPECT_CONTAINS(msg, "model.pth");
  options.byteorder = "middle";
  msg = error_of<FormatError>([&] {
    TorchCheckpoint::open(save({{"w", at::ones({2})}}, options));
  });
  EXPECT_CONTAINS(msg, "byteorder");
}

TEST_F(TorchCheckpointTest, NeedsExactlyOneDataPkl) {
  const auto no_pickle = testing::write_zip({{"archive/version", "3\n"}});
  auto msg =
      error_of<FormatError>([&] { TorchCheckpoint::open(dir_.write("a.pth", no_pickle.bytes)); });
  EXPECT_CONTAINS(msg, "no data.pkl");
  const auto two = testing::write_zip(
      {{"a/data.pkl", testing::dict_pickle({})}, {"b/data.pkl", testing::dict_pickle({})}});
  msg = error_of<FormatError>([&] { TorchCheckpoint::open(dir_.write("b.pth", two.bytes)); });
  EXPECT_CONTAINS(msg, "a/data.pkl");
  EXPECT_CONTAINS(msg, "b/data.pkl");
  // "xdata.pkl" is not a data.pkl.
  const auto lookalike = testing::write_zip({{"archive/xdata.pkl", testing::dict_pickle({})}});
  msg = error_of<FormatError>([&] { TorchCheckpoint::open(dir_.write("c.pth", lookalike.bytes)); });
  EXPECT_CONTAINS(msg, "no data.pkl");
}

TEST_F(TorchCheckpointTest, NotAZipFile) {
  const auto msg = error_of<FormatError>(
      [&] { TorchCheckpoint::open(dir_.write("text.pth", std::string(100, 'x'))); });
  EXPECT_CONTAINS(msg, "text.pth");
  EXPECT_CONTAINS(msg, "end-of-central-directory");
  error_of<FormatError>([&] { TorchCheckpoint::open(dir_.path("absent.pth")); });
}

TEST_F(TorchCheckpointTest, ContentErrorsForObjectsThatAreNotStateDicts) {
  TorchZipOptions options;
  options.data_pkl = testing::PickleWriter().proto().empty_list().stop().bytes();
  auto msg = error_of<ContentError>([&] { TorchCheckpoint::open(save({}, options)); });
  EXPECT_CONTAINS(msg, "is a list");
  EXPECT_CONTAINS(msg, "model.pth");

  options.data_pkl =
      testing::dict_pickle({{"epoch", testing::PickleWriter().integer(3).bytes()},
                            {"model", testing::PickleWriter().empty_dict().bytes()}});
  msg = error_of<ContentError>([&] { TorchCheckpoint::open(save({}, options)); });
  EXPECT_CONTAINS(msg, "'epoch' (int)");
  EXPECT_CONTAINS(msg, "'model' (dict)");
  EXPECT_CONTAINS(msg, "no 'state_dict'");
}

// Builds a checkpoint whose state dict holds the single hand-made tensor
// `ref`, next to one real storage record of `storage_floats` floats.
std::string checkpoint_with(const TensorRef& ref, std::int64_t storage_floats = 8) {
  TorchZipOptions options;
  options.data_pkl = testing::dict_pickle({{"bad", testing::tensor_pickle(ref)}});
  return testing::torch_zip({{"w", at::zeros({storage_floats})}}, options).bytes;
}

TEST_F(TorchCheckpointTest, RefusesViewsThatReachPastTheirStorage) {
  struct Case {
    const char* what;
    TensorRef ref;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"size too large", {"FloatStorage", "0", "cpu", 8, 0, {9}, {1}}, "reach past the 32 bytes"},
      {"offset + size", {"FloatStorage", "0", "cpu", 8, 5, {4}, {1}}, "reach past"},
      {"stride", {"FloatStorage", "0", "cpu", 8, 0, {2, 2}, {1, 7}}, "reach past"},
      {"offset alone", {"FloatStorage", "0", "cpu", 8, 9, {0}, {1}}, "past the end of storage"},
      {"huge stride",
       {"FloatStorage", "0", "cpu", 8, 0, {2}, {std::int64_t{1} << 62}},
       "reach past"},
      {"overflowing extent",
       {"FloatStorage", "0", "cpu", 8, 0, {3, 3}, {std::int64_t{1} << 62, std::int64_t{1} << 62}},
       "overflows"},
      {"wider dtype view", {"DoubleStorage", "0", "cpu", 4, 0, {5}, {1}}, "reach past"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const auto path = dir_.write("bad.pth", checkpoint_with(c.ref));
    const auto msg = error_of<FormatError>([&] { TorchCheckpoint::open(path); });
    EXPECT_CONTAINS(msg, "tensor 'bad'");
    EXPECT_CONTAINS(msg, c.message);
    EXPECT_CONTAINS(msg, "bad.pth");
  }
}

TEST_F(TorchCheckpointTest, StorageDeclarationsMustMatchTheirRecords) {
  // Declares 2^60 floats over a 32-byte record: refused without allocating.
  auto path = dir_.write(
      "a.pth", checkpoint_with({"FloatStorage", "0", "cpu", std::int64_t{1} << 60, 0, {1}, {1}}));
  auto msg = error_of<FormatError>([&] { TorchCheckpoint::open(path); });
  EXPECT_CONTAINS(msg, "its record holds 32");
  // A key with no record.
  path = dir_.write("b.pth", checkpoint_with({"FloatStorage", "7", "cpu", 8, 0, {1}, {1}}));
  msg = error_of<FormatError>([&] { TorchCheckpoint::open(path); });
  EXPECT_CONTAINS(msg, "no record 'archive/data/7'");
  // One key declared twice with different types.
  TorchZipOptions options;
  options.data_pkl = testing::dict_pickle(
      {{"a", testing::tensor_pickle({"FloatStorage", "0", "cpu", 8, 0, {1}, {1}})},
       {"b", testing::tensor_pickle({"IntStorage", "0", "cpu", 8, 0, {1}, {1}})}});
  path = dir_.write("c.pth", testing::torch_zip({{"w", at::zeros({8})}}, options).bytes);
  msg = error_of<FormatError>([&] { TorchCheckpoint::open(path); });
  EXPECT_CONTAINS(msg, "storage '0' is declared as torch.IntStorage");
}

TEST_F(TorchCheckpointTest, AbsurdNumelIsRefusedOrViewedWithoutAllocating) {
  // More elements than int64 can count: refused by the pickle reader.
  auto path = dir_.write("a.pth", checkpoint_with({"FloatStorage",
                                                   "0",
                                                   "cpu",
                                                   8,
                                                   0,
                                                   {std::int64_t{1} << 40, std::int64_t{1} << 40},
                                                   {0, 0}}));
  auto msg = error_of<FormatError>([&] { TorchCheckpoint::open(path); });
  EXPECT_CONTAINS(msg, "overflows 64 bits");
  // 2^62 elements broadcast from one float (stride 0) are a valid view: it
  // loads instantly and touches one element, both aligned and misaligned.
  for (std::size_t misalign : {0, 1}) {
    TorchZipOptions options;
    options.zip.misalign = misalign;
    options.data_pkl = testing::dict_pickle(
        {{"huge", testing::tensor_pickle({"FloatStorage",
                                          "0",
                                          "cpu",
                                          8,
                                          3,
                                          {std::int64_t{1} << 31, std::int64_t{1} << 31},
                                          {0, 0}})}});
    auto ckpt = TorchCheckpoint::open(
        dir_.write("b.pth", testing::torch_zip({{"w", at::arange(8, at::kFloat)}}, options).bytes));
    const auto huge = ckpt->tensor("huge");
    EXPECT_EQ(huge.numel(), std::int64_t{1} << 62);
    EXPECT_EQ(huge[12345][678].item<float>(), 3.0f);
  }
}

TEST_F(TorchCheckpointTest, RefusesCompressedStorageRecords) {
  TorchZipOptions options;
  auto layout = testing::torch_zip({{"w", at::ones({4})}}, options);
  // Mark the storage record (entry 1) as deflated in both headers.
  testing::put_le16(&layout.bytes, layout.local_header_offsets[1] + 8, 8);
  testing::put_le16(&layout.bytes, layout.central_header_offsets[1] + 10, 8);
  const auto msg =
      error_of<FormatError>([&] { TorchCheckpoint::open(dir_.write("z.pth", layout.bytes)); });
  EXPECT_CONTAINS(msg, "'archive/data/0'");
  EXPECT_CONTAINS(msg, "method 8, deflate");
}

TEST_F(TorchCheckpointTest, ForbiddenGlobalsNameTheGlobalAndTheFile) {
  for (const auto& [module, name] : std::vector<std::pair<std::string, std::string>>{
           {"posix", "system"}, {"os", "system"}, {"builtins", "eval"}, {"subprocess", "Popen"}}) {
    TorchZipOptions options;
    options.data_pkl = testing::PickleWriter()
                           .proto()
                           .global(module, name)
                           .unicode("echo pwned")
                           .tuple_of(1)
                           .reduce()
                           .stop()
                           .bytes();
    const auto msg = error_of<FormatError>([&] { TorchCheckpoint::open(save({}, options)); });
    EXPECT_CONTAINS(msg, "forbidden pickle global '" + module + "." + name + "'");
    EXPECT_CONTAINS(msg, "model.pth:archive/data.pkl");
  }
}

// A small but complete checkpoint: OrderedDict with _metadata, a shared
// storage viewed twice (one view transposed), three dtypes.
std::string small_checkpoint() {
  const auto base = at::arange(6, at::kFloat).reshape({2, 3});
  return testing::torch_zip({{"a", base},
                             {"a_t", base.t()},
                             {"b", at::arange(4, at::kFloat).to(at::kBFloat16)},
                             {"c", at::scalar_tensor(7, at::kLong)}})
      .bytes;
}

TEST_F(TorchCheckpointTest, EveryTruncationIsAFormatError) {
  const std::string full = small_checkpoint();
  ASSERT_NO_THROW(TorchCheckpoint::open(dir_.write("full.pth", full)));
  const std::string path = dir_.path("cut.pth");
  for (std::size_t len = 0; len < full.size(); ++len) {
    testing::write_file(path, full.substr(0, len));
    try {
      TorchCheckpoint::open(path);
      ADD_FAILURE() << "prefix of " << len << " bytes loaded";
    } catch (const FormatError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "prefix of " << len << " bytes: unexpected " << e.what();
    }
  }
}

// Deterministic random mutations: each must load (and its tensors be
// readable) or be refused with FormatError/ContentError; nothing else.
TEST_F(TorchCheckpointTest, MutatedCheckpointsLoadOrFailCleanly) {
  const std::string original = small_checkpoint();
  const std::string path = dir_.path("fuzz.pth");
  std::mt19937 rng(20240611);
  const std::uint32_t interesting[] = {
      0,      1,          0x7f,       0x80,       0xff,
      0xffff, 0x7fffffff, 0x80000000, 0xffffffff, static_cast<std::uint32_t>(original.size())};
  int loaded = 0;
  int refused = 0;
  constexpr int kIterations = 3000;
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    std::string bytes = original;
    // Bias half of the mutations to the pickle (the first 1 KiB) and the
    // directory (the last 1 KiB), where the structure lives.
    auto position = [&]() -> std::size_t {
      const std::size_t n = bytes.size();
      switch (rng() % 4) {
        case 0: return rng() % std::min<std::size_t>(n, 1024);
        case 1: return n - 1 - rng() % std::min<std::size_t>(n, 1024);
        default: return rng() % n;
      }
    };
    const int mutations = 1 + static_cast<int>(rng() % 3);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      const std::size_t pos = position();
      // Insertions and deletions shift every later offset, so they mostly
      // exercise the end-record checks; keep them rarer than in-place edits.
      switch (rng() % 12) {
        case 0: bytes[pos] = static_cast<char>(bytes[pos] ^ (1 << (rng() % 8))); break;
        case 1: bytes[pos] = static_cast<char>(rng()); break;
        case 2:
          if (pos + 4 <= bytes.size()) testing::put_le32(&bytes, pos, interesting[rng() % 10]);
          break;
        case 3:
          if (pos + 2 <= bytes.size()) {
            testing::put_le16(&bytes, pos, static_cast<std::uint16_t>(interesting[rng() % 10]));
          }
          break;
        case 4: bytes.erase(pos, 1 + rng() % 8); break;
        case 5: bytes.insert(pos, std::string(1 + rng() % 8, static_cast<char>(rng()))); break;
        case 6:
        case 7: bytes[pos] = static_cast<char>(bytes[pos] ^ (1 << (rng() % 8))); break;
        default: bytes[pos] = static_cast<char>(rng()); break;
      }
    }
    testing::write_file(path, bytes);
    try {
      auto ckpt = TorchCheckpoint::open(path);
      for (const auto& name : ckpt->names()) {
        const auto t = ckpt->tensor(name);
        if (t.numel() <= 4096) (void)t.to(at::kDouble).sum().item<double>();
      }
      ++loaded;
    } catch (const FormatError&) {
      ++refused;
    } catch (const ContentError&) {
      ++refused;
    } catch (const std::exception& e) {
      FAIL() << "iteration " << iteration << ": unexpected exception " << e.what();
    }
  }
  EXPECT_EQ(loaded + refused, kIterations);
  EXPECT_GT(loaded, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace animate::io
