#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "media/error.h"
#include "media/image_decoder.h"
#include "test_support.h"

namespace animate::media {
namespace {

using testing::encode_image;
using testing::with_exif_orientation;

struct Failure {
  MediaErrorCode code;
  std::string message;
};

Failure decode_failure(const std::string& bytes, const ImageDecodeOptions& options = {}) {
  try {
    decode_image_memory(bytes, options, "upload.bin");
  } catch (const MediaError& error) {
    return {error.code(), error.what()};
  }
  ADD_FAILURE() << "decoding did not fail";
  return {MediaErrorCode::kEncoderError, ""};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string encode_mat(const cv::Mat& image, const std::string& extension) {
  std::vector<unsigned char> bytes;
  EXPECT_TRUE(cv::imencode(extension, image, bytes));
  return std::string(bytes.begin(), bytes.end());
}

// 40x20 with distinct quadrant colours so every flip/rotation is visible.
Frame asymmetric_frame() {
  Frame frame(40, 20);
  for (int y = 0; y < 20; ++y) {
    for (int x = 0; x < 40; ++x) {
      std::uint8_t* p = frame.pixel(x, y);
      p[0] = x < 20 ? 230 : 20;
      p[1] = y < 10 ? 220 : 30;
      p[2] = (x < 20) == (y < 10) ? 40 : 200;
    }
  }
  return frame;
}

double mean_abs_difference(const Frame& a, const cv::Mat& bgr) {
  EXPECT_EQ(a.width, bgr.cols);
  EXPECT_EQ(a.height, bgr.rows);
  if (a.width != bgr.cols || a.height != bgr.rows) return 1e9;
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  double sum = 0.0;
  for (std::size_t i = 0; i < a.rgb.size(); ++i) sum += std::abs(a.rgb[i] - rgb.data[i]);
  return sum / static_cast<double>(a.rgb.size());
}

TEST(ImageDecoder, DecodesPngToRgb) {
  const Frame source = asymmetric_frame();
  const Frame decoded = decode_image_memory(encode_image(source, ".png"));
  EXPECT_EQ(decoded.width, 40);
  EXPECT_EQ(decoded.height, 20);
  EXPECT_EQ(decoded.rgb, source.rgb);  // lossless, channel order kept
}

TEST(ImageDecoder, DecodesWebpAndJpeg) {
  const Frame source = asymmetric_frame();
  for (const char* extension : {".webp", ".jpg"}) {
    const Frame decoded = decode_image_memory(encode_image(source, extension));
    ASSERT_EQ(decoded.width, 40) << extension;
    EXPECT_NEAR(testing::mean_channel(decoded, 0), testing::mean_channel(source, 0), 6.0)
        << extension;
    EXPECT_GT(decoded.pixel(5, 5)[0], 180) << extension;  // red-ish top-left stays red
  }
}

TEST(ImageDecoder, FlattensAlphaOntoTheBackground) {
  cv::Mat bgra(2, 3, CV_8UC4);
  bgra.at<cv::Vec4b>(0, 0) = {0, 0, 255, 0};    // fully transparent red
  bgra.at<cv::Vec4b>(0, 1) = {0, 255, 0, 255};  // opaque green
  bgra.at<cv::Vec4b>(0, 2) = {255, 0, 0, 128};  // half blue
  bgra.at<cv::Vec4b>(1, 0) = {10, 20, 30, 255};
  bgra.at<cv::Vec4b>(1, 1) = {10, 20, 30, 255};
  bgra.at<cv::Vec4b>(1, 2) = {10, 20, 30, 255};
  const std::string png = encode_mat(bgra, ".png");

  const Frame white = decode_image_memory(png);
  EXPECT_EQ(std::vector<int>(white.pixel(0, 0), white.pixel(0, 0) + 3),
            (std::vector<int>{255, 255, 255}));
  EXPECT_EQ(std::vector<int>(white.pixel(1, 0), white.pixel(1, 0) + 3),
            (std::vector<int>{0, 255, 0}));
  // 128/255 of blue over white: r = g = 255 * 127 / 255 = 127, b = 255.
  EXPECT_EQ(std::vector<int>(white.pixel(2, 0), white.pixel(2, 0) + 3),
            (std::vector<int>{127, 127, 255}));
  EXPECT_EQ(std::vector<int>(white.pixel(0, 1), white.pixel(0, 1) + 3),
            (std::vector<int>{30, 20, 10}));

  ImageDecodeOptions black;
  black.background = RgbColor{0, 0, 0};
  const Frame on_black = decode_image_memory(png, black);
  EXPECT_EQ(std::vector<int>(on_black.pixel(0, 0), on_black.pixel(0, 0) + 3),
            (std::vector<int>{0, 0, 0}));
}

TEST(ImageDecoder, ReducesSixteenBitPng) {
  cv::Mat deep(4, 4, CV_16UC3, cv::Scalar(257 * 10, 257 * 100, 65535));  // BGR
  const Frame decoded = decode_image_memory(encode_mat(deep, ".png"));
  EXPECT_EQ(std::vector<int>(decoded.pixel(0, 0), decoded.pixel(0, 0) + 3),
            (std::vector<int>{255, 100, 10}));
}

TEST(ImageDecoder, ExpandsGrayscale) {
  cv::Mat gray(3, 5, CV_8UC1, cv::Scalar(77));
  const Frame decoded = decode_image_memory(encode_mat(gray, ".png"));
  EXPECT_EQ(decoded.width, 5);
  EXPECT_EQ(std::vector<int>(decoded.pixel(4, 2), decoded.pixel(4, 2) + 3),
            (std::vector<int>{77, 77, 77}));
}

TEST(ImageDecoder, AppliesExifOrientationLikeOpenCvImreadColor) {
  const std::string jpeg = encode_image(asymmetric_frame(), ".jpg");
  for (int orientation = 1; orientation <= 8; ++orientation) {
    for (bool big_endian : {false, true}) {
      const std::string rotated = with_exif_orientation(jpeg, orientation, big_endian);
      EXPECT_EQ(probe_image_memory(rotated).exif_orientation, orientation);
      const Frame ours = decode_image_memory(rotated);
      // OpenCV applies EXIF itself for IMREAD_COLOR; both must agree.
      const cv::Mat reference = cv::imdecode(
          cv::Mat(1, static_cast<int>(rotated.size()), CV_8UC1, const_cast<char*>(rotated.data())),
          cv::IMREAD_COLOR);
      EXPECT_LT(mean_abs_difference(ours, reference), 0.5) << "orientation " << orientation;
      EXPECT_EQ(ours.width, orientation >= 5 ? 20 : 40) << "orientation " << orientation;
    }
  }
  // Orientation 6 = "rotate 90 clockwise to display": the red left half ends on top.
  const Frame six = decode_image_memory(with_exif_orientation(jpeg, 6, false));
  EXPECT_GT(six.pixel(10, 5)[0], 180);
  EXPECT_LT(six.pixel(10, 35)[0], 80);

  ImageDecodeOptions keep;
  keep.apply_exif_orientation = false;
  EXPECT_EQ(decode_image_memory(with_exif_orientation(jpeg, 6, false), keep).width, 40);
}

TEST(ImageDecoder, RejectsNonImageBytes) {
  auto failure = decode_failure("hello, this is plainly text and not an image");
  EXPECT_EQ(failure.code, MediaErrorCode::kUnsupportedFormat);
  EXPECT_TRUE(contains(failure.message, "upload.bin")) << failure.message;
  EXPECT_TRUE(contains(failure.message, "not a JPEG, PNG or WebP")) << failure.message;

  failure = decode_failure("GIF89a\x01\x00\x01\x00");
  EXPECT_EQ(failure.code, MediaErrorCode::kUnsupportedFormat);

  failure = decode_failure("");
  EXPECT_EQ(failure.code, MediaErrorCode::kInvalidData);
  EXPECT_TRUE(contains(failure.message, "empty")) << failure.message;

  const std::string mp4 = testing::encode_mp4({testing::solid_frame(16, 16, 1, 2, 3)}, {});
  EXPECT_EQ(decode_failure(mp4).code, MediaErrorCode::kUnsupportedFormat);
}

TEST(ImageDecoder, ReportsTruncatedFiles) {
  const Frame source = asymmetric_frame();
  for (const char* extension : {".png", ".jpg", ".webp"}) {
    const std::string bytes = encode_image(source, extension);
    for (std::size_t keep : {bytes.size() / 2, bytes.size() - 3, std::size_t{12}}) {
      const auto failure = decode_failure(bytes.substr(0, keep));
      EXPECT_EQ(failure.code, MediaErrorCode::kInvalidData) << extension << " " << keep;
      EXPECT_TRUE(contains(failure.message, "truncated")) << failure.message;
    }
  }
}

TEST(ImageDecoder, ReportsCorruptData) {
  // PNG with its pixel data scrambled: libpng's CRC check fails.
  std::string png = encode_image(asymmetric_frame(), ".png");
  const std::size_t idat = png.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  for (std::size_t i = idat + 6; i < idat + 20; ++i) png[i] = static_cast<char>(png[i] ^ 0x5A);
  auto failure = decode_failure(png);
  EXPECT_EQ(failure.code, MediaErrorCode::kInvalidData);
  EXPECT_TRUE(contains(failure.message, "corrupt png")) << failure.message;

  // JPEG whose first segment claims a length of 1 byte.
  std::string jpeg = encode_image(asymmetric_frame(), ".jpg");
  jpeg[4] = 0;
  jpeg[5] = 1;
  failure = decode_failure(jpeg);
  EXPECT_EQ(failure.code, MediaErrorCode::kInvalidData);
  EXPECT_TRUE(contains(failure.message, "malformed JPEG")) << failure.message;
}

TEST(ImageDecoder, EnforcesLimitsBeforeDecoding) {
  const std::string png = encode_image(asymmetric_frame(), ".png");
  ImageDecodeOptions options;
  options.limits.max_pixels = 100;
  auto failure = decode_failure(png, options);
  EXPECT_EQ(failure.code, MediaErrorCode::kLimitExceeded);
  EXPECT_TRUE(contains(failure.message, "40x20 = 800 pixels")) << failure.message;
  EXPECT_TRUE(contains(failure.message, "max_pixels = 100")) << failure.message;

  options = {};
  options.limits.max_input_bytes = 10;
  failure = decode_failure(png, options);
  EXPECT_EQ(failure.code, MediaErrorCode::kLimitExceeded);
  EXPECT_TRUE(contains(failure.message, "max_input_bytes = 10")) << failure.message;

  // A header claiming 100000 x 100000 pixels fails on the header alone.
  std::string bomb = png;
  const std::size_t ihdr = bomb.find("IHDR") + 4;
  for (int side = 0; side < 2; ++side) {
    const std::uint32_t huge = 100000;
    for (int i = 0; i < 4; ++i) {
      bomb[ihdr + 4 * side + i] = static_cast<char>((huge >> (24 - 8 * i)) & 0xFF);
    }
  }
  failure = decode_failure(bomb);
  EXPECT_EQ(failure.code, MediaErrorCode::kLimitExceeded);
  EXPECT_TRUE(contains(failure.message, "100000x100000")) << failure.message;
}

TEST(ImageDecoder, FileErrorsNameThePath) {
  try {
    decode_image_file("/nonexistent/reference.png");
    FAIL();
  } catch (const MediaError& error) {
    EXPECT_EQ(error.code(), MediaErrorCode::kIoError);
    EXPECT_TRUE(contains(error.what(), "/nonexistent/reference.png")) << error.what();
  }
  testing::TempDir dir;
  testing::write_file(dir / "ref.png", encode_image(asymmetric_frame(), ".png"));
  EXPECT_EQ(decode_image_file(dir / "ref.png").width, 40);
  EXPECT_EQ(probe_image_file(dir / "ref.png").format, ImageFormat::kPng);
}

TEST(ImageDecoder, InvalidLimitsAreInvalidArguments) {
  ImageDecodeOptions options;
  options.limits.max_pixels = 0;
  EXPECT_THROW(decode_image_memory(encode_image(asymmetric_frame(), ".png"), options),
               std::invalid_argument);
}

}  // namespace
}  // namespace animate::media
