#include "media/mp4_stream_writer.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "media/error.h"
#include "media/ffmpeg_handles.h"
#include "media/mp4_box_splitter.h"

extern "C" {
#include <libavutil/opt.h>
}

namespace animate::media {
namespace {

constexpr int kAvioBufferSize = 64 * 1024;
constexpr std::array<const char*, 10> kPresets = {"ultrafast", "superfast", "veryfast", "faster",
                                                  "fast",      "medium",    "slow",     "slower",
                                                  "veryslow",  "placebo"};
constexpr std::array<const char*, 8> kTunes = {"film", "animation", "grain",      "stillimage",
                                               "psnr", "ssim",      "fastdecode", "zerolatency"};

template <std::size_t N>
bool is_one_of(const std::string& value, const std::array<const char*, N>& allowed) {
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const char* candidate) { return value == candidate; });
}

template <std::size_t N>
std::string joined(const std::array<const char*, N>& values) {
  std::string text;
  for (const char* value : values) text += (text.empty() ? "" : ", ") + std::string(value);
  return text;
}

[[noreturn]] void throw_encoder(const std::string& action, int error) {
  throw MediaError(MediaErrorCode::kEncoderError,
                   "MP4 writer: " + action + " failed (" + detail::av_error_text(error) + ")");
}

struct DictionaryHolder {
  AVDictionary* dictionary = nullptr;
  ~DictionaryHolder() { av_dict_free(&dictionary); }
  void set(const char* key, const std::string& value) {
    av_dict_set(&dictionary, key, value.c_str(), 0);
  }
};

int even_up(int value) {
  return value + (value & 1);
}

}  // namespace

void validate_mp4_options(const Mp4WriterOptions& options) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw std::invalid_argument("Mp4WriterOptions." + message);
  };
  require(options.width > 0 && options.height > 0, "width/height must be > 0, got " +
                                                       std::to_string(options.width) + "x" +
                                                       std::to_string(options.height));
  require(options.width <= 16384 && options.height <= 16384,
          "width/height must be <= 16384, got " + std::to_string(options.width) + "x" +
              std::to_string(options.height));
  require(options.fps.num > 0 && options.fps.den > 0 && options.fps.value() <= 1000.0,
          "fps must be a positive rate <= 1000, got " + std::to_string(options.fps.num) + "/" +
              std::to_string(options.fps.den));
  require(options.crf >= 0 && options.crf <= 51,
          "crf must be in [0, 51], got " + std::to_string(options.crf));
  require(is_one_of(options.preset, kPresets),
          "preset must be one of " + joined(kPresets) + ", got '" + options.preset + "'");
  require(options.tune.empty() || is_one_of(options.tune, kTunes),
          "tune must be empty or one of " + joined(kTunes) + ", got '" + options.tune + "'");
  require(options.frames_per_fragment >= 1 && options.frames_per_fragment <= 1000,
          "frames_per_fragment must be in [1, 1000], got " +
              std::to_string(options.frames_per_fragment));
  require(options.threads >= 0 && options.threads <= 64,
          "threads must be in [0, 64], got " + std::to_string(options.threads));
  const bool odd = (options.width % 2) != 0 || (options.height % 2) != 0;
  require(!odd || options.odd_size == OddSizePolicy::kPad,
          "width/height must be even for yuv420p (odd_size = kError), got " +
              std::to_string(options.width) + "x" + std::to_string(options.height));
}

class Mp4StreamWriter::Impl {
 public:
  Impl(const Mp4WriterOptions& options, ChunkCallback on_chunk)
      : options_(options),
        on_chunk_(std::move(on_chunk)),
        coded_width_(even_up(options.width)),
        coded_height_(even_up(options.height)),
        yuv_(detail::make_frame()),
        packet_(detail::make_packet()) {
    if (!on_chunk_) throw std::invalid_argument("Mp4StreamWriter: the chunk callback is empty");
    open_encoder();
    open_muxer();
  }

  void write(const FrameView& frame) {
    require_open("write");
    if (frame.width != options_.width || frame.height != options_.height) {
      throw std::invalid_argument("Mp4StreamWriter::write: frame is " +
                                  std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                                  ", the writer was opened for " + std::to_string(options_.width) +
                                  "x" + std::to_string(options_.height));
    }
    if (frame.data == nullptr || frame.stride < static_cast<std::size_t>(frame.width) * 3) {
      throw std::invalid_argument(
          "Mp4StreamWriter::write: frame has no pixels or stride < width*3");
    }
    guarded([&] {
      convert_to_yuv(frame);
      yuv_->pts = frames_;
      encode(yuv_.get());
      ++frames_;
      deliver();
    });
  }

  void finish() {
    if (state_ == State::kFinished) return;
    require_open("finish");
    guarded([&] {
      encode(nullptr);
      const int written = av_write_trailer(format_.get());
      if (written < 0) throw_encoder("writing the trailer", written);
      avio_flush(avio_.get());
      splitter_.finish(counting_callback());
      state_ = State::kFinished;
    });
  }

  std::int64_t frames() const { return frames_; }
  std::uint64_t delivered() const { return delivered_; }
  int coded_width() const { return coded_width_; }
  int coded_height() const { return coded_height_; }

 private:
  enum class State { kOpen, kFinished, kFailed };

  // A writer whose encoder or callback failed midway cannot continue: the
  // stream already handed out would be inconsistent with what follows.
  template <typename Body>
  void guarded(Body&& body) {
    try {
      body();
    } catch (...) {
      state_ = State::kFailed;
      throw;
    }
  }

  void require_open(const char* action) const {
    if (state_ == State::kFinished) {
      throw std::logic_error(std::string("Mp4StreamWriter::") + action + " after finish()");
    }
    if (state_ == State::kFailed) {
      throw std::logic_error(std::string("Mp4StreamWriter::") + action +
                             " after an earlier failure");
    }
  }

  ChunkCallback counting_callback() {
    return [this](std::string_view bytes, ChunkKind kind) {
      delivered_ += bytes.size();
      on_chunk_(bytes, kind);
    };
  }

  void open_encoder() {
    const AVCodec* encoder = avcodec_find_encoder_by_name("libx264");
    if (encoder == nullptr) {
      throw MediaError(MediaErrorCode::kEncoderError,
                       "MP4 writer: FFmpeg was built without the libx264 encoder");
    }
    codec_ = detail::make_codec_context(encoder);
    codec_->width = coded_width_;
    codec_->height = coded_height_;
    codec_->pix_fmt = AV_PIX_FMT_YUV420P;
    codec_->time_base = AVRational{options_.fps.den, options_.fps.num};
    codec_->framerate = AVRational{options_.fps.num, options_.fps.den};
    codec_->gop_size = options_.frames_per_fragment;
    codec_->thread_count = options_.threads;
    // What convert_to_yuv produces; tagged so players use the same matrix.
    codec_->color_range = AVCOL_RANGE_MPEG;
    codec_->colorspace = AVCOL_SPC_SMPTE170M;
    codec_->color_primaries = AVCOL_PRI_SMPTE170M;
    codec_->color_trc = AVCOL_TRC_SMPTE170M;
    // MP4 keeps SPS/PPS in the avcC box of the init segment.
    codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

    DictionaryHolder settings;
    settings.set("preset", options_.preset);
    settings.set("crf", std::to_string(options_.crf));
    if (!options_.tune.empty()) settings.set("tune", options_.tune);
    // No scene-cut keyframes: keyframes (and so fragments) come exactly every
    // frames_per_fragment frames.
    settings.set("x264-params", "scenecut=0");
    const int opened = avcodec_open2(codec_.get(), encoder, &settings.dictionary);
    if (opened < 0) throw_encoder("opening libx264", opened);
  }

  void open_muxer() {
    AVFormatContext* raw = nullptr;
    const int allocated = avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr);
    if (allocated < 0 || raw == nullptr) throw_encoder("creating the mp4 muxer", allocated);
    format_.reset(raw);

    auto* buffer = static_cast<unsigned char*>(av_malloc(kAvioBufferSize));
    if (buffer == nullptr) throw MediaError(MediaErrorCode::kEncoderError, "out of memory: avio");
    avio_.reset(
        avio_alloc_context(buffer, kAvioBufferSize, 1, this, nullptr, &Impl::on_bytes, nullptr));
    if (!avio_) {
      av_free(buffer);
      throw MediaError(MediaErrorCode::kEncoderError, "out of memory: avio_alloc_context");
    }
    format_->pb = avio_.get();
    format_->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_BITEXACT;

    stream_ = avformat_new_stream(format_.get(), nullptr);
    if (stream_ == nullptr)
      throw MediaError(MediaErrorCode::kEncoderError, "out of memory: stream");
    const int copied = avcodec_parameters_from_context(stream_->codecpar, codec_.get());
    if (copied < 0) throw_encoder("copying codec parameters", copied);
    stream_->time_base = codec_->time_base;
    stream_->avg_frame_rate = codec_->framerate;

    DictionaryHolder settings;
    settings.set("movflags", "frag_keyframe+empty_moov+default_base_moof");
    const int header = avformat_write_header(format_.get(), &settings.dictionary);
    if (header < 0) throw_encoder("writing the MP4 header", header);
    deliver();
  }

  // Called by FFmpeg with muxed bytes; only buffers them (no user code runs
  // inside FFmpeg, so callback exceptions never cross C frames).
  static int on_bytes(void* opaque, detail::AvioWriteBuffer bytes, int size) {
    try {
      static_cast<Impl*>(opaque)->splitter_.append(
          std::string_view(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size)));
      return size;
    } catch (...) {
      return AVERROR(ENOMEM);
    }
  }

  void deliver() {
    avio_flush(avio_.get());
    splitter_.drain(counting_callback());
  }

  void convert_to_yuv(const FrameView& frame) {
    const std::uint8_t* pixels = frame.data;
    int stride = static_cast<int>(frame.stride);
    if (coded_width_ != frame.width || coded_height_ != frame.height) {
      pad_by_repeating_edges(frame);
      pixels = padded_.data();
      stride = coded_width_ * 3;
    }
    sws_.reset(sws_getCachedContext(sws_.release(), coded_width_, coded_height_, AV_PIX_FMT_RGB24,
                                    coded_width_, coded_height_, AV_PIX_FMT_YUV420P,
                                    SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
    if (!sws_) throw MediaError(MediaErrorCode::kEncoderError, "MP4 writer: swscale setup failed");
    // Full-range RGB in, BT.601 limited-range YUV out (as tagged on the codec).
    const int* bt601 = sws_getCoefficients(SWS_CS_ITU601);
    sws_setColorspaceDetails(sws_.get(), bt601, 1, bt601, 0, 0, 1 << 16, 1 << 16);

    if (yuv_->data[0] == nullptr) {
      yuv_->format = AV_PIX_FMT_YUV420P;
      yuv_->width = coded_width_;
      yuv_->height = coded_height_;
      const int allocated = av_frame_get_buffer(yuv_.get(), 0);
      if (allocated < 0) throw_encoder("allocating a frame", allocated);
    }
    // The encoder may still reference the previous frame's buffer.
    const int writable = av_frame_make_writable(yuv_.get());
    if (writable < 0) throw_encoder("allocating a frame", writable);
    const std::uint8_t* planes[1] = {pixels};
    const int strides[1] = {stride};
    sws_scale(sws_.get(), planes, strides, 0, coded_height_, yuv_->data, yuv_->linesize);
  }

  void pad_by_repeating_edges(const FrameView& frame) {
    const std::size_t row = static_cast<std::size_t>(coded_width_) * 3;
    padded_.resize(row * static_cast<std::size_t>(coded_height_));
    for (int y = 0; y < coded_height_; ++y) {
      const int source_y = std::min(y, frame.height - 1);
      std::uint8_t* target = padded_.data() + row * static_cast<std::size_t>(y);
      std::memcpy(target, frame.data + frame.stride * static_cast<std::size_t>(source_y),
                  static_cast<std::size_t>(frame.width) * 3);
      for (int x = frame.width; x < coded_width_; ++x) {
        std::memcpy(target + static_cast<std::size_t>(x) * 3,
                    target + static_cast<std::size_t>(frame.width - 1) * 3, 3);
      }
    }
  }

  // Sends one frame (nullptr = flush) and muxes every packet that comes out.
  void encode(const AVFrame* frame) {
    const int sent = avcodec_send_frame(codec_.get(), frame);
    if (sent < 0) throw_encoder("encoding a frame", sent);
    while (true) {
      const int received = avcodec_receive_packet(codec_.get(), packet_.get());
      if (received == AVERROR(EAGAIN) || received == AVERROR_EOF) return;
      if (received < 0) throw_encoder("encoding a frame", received);
      if (packet_->duration <= 0) packet_->duration = 1;
      av_packet_rescale_ts(packet_.get(), codec_->time_base, stream_->time_base);
      packet_->stream_index = stream_->index;
      const int muxed = av_write_frame(format_.get(), packet_.get());
      av_packet_unref(packet_.get());
      if (muxed < 0) throw_encoder("muxing a packet", muxed);
    }
  }

  Mp4WriterOptions options_;
  ChunkCallback on_chunk_;
  int coded_width_;
  int coded_height_;
  detail::Mp4BoxSplitter splitter_;
  detail::CodecContextPtr codec_;
  // The muxer is declared after (so destroyed before) the AVIOContext it writes to.
  detail::AvioPtr avio_;
  detail::OutputFormatPtr format_;
  AVStream* stream_ = nullptr;  // owned by format_
  detail::SwsPtr sws_;
  detail::AvFramePtr yuv_;
  detail::PacketPtr packet_;
  std::vector<std::uint8_t> padded_;
  std::int64_t frames_ = 0;
  std::uint64_t delivered_ = 0;
  State state_ = State::kOpen;
};

Mp4StreamWriter::Mp4StreamWriter(const Mp4WriterOptions& options, ChunkCallback on_chunk) {
  validate_mp4_options(options);
  impl_ = std::make_unique<Impl>(options, std::move(on_chunk));
}

Mp4StreamWriter::~Mp4StreamWriter() = default;
Mp4StreamWriter::Mp4StreamWriter(Mp4StreamWriter&&) noexcept = default;
Mp4StreamWriter& Mp4StreamWriter::operator=(Mp4StreamWriter&&) noexcept = default;

void Mp4StreamWriter::write(const Frame& frame) {
  write(view_of(frame));
}
void Mp4StreamWriter::write(const FrameView& frame) {
  impl_->write(frame);
}
void Mp4StreamWriter::finish() {
  impl_->finish();
}
std::int64_t Mp4StreamWriter::frames_written() const {
  return impl_->frames();
}
std::uint64_t Mp4StreamWriter::bytes_delivered() const {
  return impl_->delivered();
}
int Mp4StreamWriter::encoded_width() const {
  return impl_->coded_width();
}
int Mp4StreamWriter::encoded_height() const {
  return impl_->coded_height();
}

}  // namespace animate::media
