#pragma once
// The Wan VAE's hyper-parameters read off its weights, so a VAE checkpoint of
// any width (the released one, the golden and tiny test models) loads without
// a side config: base width, stage multipliers, residual blocks per stage,
// which downsamples also halve time, and z_dim. The latent mean/std are not
// stored in the weights; the Wan2.1 statistics are used (z_dim must be 16).
#include "model/io/checkpoint_view.h"
#include "model/wan/vae_config.h"

namespace animate::pipeline {

// Throws io::ContentError naming the file and the tensor when the structure is
// not a Wan VAE encoder (e.g. stages with different block counts).
wan::VaeConfig infer_vae_config(const io::CheckpointView& view);

}  // namespace animate::pipeline
