#include "model/tools/probe/golden_compare.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <map>
#include <sstream>

#include "model/io/shape_string.h"

namespace animate::probe {
namespace {

using io::shape_string;

OutputVerdict compare_one(const std::string& name, const at::Tensor& expected_in,
                          const at::Tensor& actual_in, double atol, double rtol) {
  OutputVerdict verdict{name, OutputVerdict::Status::kFail, true, 0, 0, ""};
  if (actual_in.sizes() != expected_in.sizes()) {
    verdict.detail = "shape " + shape_string(actual_in.sizes()) + " != expected " +
                     shape_string(expected_in.sizes());
    return verdict;
  }
  const auto expected = expected_in.to(at::kDouble);
  const auto actual = actual_in.to(at::kDouble);
  if (expected.numel() == 0) {
    verdict.status = OutputVerdict::Status::kPass;
    return verdict;
  }
  const auto both_nan = at::logical_and(at::isnan(expected), at::isnan(actual));
  const auto diff = (actual - expected).abs();
  const auto bound = atol + rtol * expected.abs();
  // NaN differences compare false, so they fail unless both sides are NaN.
  const auto ok = at::logical_or(diff <= bound, both_nan);
  const auto finite_diff = at::where(both_nan, at::zeros_like(diff), diff);
  verdict.max_abs_err = at::nan_to_num(finite_diff, 1e300).max().item<double>();
  // Relative error ignores elements whose magnitude is below 1e-6 of the
  // tensor's maximum (as compare.py does).
  const double scale = expected.abs().nan_to_num(0).max().item<double>();
  const auto significant = expected.abs() > 1e-6 * scale;
  if (significant.any().item<bool>()) {
    const auto rel =
        finite_diff.masked_select(significant) / expected.abs().masked_select(significant);
    verdict.max_rel_err = at::nan_to_num(rel, 1e300).max().item<double>();
  }
  if (ok.all().item<bool>()) {
    verdict.status = OutputVerdict::Status::kPass;
  } else {
    const auto bad = (~ok).sum().item<std::int64_t>();
    verdict.detail = std::to_string(bad) + " of " + std::to_string(expected.numel()) +
                     " elements outside atol " + std::to_string(atol) + " + rtol " +
                     std::to_string(rtol) + " * |expected|";
  }
  return verdict;
}

}  // namespace

CaseVerdict compare_outputs(const GoldenCase& golden_case, const io::NamedTensors& actual) {
  std::map<std::string, at::Tensor> by_name(actual.begin(), actual.end());
  CaseVerdict result;
  for (const auto& [name, spec] : golden_case.json().at("outputs").items()) {
    const bool required = spec.value("required", true);
    const double atol = spec.value("atol", 0.0);
    const double rtol = spec.value("rtol", 0.0);
    OutputVerdict verdict;
    auto it = by_name.find(name);
    if (!golden_case.has_expected(name)) {
      verdict = {name, OutputVerdict::Status::kSkip, required, 0, 0, "no expected value stored"};
    } else if (it == by_name.end()) {
      verdict = {name,     required ? OutputVerdict::Status::kFail : OutputVerdict::Status::kSkip,
                 required, 0,
                 0,        "not produced"};
    } else {
      verdict = compare_one(name, golden_case.expected(name), it->second, atol, rtol);
      verdict.required = required;
    }
    switch (verdict.status) {
      case OutputVerdict::Status::kPass: ++result.passed; break;
      case OutputVerdict::Status::kFail: ++result.failed; break;
      case OutputVerdict::Status::kSkip: ++result.skipped; break;
    }
    result.outputs.push_back(std::move(verdict));
  }
  return result;
}

std::string format_verdict(const CaseVerdict& verdict) {
  std::ostringstream out;
  for (const auto& output : verdict.outputs) {
    const char* status = output.status == OutputVerdict::Status::kPass   ? "PASS"
                         : output.status == OutputVerdict::Status::kFail ? "FAIL"
                                                                         : "SKIP";
    char numbers[96];
    std::snprintf(numbers, sizeof(numbers), "max_abs_err=%.3g max_rel_err=%.3g", output.max_abs_err,
                  output.max_rel_err);
    out << status << " " << output.name << ": "
        << (output.status == OutputVerdict::Status::kSkip ? output.detail : numbers);
    if (output.status == OutputVerdict::Status::kFail && !output.detail.empty()) {
      out << " (" << output.detail << ")";
    }
    out << "\n";
  }
  out << verdict.passed << " passed, " << verdict.failed << " failed";
  if (verdict.skipped) out << ", " << verdict.skipped << " skipped";
  out << "\n";
  return out.str();
}

}  // namespace animate::probe
