#include "animate/jobs/job_params.h"

#include <map>

#include "field_codec.h"

namespace animate::jobs {

using detail::format_double;

bool JobParams::operator==(const JobParams& o) const {
  return encode_job_params(*this) == encode_job_params(o);
}

Fields encode_job_params(const JobParams& p) {
  return {
      {"p:reference_image_asset_id", p.reference_image_asset_id},
      {"p:pose_video_asset_id", p.pose_video_asset_id},
      {"p:reference_pose_asset_id", p.reference_pose_asset_id},
      {"p:width", std::to_string(p.width)},
      {"p:height", std::to_string(p.height)},
      {"p:fit_mode", p.fit_mode == FitMode::kCrop  ? "crop"
                     : p.fit_mode == FitMode::kPad ? "pad"
                                                   : "resize"},
      {"p:frame_count", std::to_string(p.frame_count)},
      {"p:steps", std::to_string(p.steps)},
      {"p:shift", format_double(p.shift)},
      {"p:cfg_scale", format_double(p.cfg_scale)},
      {"p:seed", std::to_string(p.seed)},
      {"p:sampler", p.sampler == Sampler::kUniPC ? "unipc" : "euler"},
      {"p:teacache_threshold", format_double(p.teacache_threshold)},
      {"p:pose_strength", format_double(p.pose_strength)},
      {"p:prompt", p.prompt},
      {"p:negative_prompt", p.negative_prompt},
      {"p:fps", format_double(p.fps)},
      {"p:crf", std::to_string(p.crf)},
  };
}

JobParams decode_job_params(const Fields& fields) {
  using namespace detail;
  std::map<std::string_view, std::string_view> f;
  for (const auto& [k, v] : fields) f.emplace(k, v);
  JobParams p;
  auto text = [&](const char* name, std::string& out) {
    if (auto it = f.find(name); it != f.end()) out = std::string(it->second);
  };
  auto u32 = [&](const char* name, std::uint32_t& out) {
    if (auto it = f.find(name); it != f.end())
      out = static_cast<std::uint32_t>(parse_uint(it->second, out));
  };
  auto real = [&](const char* name, double& out) {
    if (auto it = f.find(name); it != f.end()) out = parse_double(it->second, out);
  };
  text("p:reference_image_asset_id", p.reference_image_asset_id);
  text("p:pose_video_asset_id", p.pose_video_asset_id);
  text("p:reference_pose_asset_id", p.reference_pose_asset_id);
  u32("p:width", p.width);
  u32("p:height", p.height);
  if (auto it = f.find("p:fit_mode"); it != f.end()) {
    p.fit_mode = it->second == "crop"  ? FitMode::kCrop
                 : it->second == "pad" ? FitMode::kPad
                                       : FitMode::kResize;
  }
  u32("p:frame_count", p.frame_count);
  u32("p:steps", p.steps);
  real("p:shift", p.shift);
  real("p:cfg_scale", p.cfg_scale);
  if (auto it = f.find("p:seed"); it != f.end()) p.seed = parse_int(it->second, p.seed);
  if (auto it = f.find("p:sampler"); it != f.end()) {
    p.sampler = it->second == "unipc" ? Sampler::kUniPC : Sampler::kEuler;
  }
  real("p:teacache_threshold", p.teacache_threshold);
  real("p:pose_strength", p.pose_strength);
  text("p:prompt", p.prompt);
  text("p:negative_prompt", p.negative_prompt);
  real("p:fps", p.fps);
  u32("p:crf", p.crf);
  return p;
}

std::vector<std::pair<std::string, std::string>> referenced_assets(const JobParams& p) {
  std::vector<std::pair<std::string, std::string>> assets{
      {p.reference_image_asset_id, "params.reference_image_asset_id"},
      {p.pose_video_asset_id, "params.pose_video_asset_id"},
  };
  if (!p.reference_pose_asset_id.empty()) {
    assets.emplace_back(p.reference_pose_asset_id, "params.reference_pose_asset_id");
  }
  return assets;
}

}  // namespace animate::jobs
