// Tests of the safetensors reader, writer and sharded index: round trips,
// zero-copy views, and precise errors for every kind of malformed file.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "model/io/error.h"
#include "model/io/safetensors_reader.h"
#include "model/io/safetensors_writer.h"
#include "model/io/sharded_index.h"

namespace animate::io {
namespace {

namespace fs = std::filesystem;

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("animate_st_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Writes a raw safetensors file from a header text and a data section.
  std::string write_raw(const std::string& name, const std::string& header, const std::string& data,
                        std::uint64_t declared_len = UINT64_MAX) {
    const auto p = path(name);
    std::ofstream out(p, std::ios::binary);
    std::uint64_t len = declared_len == UINT64_MAX ? header.size() : declared_len;
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((len >> (8 * i)) & 0xff));
    out << header << data;
    return p;
  }

  template <typename Fn>
  static std::string error_of(Fn&& fn) {
    try {
      fn();
    } catch (const FormatError& e) {
      return e.what();
    } catch (const ContentError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(SafetensorsTest, RoundTripAllDtypes) {
  NamedTensors tensors;
  const std::vector<at::ScalarType> types = {at::kDouble, at::kFloat, at::kHalf,  at::kBFloat16,
                                             at::kLong,   at::kInt,   at::kShort, at::kChar,
                                             at::kByte,   at::kBool};
  for (std::size_t i = 0; i < types.size(); ++i) {
    auto t = (at::arange(24, at::kDouble).reshape({2, 3, 4}) - 5).to(types[i]);
    tensors.emplace_back("t" + std::to_string(i), t);
  }
  tensors.emplace_back("empty", at::zeros({0, 3}));
  tensors.emplace_back("non_contiguous", at::arange(12, at::kFloat).reshape({3, 4}).t());
  write_safetensors(path("all.safetensors"), tensors, {{"note", "x"}});

  auto file = SafetensorsFile::open(path("all.safetensors"));
  EXPECT_EQ(file->size(), tensors.size());
  EXPECT_EQ(file->metadata().at("format"), "pt");
  EXPECT_EQ(file->metadata().at("note"), "x");
  for (const auto& [name, expected] : tensors) {
    auto actual = file->tensor(name);
    EXPECT_EQ(actual.scalar_type(), expected.scalar_type()) << name;
    EXPECT_EQ(actual.sizes(), expected.sizes()) << name;
    EXPECT_TRUE(at::equal(actual, expected.contiguous())) << name;
  }
}

TEST_F(SafetensorsTest, TensorsAreZeroCopyViewsThatOutliveTheFileObject) {
  write_safetensors(path("a.safetensors"), {{"w", at::arange(1000, at::kFloat)}});
  at::Tensor view;
  {
    auto file = SafetensorsFile::open(path("a.safetensors"));
    view = file->tensor("w");
    auto again = file->tensor("w");
    EXPECT_EQ(view.data_ptr(), again.data_ptr());  // both point into the mapping
  }
  // The mapping stays alive through the tensor.
  EXPECT_FLOAT_EQ(view[999].item<float>(), 999.0f);
}

TEST_F(SafetensorsTest, HeaderKeysAreSortedAndDataAligned) {
  write_safetensors(path("s.safetensors"), {{"b", at::ones({3}, at::kByte)}, {"a", at::ones({2})}});
  std::ifstream in(path("s.safetensors"), std::ios::binary);
  std::uint64_t len = 0;
  in.read(reinterpret_cast<char*>(&len), 8);
  EXPECT_EQ((8 + len) % 8, 0u);
  std::string header(len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(len));
  EXPECT_LT(header.find("\"a\""), header.find("\"b\""));
}

TEST_F(SafetensorsTest, WriterRejectsDuplicateNames) {
  EXPECT_THROW(
      write_safetensors(path("d.safetensors"), {{"x", at::ones({1})}, {"x", at::ones({1})}}),
      std::invalid_argument);
}

TEST_F(SafetensorsTest, MissingTensorIsAContentErrorNamingIt) {
  write_safetensors(path("a.safetensors"), {{"w", at::ones({2})}});
  auto file = SafetensorsFile::open(path("a.safetensors"));
  const auto message = error_of([&] { file->tensor("nope"); });
  EXPECT_NE(message.find("nope"), std::string::npos) << message;
}

TEST_F(SafetensorsTest, RejectsTooShortFile) {
  const auto p = path("short.safetensors");
  std::ofstream(p) << "abc";
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("too short"), std::string::npos);
}

TEST_F(SafetensorsTest, RejectsHeaderLengthPastEnd) {
  const auto p = write_raw("h.safetensors", "{}", "", 1000);
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("past the end"), std::string::npos);
}

TEST_F(SafetensorsTest, RejectsAbsurdHeaderLengthWithoutAllocating) {
  const auto p = write_raw("h.safetensors", "{}", "", UINT64_MAX - 1);
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("exceeds the limit"),
            std::string::npos);
}

TEST_F(SafetensorsTest, RejectsInvalidJson) {
  const auto p = write_raw("j.safetensors", "{\"a\": [1,", "");
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("not valid JSON"), std::string::npos);
}

TEST_F(SafetensorsTest, RejectsNonObjectHeader) {
  const auto p = write_raw("j.safetensors", "[1,2]", "");
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("not a JSON object"),
            std::string::npos);
}

TEST_F(SafetensorsTest, RejectsUnknownDtype) {
  const auto p =
      write_raw("u.safetensors", R"({"x":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}})", "a");
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("unknown dtype 'Q7'"),
            std::string::npos);
}

TEST_F(SafetensorsTest, RejectsOffsetsPastTheData) {
  const auto p = write_raw(
      "o.safetensors", R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", "12345678");
  const auto message = error_of([&] { SafetensorsFile::open(p); });
  EXPECT_NE(message.find("past the data section"), std::string::npos) << message;
  EXPECT_NE(message.find("'x'"), std::string::npos) << message;
}

TEST_F(SafetensorsTest, RejectsByteSizeThatContradictsShape) {
  const auto p = write_raw("b.safetensors",
                           R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678");
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("needs 12"), std::string::npos);
}

TEST_F(SafetensorsTest, RejectsOverlappingTensors) {
  const auto p = write_raw(
      "ov.safetensors",
      R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
      "123456789012");
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("overlap"), std::string::npos);
}

TEST_F(SafetensorsTest, RejectsAbsurdShapeWithoutAllocating) {
  const auto p =
      write_raw("big.safetensors",
                R"({"x":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})",
                "12345678");
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("overflows"), std::string::npos);
}

TEST_F(SafetensorsTest, RejectsNegativeDimensionAndBadOffsets) {
  auto p = write_raw("n.safetensors", R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                     "1234");
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("negative"), std::string::npos);
  p = write_raw("n2.safetensors", R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})",
                "1234");
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("begin > end"), std::string::npos);
  p = write_raw("n3.safetensors", R"({"x":{"dtype":"F32","shape":[1]}})", "1234");
  EXPECT_NE(error_of([&] { SafetensorsFile::open(p); }).find("missing 'data_offsets'"),
            std::string::npos);
}

TEST_F(SafetensorsTest, Float8IsRecognisedAndReportedClearly) {
  const auto p = write_raw("f8.safetensors",
                           R"({"x":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})", "1234");
  auto file = SafetensorsFile::open(p);  // the header itself is valid
  EXPECT_EQ(file->info("x").dtype, DType::F8_E4M3);
#if (TORCH_VERSION_MAJOR > 2) || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
  EXPECT_EQ(file->tensor("x").numel(), 4);
#else
  EXPECT_NE(error_of([&] { file->tensor("x"); }).find("float8"), std::string::npos);
#endif
}

TEST_F(SafetensorsTest, MisalignedDataIsCopiedNotViewed) {
  // A 1-byte tensor first pushes the F32 tensor to an odd offset.
  std::string data = "z";
  float values[2] = {1.5f, -2.0f};
  data.append(reinterpret_cast<const char*>(values), sizeof(values));
  const auto p = write_raw(
      "mis.safetensors",
      R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}})",
      data);
  auto t = SafetensorsFile::open(p)->tensor("b");
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data_ptr()) % 4, 0u);
  EXPECT_FLOAT_EQ(t[0].item<float>(), 1.5f);
  EXPECT_FLOAT_EQ(t[1].item<float>(), -2.0f);
}

TEST_F(SafetensorsTest, TruncationAtEveryLengthFailsCleanly) {
  write_safetensors(path("full.safetensors"),
                    {{"a", at::arange(6, at::kFloat)}, {"b", at::ones({2})}});
  std::ifstream in(path("full.safetensors"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    const auto p = path("cut.safetensors");
    std::ofstream(p, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<long>(len));
    EXPECT_THROW(SafetensorsFile::open(p), FormatError) << "length " << len;
  }
}

TEST_F(SafetensorsTest, RandomMutationsNeverCrash) {
  write_safetensors(path("base.safetensors"),
                    {{"a", at::arange(6, at::kFloat)}, {"b", at::ones({2})}});
  std::ifstream in(path("base.safetensors"), std::ios::binary);
  const std::string base((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::mt19937 rng(1234);
  int loaded = 0;
  for (int iteration = 0; iteration < 2000; ++iteration) {
    std::string bytes = base;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xff);
    const auto p = path("m.safetensors");
    std::ofstream(p, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<long>(bytes.size()));
    try {
      auto file = SafetensorsFile::open(p);
      for (const auto& name : file->names()) {
        auto t = file->tensor(name);
        (void)t.sum();  // touch every byte the header promised
      }
      ++loaded;
    } catch (const FormatError&) {
    } catch (const ContentError&) {
    }
  }
  // Mutations of the data section leave the file valid; header mutations do not.
  EXPECT_GT(loaded, 0);
  EXPECT_LT(loaded, 2000);
}

TEST_F(SafetensorsTest, ShardedIndexResolvesTensorsAcrossShards) {
  write_safetensors(path("m-1.safetensors"), {{"a", at::ones({2})}});
  write_safetensors(path("m-2.safetensors"), {{"b", at::zeros({3})}, {"c", at::full({1}, 7.0)}});
  nlohmann::json index = {
      {"metadata", {{"total_size", 24}}},
      {"weight_map",
       {{"a", "m-1.safetensors"}, {"b", "m-2.safetensors"}, {"c", "m-2.safetensors"}}}};
  std::ofstream(path("m.safetensors.index.json")) << index.dump();
  auto sharded = ShardedSafetensors::open(path("m.safetensors.index.json"));
  EXPECT_EQ(sharded->shard_count(), 2u);
  EXPECT_EQ(sharded->names(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FLOAT_EQ(sharded->tensor("c").item<float>(), 7.0f);
}

TEST_F(SafetensorsTest, ShardedIndexErrorsNameTheProblem) {
  write_safetensors(path("m-1.safetensors"), {{"a", at::ones({2})}, {"stray", at::ones({1})}});
  auto write_index = [&](const nlohmann::json& map) {
    std::ofstream(path("i.safetensors.index.json"), std::ios::trunc)
        << nlohmann::json{{"weight_map", map}}.dump();
    return path("i.safetensors.index.json");
  };
  auto p = write_index({{"a", "missing.safetensors"}});
  EXPECT_NE(error_of([&] { ShardedSafetensors::open(p); }).find("does not exist"),
            std::string::npos);
  p = write_index(
      {{"a", "m-1.safetensors"}, {"zzz", "m-1.safetensors"}, {"stray", "m-1.safetensors"}});
  EXPECT_NE(error_of([&] { ShardedSafetensors::open(p); }).find("does not hold it"),
            std::string::npos);
  p = write_index({{"a", "m-1.safetensors"}});
  EXPECT_NE(error_of([&] { ShardedSafetensors::open(p); }).find("'stray'"), std::string::npos);
  p = write_index({{"a", "../etc/passwd"}});
  EXPECT_NE(error_of([&] { ShardedSafetensors::open(p); }).find("leaves the checkpoint folder"),
            std::string::npos);
  std::ofstream(path("bad.safetensors.index.json")) << "{\"weight_map\": 3}";
  EXPECT_NE(error_of([&] {
              ShardedSafetensors::open(path("bad.safetensors.index.json"));
            }).find("weight_map"),
            std::string::npos);
}

}  // namespace
}  // namespace animate::io
