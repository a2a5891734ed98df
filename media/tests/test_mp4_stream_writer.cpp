#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "media/error.h"
#include "media/mp4_file_writer.h"
#include "media/mp4_stream_writer.h"
#include "media/video_decoder.h"
#include "test_support.h"

namespace animate::media {
namespace {

using testing::Chunk;
using testing::encode_chunks;
using testing::indexed_frame;

std::vector<Frame> indexed_frames(int count, int width, int height) {
  std::vector<Frame> frames;
  for (int k = 0; k < count; ++k) frames.push_back(indexed_frame(width, height, k));
  return frames;
}

Mp4WriterOptions fast_options(int width, int height) {
  Mp4WriterOptions options;
  options.width = width;
  options.height = height;
  options.preset = "ultrafast";
  return options;
}

nlohmann::json ffprobe_stream(const std::filesystem::path& file) {
  int status = 0;
  const std::string output = testing::run_command(
      std::string(ANIMATE_FFPROBE) + " -v error -show_streams -count_frames -of json '" +
          file.string() + "'",
      status);
  EXPECT_EQ(status, 0) << output;
  const auto json = nlohmann::json::parse(output);
  EXPECT_EQ(json.at("streams").size(), 1u);
  return json.at("streams").at(0);
}

std::string box_type(const std::string& bytes) {
  return bytes.substr(4, 4);
}

TEST(Mp4StreamWriter, RoundTripIsAcceptedByFfprobe) {
  if (!testing::have_tool(ANIMATE_FFPROBE)) GTEST_SKIP() << "ffprobe not installed";
  Mp4WriterOptions options = fast_options(64, 48);
  options.fps = FrameRate{12, 1};
  options.frames_per_fragment = 8;
  const std::vector<Chunk> chunks = encode_chunks(indexed_frames(24, 64, 48), options);

  ASSERT_GE(chunks.size(), 4u);
  EXPECT_EQ(chunks.front().kind, ChunkKind::kInit);
  EXPECT_EQ(box_type(chunks.front().bytes), "ftyp");
  int fragments = 0;
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    if (chunks[i].kind == ChunkKind::kFragment) {
      ++fragments;
      EXPECT_EQ(box_type(chunks[i].bytes), "moof");
    } else {
      EXPECT_EQ(chunks[i].kind, ChunkKind::kTrailer);
      EXPECT_EQ(i, chunks.size() - 1) << "the trailer comes last";
    }
  }
  EXPECT_EQ(fragments, 3);  // one per GOP of 8 frames

  testing::TempDir dir;
  testing::write_file(dir / "out.mp4", testing::concatenate(chunks));
  const auto stream = ffprobe_stream(dir / "out.mp4");
  EXPECT_EQ(stream.at("codec_name"), "h264");
  EXPECT_EQ(stream.at("pix_fmt"), "yuv420p");
  EXPECT_EQ(stream.at("width"), 64);
  EXPECT_EQ(stream.at("height"), 48);
  EXPECT_EQ(stream.at("nb_read_frames"), "24");
  EXPECT_EQ(stream.at("avg_frame_rate"), "12/1");
}

TEST(Mp4StreamWriter, DecodesBackWithTheRightColours) {
  const std::string mp4 = testing::encode_mp4(indexed_frames(10, 64, 48), fast_options(64, 48));
  const DecodedVideo video = decode_video_memory(mp4);
  ASSERT_EQ(video.frames.size(), 10u);
  EXPECT_DOUBLE_EQ(video.fps, 16.0);
  for (int k = 0; k < 10; ++k) {
    const auto expected = testing::indexed_colour(k);
    const Frame& frame = video.frames[static_cast<std::size_t>(k)];
    ASSERT_EQ(frame.width, 64);
    ASSERT_EQ(frame.height, 48);
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(testing::mean_channel(frame, c), expected[static_cast<std::size_t>(c)], 4.0)
          << "frame " << k << " channel " << c;
    }
  }
}

TEST(Mp4StreamWriter, ChunksArriveBeforeFinish) {
  std::vector<Chunk> chunks;
  Mp4WriterOptions options = fast_options(32, 32);
  options.frames_per_fragment = 4;
  Mp4StreamWriter writer(options, [&](std::string_view bytes, ChunkKind kind) {
    chunks.push_back({std::string(bytes), kind});
  });
  // The init segment is delivered by the constructor, before any frame.
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].kind, ChunkKind::kInit);
  EXPECT_EQ(box_type(chunks[0].bytes), "ftyp");
  EXPECT_NE(chunks[0].bytes.find("moov"), std::string::npos);

  for (int k = 0; k < 12; ++k) writer.write(indexed_frame(32, 32, k));
  const std::size_t before_finish = chunks.size();
  EXPECT_GE(before_finish, 3u) << "fragments should stream while frames are written";
  for (std::size_t i = 1; i < before_finish; ++i) EXPECT_EQ(chunks[i].kind, ChunkKind::kFragment);
  writer.finish();
  EXPECT_GT(chunks.size(), before_finish);
  EXPECT_EQ(writer.frames_written(), 12);
  std::uint64_t total = 0;
  for (const Chunk& chunk : chunks) total += chunk.bytes.size();
  EXPECT_EQ(writer.bytes_delivered(), total);
  EXPECT_EQ(decode_video_memory(testing::concatenate(chunks)).frames.size(), 12u);
}

TEST(Mp4StreamWriter, OutputIsDeterministic) {
  const auto frames = indexed_frames(6, 32, 32);
  Mp4WriterOptions options = fast_options(32, 32);
  options.threads = 1;
  EXPECT_EQ(testing::encode_mp4(frames, options), testing::encode_mp4(frames, options));
}

TEST(Mp4StreamWriter, PadsOddSizesByRepeatingEdges) {
  Frame frame = testing::solid_frame(33, 17, 200, 40, 40);
  for (int y = 0; y < 17; ++y) std::fill(frame.pixel(32, y), frame.pixel(32, y) + 3, 20);
  Mp4WriterOptions options = fast_options(33, 17);
  std::vector<Chunk> chunks;
  Mp4StreamWriter writer(options, [&](std::string_view bytes, ChunkKind kind) {
    chunks.push_back({std::string(bytes), kind});
  });
  EXPECT_EQ(writer.encoded_width(), 34);
  EXPECT_EQ(writer.encoded_height(), 18);
  writer.write(frame);
  writer.finish();
  const DecodedVideo video = decode_video_memory(testing::concatenate(chunks));
  ASSERT_EQ(video.frames.size(), 1u);
  ASSERT_EQ(video.frames[0].width, 34);
  ASSERT_EQ(video.frames[0].height, 18);
  // The padding column repeats the dark last column, the padding row the last row.
  EXPECT_LT(video.frames[0].pixel(33, 5)[0], 70);
  EXPECT_GT(video.frames[0].pixel(10, 17)[0], 160);

  options.odd_size = OddSizePolicy::kError;
  try {
    Mp4StreamWriter refused(options, [](std::string_view, ChunkKind) {});
    FAIL();
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("even"), std::string::npos) << error.what();
  }
}

TEST(Mp4StreamWriter, RejectsBadOptionsNamingTheField) {
  const auto expect_field = [](Mp4WriterOptions options, const std::string& field) {
    try {
      validate_mp4_options(options);
      ADD_FAILURE() << "accepted bad " << field;
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find("Mp4WriterOptions." + field), std::string::npos)
          << error.what();
    }
  };
  const Mp4WriterOptions good = fast_options(32, 32);
  Mp4WriterOptions bad = good;
  bad.crf = 60;
  expect_field(bad, "crf");
  bad = good;
  bad.preset = "warp";
  expect_field(bad, "preset");
  bad = good;
  bad.tune = "loud";
  expect_field(bad, "tune");
  bad = good;
  bad.fps = FrameRate{0, 1};
  expect_field(bad, "fps");
  bad = good;
  bad.frames_per_fragment = 0;
  expect_field(bad, "frames_per_fragment");
  bad = good;
  bad.width = 0;
  expect_field(bad, "width");
  EXPECT_THROW(Mp4StreamWriter(good, nullptr), std::invalid_argument);
}

TEST(Mp4StreamWriter, MisuseIsReported) {
  Mp4StreamWriter writer(fast_options(32, 32), [](std::string_view, ChunkKind) {});
  EXPECT_THROW(writer.write(testing::solid_frame(16, 32, 0, 0, 0)), std::invalid_argument);
  writer.write(testing::solid_frame(32, 32, 0, 0, 0));
  writer.finish();
  writer.finish();  // idempotent
  EXPECT_THROW(writer.write(testing::solid_frame(32, 32, 0, 0, 0)), std::logic_error);
}

TEST(Mp4StreamWriter, CallbackExceptionsPropagateAndStopTheWriter) {
  struct Refused : std::runtime_error {
    Refused() : std::runtime_error("client went away") {}
  };
  Mp4WriterOptions options = fast_options(32, 32);
  options.frames_per_fragment = 2;
  Mp4StreamWriter writer(options, [](std::string_view, ChunkKind kind) {
    if (kind == ChunkKind::kFragment) throw Refused();
  });
  EXPECT_THROW(
      {
        for (int k = 0; k < 20; ++k) writer.write(indexed_frame(32, 32, k));
        writer.finish();
      },
      Refused);
  EXPECT_THROW(writer.write(indexed_frame(32, 32, 0)), std::logic_error);
}

TEST(Mp4FileWriter, WritesAPlayableFile) {
  testing::TempDir dir;
  Mp4WriterOptions options;
  options.preset = "ultrafast";
  options.fps = FrameRate{25, 1};
  write_mp4_file(dir / "clip.mp4", indexed_frames(5, 48, 32), options);
  const VideoProbe probe = probe_video_file(dir / "clip.mp4");
  EXPECT_EQ(probe.codec, "h264");
  EXPECT_EQ(probe.width, 48);
  EXPECT_EQ(probe.height, 32);
  EXPECT_NEAR(probe.fps, 25.0, 1e-6);
  EXPECT_THROW(write_mp4_file(dir / "none.mp4", {}, options), std::invalid_argument);
  EXPECT_THROW(write_mp4_file("/nonexistent/dir/clip.mp4", indexed_frames(1, 16, 16), options),
               MediaError);
}

}  // namespace
}  // namespace animate::media
