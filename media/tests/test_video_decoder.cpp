#include <gtest/gtest.h>

#include "media/error.h"
#include "media/video_decoder.h"
#include "media/video_probe.h"
#include "test_support.h"

namespace animate::media {
namespace {

using testing::indexed_colour;
using testing::indexed_frame;

std::vector<Frame> indexed_frames(int count, int width, int height) {
  std::vector<Frame> frames;
  for (int k = 0; k < count; ++k) frames.push_back(indexed_frame(width, height, k));
  return frames;
}

std::string small_video(int count = 20, int fps = 10) {
  Mp4WriterOptions options;
  options.preset = "ultrafast";
  options.fps = FrameRate{fps, 1};
  options.frames_per_fragment = 5;
  return testing::encode_mp4(indexed_frames(count, 64, 48), options);
}

// Which source frame (by its red level) a decoded frame shows.
int source_index_of(const Frame& frame) {
  const double red = testing::mean_channel(frame, 0);
  int best = 0;
  for (int k = 1; k < 20; ++k) {
    if (std::abs(red - indexed_colour(k)[0]) < std::abs(red - indexed_colour(best)[0])) best = k;
  }
  return best;
}

struct Failure {
  MediaErrorCode code;
  std::string message;
};

Failure failure_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const MediaError& error) {
    return {error.code(), error.what()};
  }
  ADD_FAILURE() << "no MediaError";
  return {MediaErrorCode::kEncoderError, ""};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string run_ffmpeg(const std::string& arguments) {
  int status = 0;
  const std::string output = testing::run_command(
      std::string(ANIMATE_FFMPEG) + " -v error -y " + arguments + " 2>&1", status);
  EXPECT_EQ(status, 0) << output;
  return output;
}

TEST(VideoProbe, ProbesBytesInMemoryAndFiles) {
  const std::string mp4 = small_video();
  const VideoProbe probe = probe_video_memory(mp4);
  EXPECT_TRUE(contains(probe.container, "mp4")) << probe.container;
  EXPECT_EQ(probe.codec, "h264");
  EXPECT_EQ(probe.width, 64);
  EXPECT_EQ(probe.height, 48);
  EXPECT_EQ(probe.rotation, 0);
  EXPECT_NEAR(probe.fps, 10.0, 1e-6);
  EXPECT_NEAR(probe.duration_s, 2.0, 0.05);
  EXPECT_NEAR(static_cast<double>(probe.frame_count), 20.0, 1.0);
  EXPECT_EQ(probe.input_bytes, mp4.size());

  testing::TempDir dir;
  testing::write_file(dir / "v.mp4", mp4);
  EXPECT_EQ(probe_video_file(dir / "v.mp4").width, 64);
}

TEST(VideoProbe, RejectsWhatIsNotAVideo) {
  auto failure = failure_of([] { probe_video_memory("just some text, certainly not a video"); });
  EXPECT_EQ(failure.code, MediaErrorCode::kUnsupportedFormat);
  EXPECT_TRUE(contains(failure.message, "not a video container")) << failure.message;

  std::string noise(4096, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i)
    noise[i] = static_cast<char>((i * 7919 + 13) % 251);
  failure = failure_of([&] { probe_video_memory(noise); });
  EXPECT_TRUE(failure.code == MediaErrorCode::kUnsupportedFormat ||
              failure.code == MediaErrorCode::kInvalidData)
      << failure.message;

  failure = failure_of([] { probe_video_memory(""); });
  EXPECT_EQ(failure.code, MediaErrorCode::kInvalidData);
  EXPECT_TRUE(contains(failure.message, "empty")) << failure.message;

  // An MP4 cut inside its header is a known container, but corrupt.
  const std::string mp4 = small_video();
  failure = failure_of([&] { probe_video_memory(mp4.substr(0, 200)); });
  EXPECT_EQ(failure.code, MediaErrorCode::kInvalidData) << failure.message;
  EXPECT_TRUE(contains(failure.message, "truncated")) << failure.message;

  failure = failure_of([] { probe_video_file("/nonexistent/pose.mp4"); });
  EXPECT_EQ(failure.code, MediaErrorCode::kIoError);
}

TEST(VideoProbe, RejectsAudioOnlyFiles) {
  if (!testing::have_tool(ANIMATE_FFMPEG)) GTEST_SKIP() << "ffmpeg not installed";
  testing::TempDir dir;
  run_ffmpeg("-f lavfi -i sine=duration=0.2 -c:a aac '" + (dir / "a.m4a").string() + "'");
  const auto failure = failure_of([&] { probe_video_file(dir / "a.m4a"); });
  EXPECT_EQ(failure.code, MediaErrorCode::kUnsupportedFormat);
  EXPECT_TRUE(contains(failure.message, "no video stream")) << failure.message;
}

TEST(VideoProbe, EnforcesLimits) {
  const std::string mp4 = small_video();
  MediaLimits limits;
  limits.max_pixels = 1000;
  auto failure = failure_of([&] { probe_video_memory(mp4, limits); });
  EXPECT_EQ(failure.code, MediaErrorCode::kLimitExceeded);
  EXPECT_TRUE(contains(failure.message, "64x48 = 3072 pixels")) << failure.message;
  EXPECT_TRUE(contains(failure.message, "max_pixels = 1000")) << failure.message;

  limits = {};
  limits.max_duration_s = 0.5;
  failure = failure_of([&] { probe_video_memory(mp4, limits); });
  EXPECT_EQ(failure.code, MediaErrorCode::kLimitExceeded);
  EXPECT_TRUE(contains(failure.message, "max_duration_s")) << failure.message;

  limits = {};
  limits.max_input_bytes = 100;
  failure = failure_of([&] { probe_video_memory(mp4, limits); });
  EXPECT_TRUE(contains(failure.message, "max_input_bytes = 100")) << failure.message;

  limits = {};
  limits.max_frames = 5;
  failure = failure_of([&] {
    VideoDecodeOptions options;
    options.limits = limits;
    decode_video_memory(mp4, options);
  });
  EXPECT_EQ(failure.code, MediaErrorCode::kLimitExceeded);
  EXPECT_TRUE(contains(failure.message, "max_frames = 5")) << failure.message;
}

TEST(VideoDecoder, ResamplesToACount) {
  VideoDecodeOptions options;
  options.frame_count = 5;
  const DecodedVideo video = decode_video_memory(small_video(), options);
  ASSERT_EQ(video.frames.size(), 5u);
  EXPECT_EQ(video.source_frame_count, 20);
  EXPECT_NEAR(video.fps, 2.5, 1e-9);  // 5 frames over the 2 s source
  EXPECT_EQ(video.source_indices, (std::vector<std::size_t>{0, 4, 8, 12, 16}));
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(source_index_of(video.frames[i]), static_cast<int>(video.source_indices[i]));
  }
}

TEST(VideoDecoder, ResamplesToAFrameRate) {
  VideoDecodeOptions options;
  options.fps = 20.0;  // double the source rate: each frame twice
  const DecodedVideo video = decode_video_memory(small_video(), options);
  ASSERT_EQ(video.frames.size(), 40u);
  EXPECT_EQ(video.source_indices[0], 0u);
  EXPECT_EQ(video.source_indices[1], 0u);
  EXPECT_EQ(video.source_indices[2], 1u);
  EXPECT_EQ(source_index_of(video.frames[39]), 19);
}

TEST(VideoDecoder, ScalesToTheRequestedSize) {
  VideoDecodeOptions options;
  options.width = 32;  // height follows the 4:3 aspect
  DecodedVideo video = decode_video_memory(small_video(4), options);
  EXPECT_EQ(video.frames[0].width, 32);
  EXPECT_EQ(video.frames[0].height, 24);
  options.width = 20;
  options.height = 30;
  options.filter = ScaleFilter::kBicubic;
  video = decode_video_memory(small_video(4), options);
  EXPECT_EQ(video.frames[0].width, 20);
  EXPECT_EQ(video.frames[0].height, 30);
  EXPECT_EQ(source_index_of(video.frames[3]), 3);
}

TEST(VideoDecoder, RejectsBadOptions) {
  VideoDecodeOptions options;
  options.frame_count = 0;
  EXPECT_THROW(decode_video_memory(small_video(2), options), std::invalid_argument);
  options = {};
  options.limits.max_frames = 10;
  options.frame_count = 11;
  EXPECT_THROW(decode_video_memory(small_video(2), options), std::invalid_argument);
  options = {};
  options.width = -4;
  EXPECT_THROW(decode_video_memory(small_video(2), options), std::invalid_argument);
}

TEST(VideoDecoder, AppliesRotationMetadataLikeFfmpeg) {
  if (!testing::have_tool(ANIMATE_FFMPEG)) GTEST_SKIP() << "ffmpeg not installed";
  // Left half red, right half blue, top rows brighter green: every turn shows.
  Frame frame(64, 48);
  for (int y = 0; y < 48; ++y) {
    for (int x = 0; x < 64; ++x) {
      std::uint8_t* p = frame.pixel(x, y);
      p[0] = x < 32 ? 220 : 30;
      p[1] = y < 24 ? 160 : 40;
      p[2] = x < 32 ? 30 : 220;
    }
  }
  Mp4WriterOptions options;
  options.preset = "ultrafast";
  testing::TempDir dir;
  testing::write_file(dir / "plain.mp4", testing::encode_mp4({frame, frame}, options));
  for (int rotation : {90, 180, 270}) {
    const auto rotated = dir / ("rotated" + std::to_string(rotation) + ".mp4");
    run_ffmpeg("-i '" + (dir / "plain.mp4").string() + "' -c copy -metadata:s:v:0 rotate=" +
               std::to_string(rotation) + " '" + rotated.string() + "'");
    const VideoProbe probe = probe_video_file(rotated);
    EXPECT_EQ(probe.rotation, rotation);
    const DecodedVideo video = decode_video_file(rotated);
    ASSERT_EQ(video.frames.size(), 2u);
    const Frame& ours = video.frames[0];
    EXPECT_EQ(ours.width, rotation == 180 ? 64 : 48);
    EXPECT_EQ(ours.height, rotation == 180 ? 48 : 64);

    // ffmpeg's own autorotation, as raw RGB, must match pixel for pixel (up to rounding).
    int status = 0;
    const std::string reference =
        testing::run_command(std::string(ANIMATE_FFMPEG) + " -v error -i '" + rotated.string() +
                                 "' -frames:v 1 -f rawvideo -pix_fmt rgb24 -",
                             status);
    ASSERT_EQ(status, 0);
    ASSERT_EQ(reference.size(), ours.rgb.size());
    double difference = 0.0;
    for (std::size_t i = 0; i < reference.size(); ++i) {
      difference +=
          std::abs(static_cast<int>(static_cast<std::uint8_t>(reference[i])) - ours.rgb[i]);
    }
    EXPECT_LT(difference / static_cast<double>(reference.size()), 3.0) << "rotation " << rotation;

    VideoDecodeOptions unrotated;
    unrotated.apply_rotation = false;
    EXPECT_EQ(decode_video_file(rotated, unrotated).frames[0].width, 64);
  }
}

TEST(VideoDecoder, ResamplesVariableFrameRateByTimestamp) {
  if (!testing::have_tool(ANIMATE_FFMPEG)) GTEST_SKIP() << "ffmpeg not installed";
  testing::TempDir dir;
  testing::write_file(dir / "cfr.mp4", small_video(12, 12));
  // Frames 0-5 every 50 ms, then 6-11 every 250 ms; MJPEG in Matroska also
  // covers a second container and codec.
  run_ffmpeg("-i '" + (dir / "cfr.mp4").string() +
             "' -vf 'setpts=if(lt(N\\,6)\\,N*0.05\\,0.3+(N-6)*0.25)/TB' -fps_mode passthrough "
             "-enc_time_base:v 1:1000 -c:v mjpeg -q:v 2 '" +
             (dir / "vfr.mkv").string() + "'");
  const DecodedVideo all = decode_video_file(dir / "vfr.mkv");
  ASSERT_EQ(all.frames.size(), 12u);
  EXPECT_NEAR(all.source_timestamps_s[5], 0.25, 0.002);
  EXPECT_NEAR(all.source_timestamps_s[7], 0.55, 0.002);
  EXPECT_NEAR(all.source_timestamps_s[11], 1.55, 0.002);

  VideoDecodeOptions options;
  options.frame_count = 4;
  options.fps = 2.0;  // t = 0, 0.5, 1.0, 1.5
  const DecodedVideo video = decode_video_file(dir / "vfr.mkv", options);
  EXPECT_EQ(video.source_indices, (std::vector<std::size_t>{0, 7, 9, 11}));
  ASSERT_EQ(video.frames.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(source_index_of(video.frames[i]), static_cast<int>(video.source_indices[i]));
  }
  EXPECT_DOUBLE_EQ(video.fps, 2.0);
}

TEST(VideoDecoder, TruncatedAndCorruptVideosFailCleanly) {
  const std::string mp4 = small_video();
  // Init segment only: a valid header with no frames at all.
  const std::size_t first_moof = mp4.find("moof") - 4;
  auto failure = failure_of([&] { decode_video_memory(mp4.substr(0, first_moof)); });
  EXPECT_EQ(failure.code, MediaErrorCode::kInvalidData) << failure.message;
  EXPECT_TRUE(contains(failure.message, "no decodable video frames")) << failure.message;

  // Every cut and a few scrambled copies: a frame count or a MediaError, never a crash.
  for (std::size_t keep = 300; keep < mp4.size(); keep += mp4.size() / 7) {
    try {
      const auto video = decode_video_memory(mp4.substr(0, keep));
      EXPECT_LE(video.frames.size(), 20u);
    } catch (const MediaError&) {
    }
  }
  for (std::size_t seed = 1; seed <= 3; ++seed) {
    std::string scrambled = mp4;
    for (std::size_t i = first_moof + 100; i < scrambled.size(); i += 37 * seed)
      scrambled[i] ^= 0x55;
    try {
      decode_video_memory(scrambled);
    } catch (const MediaError&) {
    }
  }
}

TEST(VideoDecoder, DecodesFromAPath) {
  testing::TempDir dir;
  testing::write_file(dir / "v.mp4", small_video(3));
  const DecodedVideo video = decode_video_file(dir / "v.mp4");
  EXPECT_EQ(video.frames.size(), 3u);
  EXPECT_EQ(video.probe.codec, "h264");
  const auto failure = failure_of([&] { decode_video_file(dir.path()); });
  EXPECT_EQ(failure.code, MediaErrorCode::kIoError);
}

}  // namespace
}  // namespace animate::media
