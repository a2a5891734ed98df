#pragma once
// The warm-up job a worker runs before it reports ready: a tiny request
// (64x64, one frame, one step) through every component and the encoder, so
// the first real job does not pay for lazy initialisation (CUDA kernels,
// allocator pools) and a broken install fails at start-up, not on a user's job.
// It also fills the prompt cache with the default prompts.
#include "model/pipeline/animation_pipeline.h"

namespace animate::worker {

// Returns the seconds it took. Throws whatever the pipeline throws.
double warm_up(pipeline::AnimationPipeline& pipeline);

}  // namespace animate::worker
