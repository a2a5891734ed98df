#pragma once
// The golden comparison rule (../shared/golden/README.md): an output passes
// iff every element satisfies |actual - expected| <= atol + rtol * |expected|
// with the output's own tolerances, shapes match exactly, and NaN passes only
// against NaN. Required outputs that are absent fail; optional ones skip.
#include <string>
#include <vector>

#include "model/io/safetensors_writer.h"
#include "model/tools/probe/golden_case.h"

namespace animate::probe {

struct OutputVerdict {
  enum class Status { kPass, kFail, kSkip };
  std::string name;
  Status status = Status::kSkip;
  bool required = false;
  double max_abs_err = 0.0;
  double max_rel_err = 0.0;
  std::string detail;  // why it failed or skipped
};

struct CaseVerdict {
  std::vector<OutputVerdict> outputs;
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  bool ok() const { return failed == 0; }
};

CaseVerdict compare_outputs(const GoldenCase& golden_case, const io::NamedTensors& actual);

// One line per output, as compare.py prints them, then "N passed, M failed".
std::string format_verdict(const CaseVerdict& verdict);

}  // namespace animate::probe
