#include "media/sample_inputs.h"

#include <array>
#include <cmath>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>

#include "media/error.h"
#include "media/mp4_file_writer.h"

namespace animate::media {
namespace {

constexpr double kPi = 3.14159265358979323846;

// OpenPose body keypoints (the layout DWPose draws): nose, neck, right
// shoulder/elbow/wrist, left shoulder/elbow/wrist, right hip/knee/ankle, left
// hip/knee/ankle, right eye, left eye, right ear, left ear. The person faces
// the viewer, so "right" is on the image's left.
enum Keypoint {
  kNose,
  kNeck,
  kRShoulder,
  kRElbow,
  kRWrist,
  kLShoulder,
  kLElbow,
  kLWrist,
  kRHip,
  kRKnee,
  kRAnkle,
  kLHip,
  kLKnee,
  kLAnkle,
  kREye,
  kLEye,
  kREar,
  kLEar,
  kKeypointCount
};

constexpr std::array<std::array<int, 2>, 17> kLimbs = {{{kNeck, kRShoulder},
                                                        {kNeck, kLShoulder},
                                                        {kRShoulder, kRElbow},
                                                        {kRElbow, kRWrist},
                                                        {kLShoulder, kLElbow},
                                                        {kLElbow, kLWrist},
                                                        {kNeck, kRHip},
                                                        {kRHip, kRKnee},
                                                        {kRKnee, kRAnkle},
                                                        {kNeck, kLHip},
                                                        {kLHip, kLKnee},
                                                        {kLKnee, kLAnkle},
                                                        {kNeck, kNose},
                                                        {kNose, kREye},
                                                        {kREye, kREar},
                                                        {kNose, kLEye},
                                                        {kLEye, kLEar}}};

struct Point2 {
  double x = 0.0;
  double y = 0.0;
};
using Pose = std::array<Point2, kKeypointCount>;

// A point `length` away from `from`, at `angle` radians from straight down,
// turned outwards on the given side (-1 image left, +1 image right).
Point2 limb_end(Point2 from, double angle, double length, double side) {
  return {from.x + side * std::sin(angle) * length, from.y + std::cos(angle) * length};
}

// Pose at phase t in [0, 1): arms wave up and down in opposition, legs
// step, the body bobs slightly. Coordinates are fractions of the frame size.
Pose pose_at(double t) {
  const double phase = 2.0 * kPi * t;
  const double bob = 0.015 * std::sin(2.0 * phase);
  Pose p;
  p[kNeck] = {0.5, 0.30 + bob};
  p[kNose] = {0.5, 0.20 + bob};
  p[kREye] = {0.475, 0.18 + bob};
  p[kLEye] = {0.525, 0.18 + bob};
  p[kREar] = {0.45, 0.19 + bob};
  p[kLEar] = {0.55, 0.19 + bob};
  p[kRShoulder] = {0.40, 0.30 + bob};
  p[kLShoulder] = {0.60, 0.30 + bob};
  p[kRHip] = {0.44, 0.56 + bob};
  p[kLHip] = {0.56, 0.56 + bob};
  const double right_arm = 0.35 + 1.3 * (0.5 - 0.5 * std::cos(phase));
  const double left_arm = 0.35 + 1.3 * (0.5 + 0.5 * std::cos(phase));
  p[kRElbow] = limb_end(p[kRShoulder], right_arm, 0.13, -1.0);
  p[kRWrist] = limb_end(p[kRElbow], right_arm + 0.5, 0.12, -1.0);
  p[kLElbow] = limb_end(p[kLShoulder], left_arm, 0.13, 1.0);
  p[kLWrist] = limb_end(p[kLElbow], left_arm + 0.5, 0.12, 1.0);
  const double step = 0.3 * std::sin(phase);
  p[kRKnee] = limb_end(p[kRHip], 0.05 + step, 0.17, -1.0);
  p[kRAnkle] = limb_end(p[kRKnee], 0.05 + step - 0.25 * std::max(0.0, std::sin(phase)), 0.17, -1.0);
  p[kLKnee] = limb_end(p[kLHip], 0.05 - step, 0.17, 1.0);
  p[kLAnkle] = limb_end(p[kLKnee], 0.05 - step - 0.25 * std::max(0.0, -std::sin(phase)), 0.17, 1.0);
  return p;
}

cv::Point to_pixels(Point2 point, int size) {
  return {static_cast<int>(std::lround(point.x * size)),
          static_cast<int>(std::lround(point.y * size))};
}

// Evenly spaced saturated hues, one per limb/keypoint, as BGR for OpenCV.
cv::Scalar hue_colour(int index, int count, double brightness) {
  cv::Mat hsv(1, 1, CV_8UC3, cv::Scalar(180.0 * index / count, 255, 255 * brightness));
  cv::Mat bgr;
  cv::cvtColor(hsv, bgr, cv::COLOR_HSV2BGR);
  const cv::Vec3b c = bgr.at<cv::Vec3b>(0, 0);
  return cv::Scalar(c[0], c[1], c[2]);
}

Frame to_frame(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  Frame frame(rgb.cols, rgb.rows);
  std::copy(rgb.data, rgb.data + frame.rgb.size(), frame.rgb.begin());
  return frame;
}

Frame draw_pose(const Pose& pose, int size) {
  cv::Mat canvas(size, size, CV_8UC3, cv::Scalar(0, 0, 0));
  const int thickness = std::max(1, size / 32);
  const int radius = std::max(1, size / 40);
  // Limbs slightly darker than joints, as DWPose blends its limbs at 60%.
  for (std::size_t i = 0; i < kLimbs.size(); ++i) {
    cv::line(canvas, to_pixels(pose[kLimbs[i][0]], size), to_pixels(pose[kLimbs[i][1]], size),
             hue_colour(static_cast<int>(i), static_cast<int>(kLimbs.size()), 0.6), thickness,
             cv::LINE_AA);
  }
  for (int k = 0; k < kKeypointCount; ++k) {
    cv::circle(canvas, to_pixels(pose[k], size), radius, hue_colour(k, kKeypointCount, 1.0),
               cv::FILLED, cv::LINE_AA);
  }
  return to_frame(canvas);
}

void validate(const SampleInputOptions& options) {
  if (options.size < 32 || options.size > 1024 || options.size % 2 != 0) {
    throw std::invalid_argument("SampleInputOptions.size must be even and in [32, 1024], got " +
                                std::to_string(options.size));
  }
  if (options.frames < 1 || options.frames > 1000) {
    throw std::invalid_argument("SampleInputOptions.frames must be in [1, 1000], got " +
                                std::to_string(options.frames));
  }
  if (options.fps < 1 || options.fps > 120) {
    throw std::invalid_argument("SampleInputOptions.fps must be in [1, 120], got " +
                                std::to_string(options.fps));
  }
}

void write_bytes(const std::filesystem::path& path, const std::vector<unsigned char>& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) throw MediaError(MediaErrorCode::kIoError, "cannot write '" + path.string() + "'");
}

}  // namespace

std::vector<Frame> draw_pose_sequence(const SampleInputOptions& options) {
  validate(options);
  std::vector<Frame> frames;
  frames.reserve(static_cast<std::size_t>(options.frames));
  for (int k = 0; k < options.frames; ++k) {
    frames.push_back(draw_pose(pose_at(static_cast<double>(k) / options.frames), options.size));
  }
  return frames;
}

Frame draw_reference_image(const SampleInputOptions& options) {
  validate(options);
  const int size = options.size;
  const Pose pose = pose_at(0.0);
  auto at = [&](Keypoint k) { return to_pixels(pose[k], size); };
  cv::Mat canvas(size, size, CV_8UC3, cv::Scalar(235, 240, 245));  // pale background (BGR)
  const cv::Scalar skin(150, 190, 235);
  const cv::Scalar shirt(200, 110, 40);
  const cv::Scalar trousers(70, 50, 45);
  const cv::Scalar hair(30, 45, 70);
  const int limb = std::max(2, size / 14);

  // Legs, then torso over them, then arms, then the head.
  for (auto [from, to] : {std::array<Keypoint, 2>{kRHip, kRKnee},
                          {kRKnee, kRAnkle},
                          {kLHip, kLKnee},
                          {kLKnee, kLAnkle}}) {
    cv::line(canvas, at(from), at(to), trousers, limb, cv::LINE_AA);
  }
  const std::vector<cv::Point> torso = {at(kRShoulder), at(kLShoulder), at(kLHip), at(kRHip)};
  cv::fillConvexPoly(canvas, torso, shirt, cv::LINE_AA);
  for (auto [from, to, colour] :
       {std::tuple<Keypoint, Keypoint, cv::Scalar>{kRShoulder, kRElbow, shirt},
        {kRElbow, kRWrist, skin},
        {kLShoulder, kLElbow, shirt},
        {kLElbow, kLWrist, skin}}) {
    cv::line(canvas, at(from), at(to), colour, limb, cv::LINE_AA);
  }
  const int head = std::max(3, size * 7 / 100);
  cv::line(canvas, at(kNeck), at(kNose), skin, limb, cv::LINE_AA);
  cv::circle(canvas, at(kNose), head, skin, cv::FILLED, cv::LINE_AA);
  cv::ellipse(canvas, at(kNose), cv::Size(head, head), 0, 180, 360, hair, cv::FILLED, cv::LINE_AA);
  cv::circle(canvas, at(kREye), std::max(1, size / 90), cv::Scalar(40, 40, 40), cv::FILLED);
  cv::circle(canvas, at(kLEye), std::max(1, size / 90), cv::Scalar(40, 40, 40), cv::FILLED);
  return to_frame(canvas);
}

std::vector<unsigned char> encode_png(const Frame& frame) {
  const cv::Mat rgb(frame.height, frame.width, CV_8UC3,
                    const_cast<std::uint8_t*>(frame.rgb.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<unsigned char> bytes;
  if (!cv::imencode(".png", bgr, bytes, {cv::IMWRITE_PNG_COMPRESSION, 9})) {
    throw MediaError(MediaErrorCode::kEncoderError, "PNG encoding failed");
  }
  return bytes;
}

SampleInputFiles write_sample_inputs(const std::filesystem::path& folder,
                                     const SampleInputOptions& options) {
  validate(options);
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) {
    throw MediaError(MediaErrorCode::kIoError,
                     "cannot create '" + folder.string() + "': " + error.message());
  }
  SampleInputFiles files{folder / "pose.mp4", folder / "reference_pose.png",
                         folder / "reference.png"};
  const std::vector<Frame> poses = draw_pose_sequence(options);
  Mp4WriterOptions video;
  video.fps = FrameRate{options.fps, 1};
  video.crf = 20;
  video.frames_per_fragment = options.frames;
  video.threads = 1;  // x264's output can depend on its thread count
  write_mp4_file(files.pose_video, poses, video);
  write_bytes(files.reference_pose, encode_png(poses.front()));
  write_bytes(files.reference_image, encode_png(draw_reference_image(options)));
  return files;
}

}  // namespace animate::media
