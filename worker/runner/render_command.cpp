#include "worker/runner/render_command.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

#include "media/error.h"
#include "model/pipeline/animation_pipeline.h"
#include "worker/runner/peak_rss.h"

namespace animate::worker {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

template <typename T>
T parse_number(const std::string& flag, const std::string& text) {
  std::istringstream in(text);
  T value{};
  in >> value;
  if (in.fail() || !in.eof()) throw UsageError(flag + ": not a number: '" + text + "'");
  return value;
}

std::int64_t parse_count(const std::string& flag, const std::string& text, std::int64_t min) {
  const auto value = parse_number<std::int64_t>(flag, text);
  if (value < min) {
    throw UsageError(flag + " must be >= " + std::to_string(min) + ", got " + text);
  }
  return value;
}

// Writes the chunks to `<output>.partial` and renames it at the end, so an
// interrupted render never leaves something that looks like a finished MP4.
class PartialFile {
 public:
  explicit PartialFile(const fs::path& output)
      : output_(output), partial_(output.string() + ".partial") {
    stream_.open(partial_, std::ios::binary | std::ios::trunc);
    if (!stream_) throw std::runtime_error("cannot write " + partial_.string());
  }
  ~PartialFile() {
    if (!committed_) {
      stream_.close();
      std::error_code ignored;
      fs::remove(partial_, ignored);
    }
  }
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;

  void write(std::string_view bytes) {
    stream_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!stream_) throw std::runtime_error("write failed: " + partial_.string());
  }
  void commit() {
    stream_.close();
    if (!stream_) throw std::runtime_error("write failed: " + partial_.string());
    fs::rename(partial_, output_);
    committed_ = true;
  }

 private:
  fs::path output_;
  fs::path partial_;
  std::ofstream stream_;
  bool committed_ = false;
};

void require_file(const std::string& flag, const fs::path& path) {
  if (path.empty()) throw UsageError(flag + " is required");
  std::error_code error;
  if (!fs::exists(path, error)) throw UsageError(flag + ": no such file: " + path.string());
}

void print_summary(std::ostream& out, const RenderOptions& options, const RenderReport& report) {
  const RunOutcome& o = report.outcome;
  char line[160];
  out << "wrote " << options.output.string() << ": " << o.width << "x" << o.height << ", "
      << o.frames << " frames at " << o.fps << " fps, " << format_bytes(o.bytes) << ", seed "
      << o.seed << ", " << o.windows << (o.windows == 1 ? " window" : " windows") << ", "
      << o.dit_calls << " DiT calls";
  if (o.dit_calls_skipped > 0) out << " (+" << o.dit_calls_skipped << " skipped by TeaCache)";
  out << "\n";
  std::snprintf(line, sizeof line, "  %-22s %9.3f s\n", "model load", report.model_load_seconds);
  out << line;
  for (std::size_t i = 0; i < kRunStageCount; ++i) {
    const auto stage = static_cast<RunStage>(i);
    if (stage == RunStage::kFinalizing) continue;  // nothing to finalize without a store
    std::snprintf(line, sizeof line, "  %-22s %9.3f s\n", run_stage_name(stage), o.times[stage]);
    out << line;
  }
  std::snprintf(line, sizeof line, "  %-22s %9.3f s\n", "total (job)", o.times.total());
  out << line;
  out << "  peak RSS               " << format_bytes(report.peak_rss_bytes) << "\n";
}

}  // namespace

std::string render_usage() {
  return R"(usage: animate-render (--model-root DIR | --weights DIR --unianimate CKPT)
                      --image REF.png --pose POSE.mp4 [--ref-pose REF_POSE.png] -o OUT.mp4 [options]

Animates the person in --image with the motion of --pose (a video, a folder or
a ZIP of pose images) using UniAnimate-DiT, in this process (no server).

model:
  --model-root DIR        folder with Wan2.1-I2V-14B-720P/ and checkpoints/ (e.g. written
                          by animate-tiny-model); alternative to --weights/--unianimate
  --weights DIR           the Wan2.1-I2V-14B-720P folder
  --unianimate CKPT       the UniAnimate-Wan2.1-14B-Lora-12000 checkpoint
  --device DEV            cpu, cuda, cuda:N (default: cuda if available, else cpu)
  --threads N             CPU threads for LibTorch (default: LibTorch's choice)

inputs and output:
  --image FILE            reference image (JPEG, PNG, WebP)
  --pose FILE|DIR         driving pose video, folder or ZIP of pose images
  --ref-pose FILE         pose of the reference image (default: the first pose frame)
  -o, --output FILE       fragmented MP4 to write

generation (defaults of the UniAnimate-DiT examples):
  --preset NAME           480p-portrait (default), 480p-landscape, 720p-portrait, 720p-landscape
  --width W --height H    custom size, multiples of 16 (instead of --preset)
  --fit MODE              resize (default), crop, pad: how inputs meet the size
  --frames N              output frames, rounded down to 4k+1 (default 0 = all pose frames)
  --steps N               denoising steps (default 50)
  --shift S               flow-matching sigma shift (default 5.0)
  --cfg S                 classifier-free guidance scale (default 1.5; 1 = no negative pass)
  --seed N                noise seed (default 0)
  --sampler NAME          euler (default) or unipc
  --teacache T            TeaCache threshold (default 0 = off; 0.3 is typical)
  --pose-strength S       scale of the pose conditioning (default 1.0)
  --prompt TEXT           default "a person is dancing"
  --negative-prompt TEXT  default: Wan2.1's negative prompt
  --context-size N        latent frames per sliding window (default 21)
  --context-overlap N     latent frames shared by windows (default 4)

video:
  --fps F                 output frame rate (default: the pose video's)
  --crf N                 H.264 quality 0-51 (default 25)
  --x264-preset NAME      x264 speed preset (default medium)

  -h, --help              this text

Exit status: 0 on success, 1 on bad input or failure (the reason on stderr).
)";
}

RenderOptions parse_render_args(const std::vector<std::string>& args) {
  RenderOptions options;
  RenderSettings& s = options.settings;
  std::optional<std::int64_t> width;
  std::optional<std::int64_t> height;
  std::optional<std::string> preset;

  using Handler = std::function<void(const std::string& flag, const std::string& value)>;
  const std::map<std::string, Handler> handlers = {
      {"--model-root", [&](auto&, auto& v) { options.model.model_root = v; }},
      {"--weights", [&](auto&, auto& v) { options.model.weights = v; }},
      {"--unianimate", [&](auto&, auto& v) { options.model.unianimate = v; }},
      {"--device", [&](auto&, auto& v) { options.model.device = v; }},
      {"--threads",
       [&](auto& f, auto& v) { options.model.threads = static_cast<int>(parse_count(f, v, 1)); }},
      {"--image", [&](auto&, auto& v) { options.image = v; }},
      {"--pose", [&](auto&, auto& v) { options.pose = v; }},
      {"--ref-pose", [&](auto&, auto& v) { options.reference_pose = v; }},
      {"--output", [&](auto&, auto& v) { options.output = v; }},
      {"--preset", [&](auto&, auto& v) { preset = v; }},
      {"--width", [&](auto& f, auto& v) { width = parse_count(f, v, 16); }},
      {"--height", [&](auto& f, auto& v) { height = parse_count(f, v, 16); }},
      {"--fit",
       [&](auto& f, auto& v) {
         const auto fit = parse_fit(v);
         if (!fit) throw UsageError(f + ": expected resize, crop or pad, got '" + v + "'");
         s.fit = *fit;
       }},
      {"--frames", [&](auto& f, auto& v) { s.frames = parse_count(f, v, 0); }},
      {"--steps", [&](auto& f, auto& v) { s.steps = parse_count(f, v, 1); }},
      {"--shift", [&](auto& f, auto& v) { s.shift = parse_number<double>(f, v); }},
      {"--cfg", [&](auto& f, auto& v) { s.cfg_scale = parse_number<double>(f, v); }},
      {"--seed",
       [&](auto& f, auto& v) { s.seed = static_cast<std::uint64_t>(parse_count(f, v, 0)); }},
      {"--sampler",
       [&](auto& f, auto& v) {
         const auto sampler = parse_sampler(v);
         if (!sampler) throw UsageError(f + ": expected euler or unipc, got '" + v + "'");
         s.sampler = *sampler;
       }},
      {"--teacache", [&](auto& f, auto& v) { s.teacache_threshold = parse_number<double>(f, v); }},
      {"--pose-strength", [&](auto& f, auto& v) { s.pose_strength = parse_number<double>(f, v); }},
      {"--prompt", [&](auto&, auto& v) { s.prompt = v; }},
      {"--negative-prompt", [&](auto&, auto& v) { s.negative_prompt = v; }},
      {"--context-size", [&](auto& f, auto& v) { s.context_size = parse_count(f, v, 1); }},
      {"--context-overlap", [&](auto& f, auto& v) { s.context_overlap = parse_count(f, v, 0); }},
      {"--fps",
       [&](auto& f, auto& v) {
         s.fps = parse_number<double>(f, v);
         if (!(s.fps > 0.0 && s.fps <= 240.0)) throw UsageError(f + " must be in (0, 240]");
       }},
      {"--crf",
       [&](auto& f, auto& v) {
         s.crf = static_cast<int>(parse_count(f, v, 0));
         if (s.crf > 51) throw UsageError(f + " must be in [0, 51], got " + v);
       }},
      {"--x264-preset", [&](auto&, auto& v) { s.x264_preset = v; }},
  };

  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    if (flag == "-h" || flag == "--help") {
      options.help = true;
      return options;
    }
    if (flag == "-o") flag = "--output";
    std::optional<std::string> value;
    if (const auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    const auto handler = handlers.find(flag);
    if (handler == handlers.end()) throw UsageError("unknown argument '" + args[i] + "'");
    if (!value) {
      if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
      value = args[++i];
    }
    handler->second(flag, *value);
  }

  if (preset && (width || height)) throw UsageError("--preset excludes --width/--height");
  if (width.has_value() != height.has_value()) {
    throw UsageError("--width and --height go together");
  }
  if (preset) {
    const auto size = parse_size_preset(*preset);
    if (!size) {
      throw UsageError(
          "--preset: expected 480p-portrait, 480p-landscape, 720p-portrait or "
          "720p-landscape, got '" +
          *preset + "'");
    }
    s.size = *size;
  }
  if (width) s.size = pipeline::VideoSize{*width, *height};
  require_file("--image", options.image);
  require_file("--pose", options.pose);
  if (!options.reference_pose.empty()) require_file("--ref-pose", options.reference_pose);
  if (options.output.empty()) throw UsageError("-o/--output is required");
  return options;
}

RenderReport render(const RenderOptions& options, ProgressBar* progress) {
  RenderReport report;
  // Inputs first: a bad upload should fail before minutes of model loading.
  const Clock::time_point decode_start = Clock::now();
  InputDecodeOptions decode_options;
  decode_options.pose_fps = options.settings.fps;
  const JobInputs inputs =
      decode_input_files(options.image, options.pose, options.reference_pose, decode_options);
  const double decode_seconds = std::chrono::duration<double>(Clock::now() - decode_start).count();

  const Clock::time_point load_start = Clock::now();
  pipeline::AnimationPipeline pipeline(make_pipeline_config(options.model));
  report.model_load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();

  PartialFile file(options.output);
  RunCallbacks callbacks;
  callbacks.chunk = [&](std::string_view bytes, media::ChunkKind) { file.write(bytes); };
  if (progress != nullptr) {
    callbacks.progress = [&](const RunProgress& p) { progress->update(p); };
  }
  report.outcome = run_job(pipeline, inputs, options.settings, callbacks);
  report.outcome.times[RunStage::kPreparingInputs] += decode_seconds;
  if (progress != nullptr) progress->finish();
  file.commit();
  report.peak_rss_bytes = peak_rss_bytes();
  return report;
}

int render_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   bool tty) {
  ProgressBar bar(out, tty);
  try {
    const RenderOptions options = parse_render_args(args);
    if (options.help) {
      out << render_usage();
      return 0;
    }
    const RenderReport report = render(options, &bar);
    print_summary(out, options, report);
    return 0;
  } catch (const UsageError& error) {
    bar.finish();
    err << "animate-render: error: " << error.what() << "\n(see animate-render --help)\n";
  } catch (const std::exception& error) {
    bar.finish();
    err << "animate-render: error: " << error.what() << "\n";
  }
  return 1;
}

}  // namespace animate::worker
