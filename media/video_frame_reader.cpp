#include "media/video_frame_reader.h"

#include <algorithm>

#include "media/error.h"

namespace animate::media::detail {

VideoFrameReader::VideoFrameReader(VideoInput& input, int threads)
    : input_(input),
      codec_(make_codec_context(input.decoder)),
      packet_(make_packet()),
      frame_(make_frame()) {
  const int copied = avcodec_parameters_to_context(codec_.get(), input.stream->codecpar);
  if (copied < 0) {
    throw MediaError(MediaErrorCode::kInvalidData,
                     input.what + ": bad codec parameters (" + av_error_text(copied) + ")");
  }
  codec_->pkt_timebase = input.stream->time_base;
  codec_->thread_count = std::max(0, threads);
  const int opened = avcodec_open2(codec_.get(), input.decoder, nullptr);
  if (opened < 0) {
    throw MediaError(MediaErrorCode::kUnsupportedFormat, input.what + ": cannot open the '" +
                                                             input.decoder->name + "' decoder (" +
                                                             av_error_text(opened) + ")");
  }
  const double fps = nominal_fps(*input.stream);
  nominal_duration_s_ = fps > 0.0 ? 1.0 / fps : 1.0 / 25.0;
}

const AVFrame* VideoFrameReader::next() {
  while (true) {
    const int received = avcodec_receive_frame(codec_.get(), frame_.get());
    if (received == 0) {
      update_timing();
      ++frames_;
      return frame_.get();
    }
    if (received == AVERROR_EOF) return nullptr;
    if (received != AVERROR(EAGAIN)) {
      throw MediaError(MediaErrorCode::kInvalidData, input_.what + ": decoding failed after " +
                                                         std::to_string(frames_) + " frames (" +
                                                         av_error_text(received) + ")");
    }
    if (flushing_) return nullptr;

    const int read = av_read_frame(input_.format.get(), packet_.get());
    if (read == AVERROR_EOF) {
      flushing_ = true;
      avcodec_send_packet(codec_.get(), nullptr);
      continue;
    }
    if (read < 0) {
      throw MediaError(MediaErrorCode::kInvalidData,
                       input_.what + ": corrupt or truncated data after " +
                           std::to_string(frames_) + " frames (" + av_error_text(read) + ")");
    }
    if (packet_->stream_index != input_.stream->index) {
      av_packet_unref(packet_.get());
      continue;
    }
    const int sent = avcodec_send_packet(codec_.get(), packet_.get());
    av_packet_unref(packet_.get());
    if (sent == AVERROR_INVALIDDATA) {
      ++skipped_packets_;
    } else if (sent < 0) {
      throw MediaError(MediaErrorCode::kInvalidData, input_.what + ": decoding failed after " +
                                                         std::to_string(frames_) + " frames (" +
                                                         av_error_text(sent) + ")");
    }
  }
}

void VideoFrameReader::update_timing() {
  const double time_base = av_q2d(input_.stream->time_base);
  const int64_t raw = frame_->best_effort_timestamp;
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 30, 100)
  const int64_t raw_duration = frame_->duration;
#else
  const int64_t raw_duration = frame_->pkt_duration;
#endif
  const double previous_end = timestamp_s_ + duration_s_;
  duration_s_ =
      raw_duration > 0 ? static_cast<double>(raw_duration) * time_base : nominal_duration_s_;
  if (raw == AV_NOPTS_VALUE) {
    timestamp_s_ = frames_ == 0 ? 0.0 : previous_end;
    return;
  }
  if (!have_origin_) {
    have_origin_ = true;
    origin_ = raw;
  }
  const double t = static_cast<double>(raw - origin_) * time_base;
  timestamp_s_ = frames_ == 0 ? 0.0 : std::max(t, timestamp_s_);
}

}  // namespace animate::media::detail
