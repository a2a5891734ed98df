// Tests of CheckpointView (prefix rules, key reports, conversion) and of
// open_checkpoint's format detection.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model/io/checkpoint_view.h"
#include "model/io/error.h"
#include "model/io/open_checkpoint.h"
#include "model/io/safetensors_reader.h"
#include "model/io/safetensors_writer.h"

namespace animate::io {
namespace {

namespace fs = std::filesystem;

class CheckpointViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("animate_cv_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST_F(CheckpointViewTest, StripsTheFirstMatchingPrefix) {
  write_safetensors(path("a.safetensors"),
                    {{"model.encoder.w", at::ones({2})}, {"decoder.w", at::zeros({2})}});
  CheckpointView view({SafetensorsFile::open(path("a.safetensors"))}, {"model.", "module."});
  EXPECT_EQ(view.names(), (std::vector<std::string>{"decoder.w", "encoder.w"}));
}

TEST_F(CheckpointViewTest, SelectKeepsOnlyThePrefixedKeys) {
  write_safetensors(path("a.safetensors"), {{"pipe.dit.blocks.0.q", at::ones({2})},
                                            {"dwpose_embedding.0.weight", at::ones({1})}});
  CheckpointView view({SafetensorsFile::open(path("a.safetensors"))});
  auto dit = view.select("pipe.dit.");
  EXPECT_EQ(dit.names(), std::vector<std::string>{"blocks.0.q"});
  EXPECT_EQ(dit.get("blocks.0.q").numel(), 2);
}

TEST_F(CheckpointViewTest, DuplicateNamesAcrossSourcesAreAnError) {
  write_safetensors(path("a.safetensors"), {{"w", at::ones({2})}});
  write_safetensors(path("b.safetensors"), {{"model.w", at::ones({2})}});
  try {
    CheckpointView view({SafetensorsFile::open(path("a.safetensors")),
                         SafetensorsFile::open(path("b.safetensors"))},
                        {"model."});
    FAIL() << "expected an error";
  } catch (const ContentError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("a.safetensors"), std::string::npos) << message;
    EXPECT_NE(message.find("b.safetensors"), std::string::npos) << message;
  }
}

TEST_F(CheckpointViewTest, ReportsMissingAndUnexpectedKeys) {
  write_safetensors(path("a.safetensors"), {{"a", at::ones({1})}, {"extra", at::ones({1})}});
  CheckpointView view({SafetensorsFile::open(path("a.safetensors"))});
  const auto report = view.compare({"a", "b", "c"});
  EXPECT_EQ(report.missing, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(report.unexpected, std::vector<std::string>{"extra"});
  EXPECT_FALSE(report.ok());
  try {
    view.require({"a", "b"}, "the VAE");
    FAIL() << "expected an error";
  } catch (const ContentError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("the VAE"), std::string::npos);
    EXPECT_NE(message.find("missing 1 tensor(s): b"), std::string::npos) << message;
  }
}

TEST_F(CheckpointViewTest, ConvertsDtypeAndChecksShape) {
  write_safetensors(path("a.safetensors"), {{"w", at::arange(6, at::kFloat).reshape({2, 3})}});
  CheckpointView view({SafetensorsFile::open(path("a.safetensors"))});
  auto bf16 = view.get("w", at::kBFloat16);
  EXPECT_EQ(bf16.scalar_type(), at::kBFloat16);
  EXPECT_EQ(view.get_checked("w", {2, 3}, at::kDouble).scalar_type(), at::kDouble);
  try {
    view.get_checked("w", {3, 2});
    FAIL() << "expected an error";
  } catch (const ContentError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("[2, 3]"), std::string::npos) << message;
    EXPECT_NE(message.find("[3, 2]"), std::string::npos) << message;
  }
  EXPECT_THROW(view.get("nope"), ContentError);
}

TEST_F(CheckpointViewTest, OpenCheckpointDetectsFormats) {
  write_safetensors(path("single.safetensors"), {{"w", at::ones({2})}});
  EXPECT_EQ(open_checkpoint(path("single.safetensors"))->names(), std::vector<std::string>{"w"});
  // A folder with exactly one safetensors file.
  fs::create_directories(dir_ / "folder");
  write_safetensors(path("folder/model.safetensors"), {{"x", at::ones({1})}});
  EXPECT_EQ(open_checkpoint(path("folder"))->names(), std::vector<std::string>{"x"});
  // Two files and no index is ambiguous.
  write_safetensors(path("folder/other.safetensors"), {{"y", at::ones({1})}});
  EXPECT_THROW(open_checkpoint(path("folder")), FormatError);
  EXPECT_THROW(open_checkpoint(path("does-not-exist.safetensors")), FormatError);
}

}  // namespace
}  // namespace animate::io
