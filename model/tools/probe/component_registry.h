#pragma once
// Maps a golden case to the code that runs its component.
#include <functional>
#include <stdexcept>
#include <string>

#include "model/io/safetensors_writer.h"
#include "model/tools/probe/golden_case.h"

namespace animate::probe {

// Raised for a component this build does not implement yet (probe exit 2).
class NotImplemented : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Produces every output the case expects, named without the "expected." prefix.
using ComponentRunner = std::function<io::NamedTensors(const GoldenCase&)>;

// The runner for `golden_case`; throws NotImplemented when there is none.
ComponentRunner find_runner(const GoldenCase& golden_case);

// Runners, one per component family (defined in *_components.cpp).
io::NamedTensors run_scheduler_flowmatch(const GoldenCase& golden_case);
io::NamedTensors run_scheduler_unipc(const GoldenCase& golden_case);
io::NamedTensors run_context_windows(const GoldenCase& golden_case);
// DiT family (dit_components.cpp).
io::NamedTensors run_dit_forward(const GoldenCase& golden_case);
io::NamedTensors run_pose_encoders(const GoldenCase& golden_case);
io::NamedTensors run_lora_merge(const GoldenCase& golden_case);
io::NamedTensors run_teacache(const GoldenCase& golden_case);
// Wan VAE: encode, decode, tiled decode (vae_components.cpp).
io::NamedTensors run_vae(const GoldenCase& golden_case);

// Encoders: CLIP vision (+ reference image preprocessing), umT5 tokenizer
// and text encoder (encoder_components.cpp).
io::NamedTensors run_clip_vision(const GoldenCase& golden_case);
io::NamedTensors run_tokenizer(const GoldenCase& golden_case);
io::NamedTensors run_t5(const GoldenCase& golden_case);

// The resident animation pipeline end to end (pipeline_components.cpp).
io::NamedTensors run_pipeline(const GoldenCase& golden_case);

}  // namespace animate::probe
