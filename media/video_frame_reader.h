#pragma once
// Internal: pulls decoded frames of the chosen stream in presentation order,
// with their timestamps in seconds. Corrupt packets are skipped (counted), as
// players do; demuxing errors throw.
#include "media/ffmpeg_handles.h"
#include "media/video_input.h"

namespace animate::media::detail {

class VideoFrameReader {
 public:
  // `input` must outlive the reader.
  VideoFrameReader(VideoInput& input, int threads);

  // The next frame, or nullptr after the last. The frame belongs to the reader
  // and stays valid until the next call.
  const AVFrame* next();

  // Presentation time of the frame last returned, seconds from the stream's
  // first frame, made non-decreasing; frames without a timestamp continue the
  // previous one by a nominal frame duration.
  double timestamp_s() const { return timestamp_s_; }
  // How long that frame is shown (its packet duration, else the nominal one).
  double duration_s() const { return duration_s_; }
  int skipped_packets() const { return skipped_packets_; }

 private:
  void update_timing();

  VideoInput& input_;
  CodecContextPtr codec_;
  PacketPtr packet_;
  AvFramePtr frame_;
  bool flushing_ = false;
  int skipped_packets_ = 0;
  double nominal_duration_s_ = 0.0;
  bool have_origin_ = false;
  int64_t origin_ = 0;
  double timestamp_s_ = 0.0;
  double duration_s_ = 0.0;
  int64_t frames_ = 0;
};

}  // namespace animate::media::detail
