#include "worker/runner/job_inputs.h"

#include "media/image_decoder.h"
#include "media/pose_input.h"

namespace animate::worker {
namespace {

media::VideoDecodeOptions pose_decode_options(const InputDecodeOptions& options) {
  media::VideoDecodeOptions decode;
  if (options.pose_fps > 0.0) decode.fps = options.pose_fps;
  decode.limits = options.limits;
  return decode;
}

media::ImageDecodeOptions reference_decode_options(const InputDecodeOptions& options) {
  media::ImageDecodeOptions decode;
  decode.limits = options.limits;
  return decode;
}

// Pose drawings are on black, so transparent pixels become black too.
media::ImageDecodeOptions pose_image_decode_options(const InputDecodeOptions& options) {
  media::ImageDecodeOptions decode = reference_decode_options(options);
  decode.background = media::RgbColor{0, 0, 0};
  return decode;
}

void take_video(JobInputs& inputs, media::DecodedVideo video) {
  inputs.pose_frames = std::move(video.frames);
  inputs.pose_fps = video.fps;
}

}  // namespace

JobInputs decode_input_files(const std::filesystem::path& reference_image,
                             const std::filesystem::path& pose,
                             const std::filesystem::path& reference_pose,
                             const InputDecodeOptions& options) {
  JobInputs inputs;
  inputs.reference_image =
      media::decode_image_file(reference_image, reference_decode_options(options));
  take_video(inputs, media::decode_pose_file(pose, pose_decode_options(options)));
  if (!reference_pose.empty()) {
    inputs.reference_pose =
        media::decode_image_file(reference_pose, pose_image_decode_options(options));
  }
  return inputs;
}

JobInputs decode_input_memory(std::string_view reference_image, std::string_view pose,
                              std::optional<std::string_view> reference_pose,
                              const InputDecodeOptions& options) {
  JobInputs inputs;
  inputs.reference_image = media::decode_image_memory(
      reference_image, reference_decode_options(options), "reference image");
  take_video(inputs, media::decode_pose_memory(pose, pose_decode_options(options)));
  if (reference_pose) {
    inputs.reference_pose = media::decode_image_memory(
        *reference_pose, pose_image_decode_options(options), "reference pose image");
  }
  return inputs;
}

}  // namespace animate::worker
