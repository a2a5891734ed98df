#pragma once
// Brings the job's images to the video size according to ReferenceFit, with
// Pillow's resampling (wan/pil_resize.h) so kStretch is exactly the
// reference's resize (bicubic for the reference image, bilinear for poses).
#include <ATen/core/Tensor.h>

#include "model/pipeline/animation_request.h"
#include "model/wan/pil_resize.h"

namespace animate::pipeline {

// uint8 [H, W, 3] -> uint8 [size.height, size.width, 3].
//  kStretch: resize to the size;
//  kCrop: the largest centred window of the target aspect, then resize;
//  kPad: resize to the largest size of the source aspect that fits, then
//        centre it on black.
at::Tensor fit_image(const at::Tensor& rgb, VideoSize size, ReferenceFit fit,
                     wan::PilFilter filter);

// The same for every frame of [N, H, W, 3] -> float32 [1, 3, N, height, width]
// with values 0..255 (the pose encoder's input).
at::Tensor fit_pose_frames(const at::Tensor& frames, VideoSize size, ReferenceFit fit);

}  // namespace animate::pipeline
