#pragma once
// Internal: the probe of an already opened input (shared with the decoder,
// which probes first so the same limits reject the same files).
#include "media/video_input.h"
#include "media/video_probe.h"

namespace animate::media::detail {

VideoProbe describe_video(const VideoInput& input);
void check_probe_limits(const VideoProbe& probe, const MediaLimits& limits,
                        const std::string& what);

}  // namespace animate::media::detail
