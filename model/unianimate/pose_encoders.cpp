#include "model/unianimate/pose_encoders.h"

#include <ATen/ATen.h>

#include <map>
#include <stdexcept>

#include "model/io/error.h"

namespace animate::unianimate {

namespace {

using Shape = std::vector<std::int64_t>;

struct LayerSpec {
  int index;  // position in the nn.Sequential (SiLU layers sit at the odd indices)
  Shape kernel;
  Shape stride;
  Shape padding;
};

// dwpose_embedding: the two stride-2 convs make 4k+4 frames into k+1 latent frames.
const std::vector<LayerSpec>& dwpose_layers() {
  static const std::vector<LayerSpec> layers = {
      {0, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}},  {2, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}},
      {4, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}},  {6, {3, 3, 3}, {1, 2, 2}, {1, 1, 1}},
      {8, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}},  {10, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}},
      {12, {1, 2, 2}, {1, 2, 2}, {0, 0, 0}},
  };
  return layers;
}

const std::vector<LayerSpec>& randomref_layers() {
  static const std::vector<LayerSpec> layers = {
      {0, {3, 3}, {1, 1}, {1, 1}}, {2, {3, 3}, {1, 1}, {1, 1}}, {4, {3, 3}, {1, 1}, {1, 1}},
      {6, {3, 3}, {2, 2}, {1, 1}}, {8, {3, 3}, {2, 2}, {1, 1}}, {10, {3, 3}, {2, 2}, {1, 1}},
  };
  return layers;
}

std::string shape_string(const Shape& s) {
  return c10::str(at::IntArrayRef(s));
}

// Tensors of one nn.Sequential named "<any prefix>family.<rest>", keyed by <rest>.
std::map<std::string, std::string> find_family(const io::TensorSource& source,
                                               const std::string& family) {
  const std::string marker = family + ".";
  std::map<std::string, std::string> found;
  for (const std::string& name : source.names()) {
    const std::size_t pos = name.find(marker);
    if (pos == std::string::npos || (pos > 0 && name[pos - 1] != '.')) continue;
    const std::string rest = name.substr(pos + marker.size());
    const auto [it, inserted] = found.emplace(rest, name);
    if (!inserted) {
      throw io::ContentError(io::describe(
          source.origin(),
          "ambiguous " + family + " tensors: '" + it->second + "' and '" + name + "'"));
    }
  }
  return found;
}

std::vector<PoseConv> load_layers(const io::TensorSource& source, const std::string& family,
                                  const std::vector<LayerSpec>& specs, c10::Device device) {
  const auto names = find_family(source, family);
  std::vector<std::string> missing;
  for (const LayerSpec& spec : specs) {
    for (const char* part : {".weight", ".bias"}) {
      const std::string rest = std::to_string(spec.index) + part;
      if (!names.count(rest)) missing.push_back(family + "." + rest);
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw io::ContentError(io::describe(source.origin(), "pose encoder tensors missing: " + list));
  }

  std::vector<PoseConv> layers;
  std::int64_t in_channels = 3;
  for (const LayerSpec& spec : specs) {
    const std::string wname = names.at(std::to_string(spec.index) + ".weight");
    const std::string bname = names.at(std::to_string(spec.index) + ".bias");
    at::Tensor weight = source.tensor(wname);
    at::Tensor bias = source.tensor(bname);
    // Output channels come from the checkpoint (hidden width, dim, 20); the rest is fixed.
    const std::int64_t out = weight.dim() > 0 ? weight.size(0) : -1;
    Shape expected{out, in_channels};
    expected.insert(expected.end(), spec.kernel.begin(), spec.kernel.end());
    const Shape actual(weight.sizes().begin(), weight.sizes().end());
    if (actual != expected || out <= 0) {
      throw io::ContentError(
          io::describe(source.origin(), "tensor '" + wname + "' has shape " + shape_string(actual) +
                                            ", expected " + shape_string(expected)));
    }
    if (bias.dim() != 1 || bias.size(0) != out) {
      throw io::ContentError(io::describe(
          source.origin(), "tensor '" + bname + "' has shape " + c10::str(bias.sizes()) +
                               ", expected [" + std::to_string(out) + "]"));
    }
    if (!weight.is_floating_point() || !bias.is_floating_point()) {
      throw io::ContentError(io::describe(
          source.origin(), "pose encoder tensor '" + wname + "' is not floating point"));
    }
    layers.push_back(PoseConv{weight.to(device, at::kFloat).contiguous(),
                              bias.to(device, at::kFloat).contiguous(), spec.stride, spec.padding});
    in_channels = out;
  }
  return layers;
}

// Convolutions with SiLU between them (not after the last one).
at::Tensor run_stack(at::Tensor x, const std::vector<PoseConv>& layers, bool three_d) {
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const PoseConv& l = layers[i];
    x = three_d ? at::conv3d(x, l.weight, l.bias, l.stride, l.padding)
                : at::conv2d(x, l.weight, l.bias, l.stride, l.padding);
    if (i + 1 < layers.size()) at::silu_(x);
  }
  return x;
}

at::Tensor round_to_bf16(const at::Tensor& x, at::ScalarType dtype) {
  return x.to(at::kBFloat16).to(dtype);
}

}  // namespace

PoseEncoder PoseEncoder::load(const io::TensorSource& source, const PoseEncoderOptions& options) {
  PoseEncoder encoder;
  encoder.layers_ = load_layers(source, "dwpose_embedding", dwpose_layers(), options.device);
  encoder.options_ = options;
  return encoder;
}

at::Tensor PoseEncoder::features(const at::Tensor& pose_frames) const {
  const at::Tensor& p = pose_frames;
  if (!p.defined() || p.dim() != 5 || p.size(1) != 3 || p.size(2) < 1 || p.size(2) % 4 != 1 ||
      p.size(3) % 16 != 0 || p.size(4) % 16 != 0 || p.size(3) == 0 || p.size(4) == 0) {
    throw std::invalid_argument(
        "pose frames: expected [B, 3, N, H, W] with N = 4k+1 and H, W positive multiples of 16, "
        "got " +
        (p.defined() ? c10::str(p.sizes()) : std::string("none")));
  }
  const at::Tensor frames = p.to(options_.device, at::kFloat);
  // The first pose is repeated three more times so 4k+1 frames become 4(k+1).
  const at::Tensor first = frames.narrow(2, 0, 1);
  at::Tensor x = at::cat({first, first, first, frames}, 2).div_(255.0);
  return run_stack(std::move(x), layers_, /*three_d=*/true);
}

at::Tensor PoseEncoder::encode(const at::Tensor& pose_frames) const {
  const at::Tensor f = features(pose_frames);
  // [B, dim, T, h, w] -> [B, T*h*w, dim]
  return round_to_bf16(f.flatten(2).transpose(1, 2), options_.output_dtype).contiguous();
}

RefPoseEncoder RefPoseEncoder::load(const io::TensorSource& source,
                                    const PoseEncoderOptions& options) {
  RefPoseEncoder encoder;
  encoder.layers_ =
      load_layers(source, "randomref_embedding_pose", randomref_layers(), options.device);
  encoder.options_ = options;
  return encoder;
}

at::Tensor RefPoseEncoder::features(const at::Tensor& ref_pose) const {
  const at::Tensor& r = ref_pose;
  at::Tensor image;
  if (r.defined() && r.dim() == 3 && r.size(2) == 3 && r.scalar_type() == at::kByte) {
    image = r.to(options_.device, at::kFloat).permute({2, 0, 1}).unsqueeze(0);
  } else if (r.defined() && r.dim() == 4 && r.size(0) == 1 && r.size(1) == 3 &&
             r.is_floating_point()) {
    image = r.to(options_.device, at::kFloat);
  } else {
    throw std::invalid_argument(
        "reference pose: expected uint8 [H, W, 3] or float [1, 3, H, W] (0..255), got " +
        (r.defined() ? std::string(c10::toString(r.scalar_type())) + " " + c10::str(r.sizes())
                     : std::string("none")));
  }
  if (image.size(2) % 8 != 0 || image.size(3) % 8 != 0 || image.size(2) == 0 ||
      image.size(3) == 0) {
    throw std::invalid_argument("reference pose: H and W must be positive multiples of 8, got " +
                                std::to_string(image.size(2)) + "x" +
                                std::to_string(image.size(3)));
  }
  return run_stack(image.div(255.0), layers_, /*three_d=*/false);
}

at::Tensor RefPoseEncoder::encode(const at::Tensor& ref_pose) const {
  return round_to_bf16(features(ref_pose).unsqueeze(2), options_.output_dtype);
}

}  // namespace animate::unianimate
