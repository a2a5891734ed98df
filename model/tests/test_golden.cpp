// Golden parity: every case in the golden folder runs through the same code
// path as `animate-probe run` and is compared with the rule of the golden
// README. Components not implemented yet are reported as SKIPPED.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/tools/probe/component_registry.h"
#include "model/tools/probe/golden_case.h"
#include "model/tools/probe/golden_compare.h"

namespace animate::probe {
namespace {

namespace fs = std::filesystem;

fs::path golden_dir() {
  if (const char* env = std::getenv("ANIMATE_GOLDEN_DIR")) return env;
  return ANIMATE_GOLDEN_DIR_DEFAULT;
}

std::vector<std::string> case_names() {
  std::ifstream in(golden_dir() / "index.json");
  if (!in) return {"golden_folder_missing"};
  const auto index = nlohmann::json::parse(in);
  std::vector<std::string> names;
  for (const auto& entry : index.at("cases")) {
    names.push_back(entry.at("name").get<std::string>());
  }
  return names;
}

class GoldenCaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCaseTest, MatchesReference) {
  const fs::path dir = golden_dir() / GetParam();
  ASSERT_TRUE(fs::exists(dir / "case.json")) << "golden case not found: " << dir;
  at::set_num_threads(2);
  const auto golden_case = GoldenCase::load(dir);
  ComponentRunner runner;
  try {
    runner = find_runner(golden_case);
  } catch (const NotImplemented& e) {
    GTEST_SKIP() << e.what();
  }
  const auto verdict = compare_outputs(golden_case, runner(golden_case));
  std::cout << format_verdict(verdict);
  EXPECT_TRUE(verdict.ok()) << format_verdict(verdict);
  EXPECT_GT(verdict.passed, 0) << "no output was compared";
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenCaseTest, ::testing::ValuesIn(case_names()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace animate::probe
