#include "media/image_sequence.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "media/byte_source.h"
#include "media/error.h"
#include "media/frame_selection.h"
#include "media/image_decoder.h"
#include "media/natural_order.h"
#include "media/zip_reader.h"

namespace animate::media {
namespace {

// The frames of one sequence, loadable one at a time so only the selected
// images are ever held in memory.
struct ImageList {
  std::string container;  // "zip" or "image_folder"
  std::string what;       // e.g. "pose zip '<memory>'"
  std::vector<std::string> names;
  std::function<std::string(std::size_t)> load;  // bytes of names[i]
};

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void check_sequence_fps(double fps) {
  if (!(fps > 0.0 && fps <= 1000.0)) {
    throw std::invalid_argument("VideoDecodeOptions.image_sequence_fps must be in (0, 1000], got " +
                                std::to_string(fps));
  }
}

void sort_names(std::vector<std::string>& names) {
  std::sort(names.begin(), names.end(),
            [](const std::string& a, const std::string& b) { return natural_less(a, b); });
}

void check_list(const ImageList& list, const MediaLimits& limits, double fps) {
  if (list.names.empty()) {
    throw MediaError(MediaErrorCode::kInvalidData,
                     list.what + ": contains no .png, .jpg, .jpeg or .webp images");
  }
  check_frame_count(static_cast<std::int64_t>(list.names.size()), limits, list.what);
  check_duration(static_cast<double>(list.names.size()) / fps, limits, list.what);
}

// Loads entry i and keeps a running total against max_unpacked_bytes.
class CountingLoader {
 public:
  CountingLoader(const ImageList& list, const MediaLimits& limits) : list_(list), limits_(limits) {}
  std::string operator()(std::size_t index) {
    std::string bytes = list_.load(index);
    total_ += bytes.size();
    check_unpacked_bytes(total_, limits_, list_.what);
    return bytes;
  }

 private:
  const ImageList& list_;
  const MediaLimits& limits_;
  std::uint64_t total_ = 0;
};

ImageList zip_list(const ZipReader& zip, std::string what, const MediaLimits& limits) {
  ImageList list;
  list.container = "zip";
  list.what = std::move(what);
  std::vector<const ZipEntry*> images;
  std::uint64_t declared_total = 0;
  for (const ZipEntry& entry : zip.entries()) {
    if (entry.is_directory() || !is_pose_image_name(entry.name)) continue;
    images.push_back(&entry);
    declared_total += entry.uncompressed_size;
  }
  // Refuse a bomb from the directory alone, before inflating anything.
  check_unpacked_bytes(declared_total, limits, list.what);
  std::sort(images.begin(), images.end(),
            [](const ZipEntry* a, const ZipEntry* b) { return natural_less(a->name, b->name); });
  for (const ZipEntry* entry : images) list.names.push_back(entry->name);
  list.load = [&zip, images, max_bytes = limits.max_input_bytes](std::size_t index) {
    return zip.extract(*images[index], max_bytes);
  };
  return list;
}

ImageList folder_list(const std::filesystem::path& folder, const MediaLimits& limits) {
  ImageList list;
  list.container = "image_folder";
  list.what = "pose image folder '" + folder.string() + "'";
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) {
    throw MediaError(MediaErrorCode::kIoError, list.what + ": not a readable directory");
  }
  for (std::filesystem::directory_iterator it(folder, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (it->is_regular_file(error) && is_pose_image_name(name)) list.names.push_back(name);
  }
  if (error) {
    throw MediaError(MediaErrorCode::kIoError,
                     list.what + ": cannot list (" + error.message() + ")");
  }
  sort_names(list.names);
  list.load = [folder, names = list.names, max_bytes = limits.max_input_bytes](std::size_t index) {
    return detail::read_file_bytes(folder / names[index], max_bytes, "pose image");
  };
  return list;
}

ImageDecodeOptions pose_image_options(const MediaLimits& limits) {
  ImageDecodeOptions options;
  options.background = RgbColor{0, 0, 0};
  options.limits = limits;
  return options;
}

[[noreturn]] void throw_size_mismatch(const ImageList& list, std::size_t index, int width,
                                      int height, int first_width, int first_height) {
  throw MediaError(MediaErrorCode::kInvalidData,
                   list.what + ": image '" + list.names[index] + "' is " + std::to_string(width) +
                       "x" + std::to_string(height) + " but '" + list.names.front() + "' is " +
                       std::to_string(first_width) + "x" + std::to_string(first_height) +
                       " (request an output size to resize them)");
}

DecodedVideo decode_list(const ImageList& list, const VideoDecodeOptions& options) {
  validate_limits(options.limits);
  check_sequence_fps(options.image_sequence_fps);
  validate_resample_request({options.frame_count, options.fps}, options.limits.max_frames);
  check_list(list, options.limits, options.image_sequence_fps);

  const std::size_t count = list.names.size();
  const double fps = options.image_sequence_fps;
  std::vector<double> timestamps(count);
  for (std::size_t i = 0; i < count; ++i) timestamps[i] = static_cast<double>(i) / fps;
  const FrameSelection selection =
      select_frames(timestamps, static_cast<double>(count) / fps, fps,
                    {options.frame_count, options.fps}, options.limits.max_frames);

  CountingLoader load(list, options.limits);
  const ImageDecodeOptions image_options = pose_image_options(options.limits);
  // The first image fixes the source size even when it is not selected.
  const std::string first_bytes = load(0);
  const Frame first = decode_image_memory(first_bytes, image_options, list.names.front());
  const ImageHeader first_header = read_image_header(first_bytes, list.names.front());
  const FrameSize output = resolve_output_size(first.width, first.height, options.width,
                                               options.height, "VideoDecodeOptions");
  check_frame_pixels(output.width, output.height, options.limits, "requested output size");
  const bool exact_size_required = options.width == 0 && options.height == 0;

  DecodedVideo result;
  result.fps = selection.fps;
  result.source_frame_count = static_cast<std::int64_t>(count);
  result.source_duration_s = static_cast<double>(count) / fps;
  result.probe.container = list.container;
  result.probe.codec = to_string(first_header.format);
  result.probe.width = first.width;
  result.probe.height = first.height;
  result.probe.frame_count = static_cast<std::int64_t>(count);
  result.probe.duration_s = result.source_duration_s;
  result.probe.fps = fps;

  std::size_t decoded_index = 0;
  Frame current = first;
  for (const std::size_t index : selection.source_indices) {
    if (index != decoded_index) {
      current = decode_image_memory(load(index), image_options, list.names[index]);
      decoded_index = index;
      if (exact_size_required && (current.width != first.width || current.height != first.height)) {
        throw_size_mismatch(list, index, current.width, current.height, first.width, first.height);
      }
    }
    result.frames.push_back(resize_frame(current, output, options.filter));
    result.source_indices.push_back(index);
    result.source_timestamps_s.push_back(timestamps[index]);
  }
  return result;
}

VideoProbe probe_list(const ImageList& list, const MediaLimits& limits, double fps) {
  validate_limits(limits);
  check_sequence_fps(fps);
  check_list(list, limits, fps);
  CountingLoader load(list, limits);
  VideoProbe probe;
  probe.container = list.container;
  for (std::size_t i = 0; i < list.names.size(); ++i) {
    const ImageHeader header = probe_image_memory(load(i), limits, list.names[i]);
    if (i == 0) {
      probe.codec = to_string(header.format);
      probe.width = header.display_width();
      probe.height = header.display_height();
    } else if (header.display_width() != probe.width || header.display_height() != probe.height) {
      throw_size_mismatch(list, i, header.display_width(), header.display_height(), probe.width,
                          probe.height);
    }
  }
  probe.frame_count = static_cast<std::int64_t>(list.names.size());
  probe.fps = fps;
  probe.duration_s = static_cast<double>(list.names.size()) / fps;
  return probe;
}

std::string zip_what(std::string_view name) {
  return "pose zip '" + std::string(name) + "'";
}

}  // namespace

bool is_pose_image_name(std::string_view name) {
  const std::string lower = lowercase(name);
  if (lower.rfind("__macosx/", 0) == 0 || lower.find("/__macosx/") != std::string::npos) {
    return false;
  }
  const std::size_t slash = lower.find_last_of('/');
  const std::string base = slash == std::string::npos ? lower : lower.substr(slash + 1);
  if (base.empty() || base.front() == '.') return false;
  for (const char* extension : {".png", ".jpg", ".jpeg", ".webp"}) {
    const std::string_view ext(extension);
    if (base.size() > ext.size() && base.compare(base.size() - ext.size(), ext.size(), ext) == 0) {
      return true;
    }
  }
  return false;
}

DecodedVideo decode_image_folder(const std::filesystem::path& folder,
                                 const VideoDecodeOptions& options) {
  return decode_list(folder_list(folder, options.limits), options);
}

DecodedVideo decode_image_zip_file(const std::filesystem::path& path,
                                   const VideoDecodeOptions& options) {
  const std::string bytes =
      detail::read_file_bytes(path, options.limits.max_input_bytes, "pose zip");
  const ZipReader zip(bytes, zip_what(path.string()));
  return decode_list(zip_list(zip, zip_what(path.string()), options.limits), options);
}

DecodedVideo decode_image_zip_memory(std::string_view bytes, const VideoDecodeOptions& options) {
  check_input_bytes(bytes.size(), options.limits, zip_what("<memory>"));
  const ZipReader zip(bytes, zip_what("<memory>"));
  return decode_list(zip_list(zip, zip_what("<memory>"), options.limits), options);
}

VideoProbe probe_image_zip_memory(std::string_view bytes, const MediaLimits& limits,
                                  double image_sequence_fps) {
  check_input_bytes(bytes.size(), limits, zip_what("<memory>"));
  const ZipReader zip(bytes, zip_what("<memory>"));
  VideoProbe probe =
      probe_list(zip_list(zip, zip_what("<memory>"), limits), limits, image_sequence_fps);
  probe.input_bytes = bytes.size();
  return probe;
}

VideoProbe probe_image_folder(const std::filesystem::path& folder, const MediaLimits& limits,
                              double image_sequence_fps) {
  return probe_list(folder_list(folder, limits), limits, image_sequence_fps);
}

}  // namespace animate::media
