#include "job_request_flags.h"

#include <cmath>

namespace animate::client {
namespace {

google::protobuf::Duration seconds_to_duration(double seconds, const std::string& flag) {
  if (!(seconds > 0)) throw UsageError(flag + " must be a positive number of seconds");
  google::protobuf::Duration duration;
  const double whole = std::floor(seconds);
  duration.set_seconds(static_cast<std::int64_t>(whole));
  duration.set_nanos(static_cast<std::int32_t>((seconds - whole) * 1e9));
  return duration;
}

std::uint32_t to_u32(std::uint64_t value, const std::string& flag) {
  if (value > 0xffffffffULL) throw UsageError(flag + " is too large");
  return static_cast<std::uint32_t>(value);
}

}  // namespace

const std::set<std::string>& job_request_value_flags() {
  static const std::set<std::string> kFlags = {
      "--preset",   "--width",           "--height",   "--fit",
      "--frames",   "--steps",           "--shift",    "--cfg",
      "--seed",     "--sampler",         "--teacache", "--pose-strength",
      "--prompt",   "--negative-prompt", "--fps",      "--crf",
      "--priority", "--idempotency-key", "--deadline", "--max-queue-time"};
  return kFlags;
}

const char* job_request_flags_help() {
  return R"(job parameters (unset = server defaults, see animate.v1.JobParams):
  --preset P             480p | 720p | 480p-landscape | 720p-landscape
  --width W --height H   custom output size (multiples of 16, both or neither)
  --fit F                resize | crop | pad
  --frames N             output frames (4k+1; 0 = all pose frames)
  --steps N              denoising steps            --shift X   sigma shift
  --cfg X                guidance scale             --seed N    noise seed
  --sampler S            euler | unipc              --teacache X  TeaCache threshold
  --pose-strength X      pose conditioning scale
  --prompt TEXT          --negative-prompt TEXT
  --fps X                output frame rate          --crf N     H.264 CRF (0-51)
  --priority N           -100..100 (higher runs first)
  --idempotency-key K    same key + same request = same job
  --deadline S           longest run time of the job once started (seconds)
  --max-queue-time S     longest time the job may wait in the queue (seconds)
)";
}

animate::v1::CreateJobRequest job_request_from_args(const Args& args) {
  animate::v1::CreateJobRequest request;
  auto* params = request.mutable_params();
  if (const auto preset = args.get("--preset")) {
    if (*preset == "480p") {
      params->set_size_preset(animate::v1::SIZE_PRESET_480P);
    } else if (*preset == "720p") {
      params->set_size_preset(animate::v1::SIZE_PRESET_720P);
    } else if (*preset == "480p-landscape") {
      params->set_size_preset(animate::v1::SIZE_PRESET_480P_LANDSCAPE);
    } else if (*preset == "720p-landscape") {
      params->set_size_preset(animate::v1::SIZE_PRESET_720P_LANDSCAPE);
    } else {
      throw UsageError("--preset must be 480p, 720p, 480p-landscape or 720p-landscape");
    }
  }
  if (const auto width = args.get_uint("--width")) params->set_width(to_u32(*width, "--width"));
  if (const auto height = args.get_uint("--height"))
    params->set_height(to_u32(*height, "--height"));
  if (const auto fit = args.get("--fit")) {
    if (*fit == "resize") {
      params->set_fit_mode(animate::v1::FIT_MODE_RESIZE);
    } else if (*fit == "crop") {
      params->set_fit_mode(animate::v1::FIT_MODE_CROP);
    } else if (*fit == "pad") {
      params->set_fit_mode(animate::v1::FIT_MODE_PAD);
    } else {
      throw UsageError("--fit must be resize, crop or pad");
    }
  }
  if (const auto frames = args.get_uint("--frames")) {
    params->set_frame_count(to_u32(*frames, "--frames"));
  }
  if (const auto steps = args.get_uint("--steps")) params->set_steps(to_u32(*steps, "--steps"));
  if (const auto shift = args.get_double("--shift")) params->set_shift(static_cast<float>(*shift));
  if (const auto cfg = args.get_double("--cfg")) params->set_cfg_scale(static_cast<float>(*cfg));
  if (const auto seed = args.get_int("--seed")) params->set_seed(*seed);
  if (const auto sampler = args.get("--sampler")) {
    if (*sampler == "euler") {
      params->set_sampler(animate::v1::SAMPLER_EULER);
    } else if (*sampler == "unipc") {
      params->set_sampler(animate::v1::SAMPLER_UNIPC);
    } else {
      throw UsageError("--sampler must be euler or unipc");
    }
  }
  if (const auto teacache = args.get_double("--teacache")) {
    params->set_teacache_threshold(static_cast<float>(*teacache));
  }
  if (const auto strength = args.get_double("--pose-strength")) {
    params->set_pose_strength(static_cast<float>(*strength));
  }
  if (const auto prompt = args.get("--prompt")) params->set_prompt(*prompt);
  if (const auto negative = args.get("--negative-prompt")) params->set_negative_prompt(*negative);
  if (const auto fps = args.get_double("--fps")) params->set_fps(*fps);
  if (const auto crf = args.get_uint("--crf")) params->set_crf(to_u32(*crf, "--crf"));
  if (const auto priority = args.get_int("--priority")) {
    if (*priority < -100 || *priority > 100) throw UsageError("--priority must be in -100..100");
    request.set_priority(static_cast<std::int32_t>(*priority));
  }
  if (const auto key = args.get("--idempotency-key")) request.set_idempotency_key(*key);
  if (const auto deadline = args.get_double("--deadline")) {
    *request.mutable_max_run_time() = seconds_to_duration(*deadline, "--deadline");
  }
  if (const auto queue_time = args.get_double("--max-queue-time")) {
    *request.mutable_max_queue_time() = seconds_to_duration(*queue_time, "--max-queue-time");
  }
  return request;
}

}  // namespace animate::client
