#include "worker/runner/job_runner.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>
#include <utility>

#include "media/mp4_stream_writer.h"
#include "worker/runner/frame_tensor.h"

namespace animate::worker {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// x264 and the muxer want a rational rate; pose videos are usually integer
// or NTSC-like (30000/1001), which thousandths represent exactly enough.
media::FrameRate to_frame_rate(double fps) {
  if (std::abs(fps - std::round(fps)) < 1e-6) return {static_cast<int>(std::lround(fps)), 1};
  int num = static_cast<int>(std::lround(fps * 1000.0));
  int den = 1000;
  const int divisor = std::gcd(num, den);
  return {num / divisor, den / divisor};
}

// Progress milestones: denoising dominates every real job, so it gets most
// of the bar; the rest are rough shares that keep the bar monotonic.
constexpr double kConditionsStart = 0.02;
constexpr double kDenoiseStart = 0.05;
constexpr double kDecodeStart = 0.90;
constexpr double kEncodeStart = 0.98;

RunStage service_stage(pipeline::Stage stage) {
  switch (stage) {
    case pipeline::Stage::kEncodingText:
    case pipeline::Stage::kEncodingImage:
    case pipeline::Stage::kEncodingPose: return RunStage::kEncodingConditions;
    case pipeline::Stage::kDenoising: return RunStage::kDenoising;
    case pipeline::Stage::kDecoding: return RunStage::kDecoding;
    case pipeline::Stage::kDone: return RunStage::kEncodingVideo;
  }
  return RunStage::kDenoising;
}

double fraction_of(const pipeline::ProgressEvent& event) {
  switch (service_stage(event.stage)) {
    case RunStage::kEncodingConditions: return kConditionsStart;
    case RunStage::kDenoising: {
      const double total = static_cast<double>(event.total_steps * event.total_windows);
      if (total <= 0.0 || event.step == 0) return kDenoiseStart;
      const double done =
          static_cast<double>((event.step - 1) * event.total_windows + event.window);
      return kDenoiseStart + (kDecodeStart - kDenoiseStart) * done / total;
    }
    case RunStage::kDecoding: {
      if (event.total_frames <= 0) return kDecodeStart;
      return kDecodeStart + (kEncodeStart - kDecodeStart) *
                                static_cast<double>(event.frames_decoded) /
                                static_cast<double>(event.total_frames);
    }
    default: return kEncodeStart;
  }
}

}  // namespace

double output_fps(const RenderSettings& settings, const JobInputs& inputs) {
  if (settings.fps > 0.0) return settings.fps;
  if (inputs.pose_fps > 0.0) return inputs.pose_fps;
  return 16.0;  // Wan2.1's rate
}

RunOutcome run_job(pipeline::AnimationPipeline& pipeline, const JobInputs& inputs,
                   const RenderSettings& settings, const RunCallbacks& callbacks,
                   const pipeline::CancellationToken* cancel) {
  const Clock::time_point start = Clock::now();
  RunOutcome outcome;
  outcome.fps = output_fps(settings, inputs);

  pipeline::AnimationRequest request = to_animation_request(settings);
  request.reference_image = frame_to_tensor(inputs.reference_image);
  // Only the frames the video will use: a long pose video at full resolution
  // would otherwise be copied whole (the pipeline pads short ones itself).
  request.pose_frames = frames_to_tensor(
      inputs.pose_frames, settings.frames > 0 ? static_cast<std::size_t>(settings.frames) : 0);
  // Without a reference pose the first driving pose stands in: it is the
  // pose the reference person is expected to be drawn in.
  request.reference_pose = inputs.reference_pose ? frame_to_tensor(*inputs.reference_pose)
                                                 : request.pose_frames[0].clone();
  pipeline::validate_request(request);
  outcome.times[RunStage::kPreparingInputs] = seconds_between(start, Clock::now());

  auto report = [&](RunProgress progress) {
    if (!callbacks.progress) return;
    progress.elapsed_seconds = seconds_between(start, Clock::now());
    callbacks.progress(progress);
  };

  // The writer opens at the first decoded frames, so nothing is streamed for
  // a job that fails or is cancelled before it has any video.
  std::optional<media::Mp4StreamWriter> writer;
  double encode_seconds = 0.0;
  auto deliver = [&](std::string_view bytes, media::ChunkKind kind) {
    outcome.bytes += bytes.size();
    // Time spent by the consumer (e.g. Redis appends) is not encoding time.
    const Clock::time_point consumer_start = Clock::now();
    if (callbacks.chunk) callbacks.chunk(bytes, kind);
    encode_seconds -= seconds_between(consumer_start, Clock::now());
  };

  pipeline::JobOptions options;
  options.cancel = cancel;
  options.keep_frames = false;
  Clock::time_point step_mark = Clock::now();
  options.progress = [&](const pipeline::ProgressEvent& event) {
    if (event.stage == pipeline::Stage::kDone) return;  // reported after the encoder flush
    if (event.stage == pipeline::Stage::kDenoising) {
      const Clock::time_point now = Clock::now();
      if (event.step > 0 && callbacks.denoise_step) {
        callbacks.denoise_step(seconds_between(step_mark, now));
      }
      step_mark = now;
    }
    RunProgress progress;
    progress.stage = service_stage(event.stage);
    progress.step = event.step;
    progress.total_steps = event.total_steps;
    progress.window = event.window;
    progress.total_windows = event.total_windows;
    progress.frames_decoded = event.frames_decoded;
    progress.total_frames = event.total_frames;
    progress.fraction = fraction_of(event);
    report(progress);
    // The pipeline's step start is after this callback returns.
    if (event.stage == pipeline::Stage::kDenoising) step_mark = Clock::now();
  };
  options.frame_sink = [&](const pipeline::DecodedFrames& chunk) {
    const at::Tensor& frames = chunk.frames;  // uint8 [n, H, W, 3], contiguous
    const int height = static_cast<int>(frames.size(1));
    const int width = static_cast<int>(frames.size(2));
    const Clock::time_point encode_start = Clock::now();
    if (!writer) {
      media::Mp4WriterOptions writer_options;
      writer_options.width = width;
      writer_options.height = height;
      writer_options.fps = to_frame_rate(outcome.fps);
      writer_options.crf = settings.crf;
      writer_options.preset = settings.x264_preset;
      writer_options.threads = settings.encoder_threads;
      writer.emplace(writer_options, deliver);
    }
    const std::size_t frame_bytes = static_cast<std::size_t>(width) * height * 3;
    const std::uint8_t* data = frames.data_ptr<std::uint8_t>();
    for (std::int64_t i = 0; i < frames.size(0); ++i) {
      media::FrameView view;
      view.data = data + static_cast<std::size_t>(i) * frame_bytes;
      view.width = width;
      view.height = height;
      view.stride = static_cast<std::size_t>(width) * 3;
      writer->write(view);
    }
    encode_seconds += seconds_between(encode_start, Clock::now());
  };

  const pipeline::AnimationResult result = pipeline.run(request, options);

  if (cancel != nullptr && cancel->requested())
    throw pipeline::Cancelled("before finishing the video");
  RunProgress encoding;
  encoding.stage = RunStage::kEncodingVideo;
  encoding.step = encoding.total_steps = request.steps;
  encoding.window = encoding.total_windows = static_cast<std::int64_t>(result.windows.size());
  encoding.frames_decoded = encoding.total_frames = result.num_frames;
  encoding.fraction = kEncodeStart;
  report(encoding);
  if (writer) {
    const Clock::time_point finish_start = Clock::now();
    writer->finish();
    encode_seconds += seconds_between(finish_start, Clock::now());
    outcome.frames = writer->frames_written();
    outcome.width = writer->encoded_width();
    outcome.height = writer->encoded_height();
  }

  outcome.seed = result.seed;
  outcome.windows = static_cast<std::int64_t>(result.windows.size());
  outcome.dit_calls = result.dit_calls;
  outcome.dit_calls_skipped = result.dit_calls_skipped;
  outcome.times[RunStage::kEncodingConditions] =
      result.timings.text + result.timings.image + result.timings.pose;
  outcome.times[RunStage::kDenoising] = result.timings.denoise;
  outcome.times[RunStage::kEncodingVideo] = encode_seconds;
  // The decode timing includes the frame sink, i.e. the encoding done there.
  outcome.times[RunStage::kDecoding] = std::max(0.0, result.timings.decode - encode_seconds);
  return outcome;
}

}  // namespace animate::worker
