#include "model/unianimate/pose_encoders.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <functional>
#include <map>
#include <stdexcept>
#include <utility>

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

// A Conv3d stack run over time in chunks. Stage i holds the input frames
// (after zero padding) that its not-yet-computed output frames still need;
// each push computes every output frame whose temporal receptive field is
// complete and passes it on, so no frame is computed twice and every output
// frame sees exactly the inputs (and zero padding) of the unchunked conv.
class StreamingConv3dStack {
 public:
  StreamingConv3dStack(const std::vector<PoseConv>& layers, std::int64_t input_frames,
                       std::function<void(const at::Tensor&, std::int64_t)> sink)
      : layers_(layers), sink_(std::move(sink)) {
    stages_.resize(layers.size());
    std::int64_t frames = input_frames;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      Stage& s = stages_[i];
      s.kernel = layers[i].weight.size(2);
      s.stride = layers[i].stride[0];
      s.pad = layers[i].padding[0];
      s.in_frames = frames;
      s.out_frames = (frames + 2 * s.pad - s.kernel) / s.stride + 1;
      s.first = -s.pad;  // absolute index of pending's frame 0 (front zero padding)
      frames = s.out_frames;
    }
  }

  void push(const at::Tensor& frames) { push(0, frames); }

 private:
  struct Stage {
    std::int64_t kernel = 1, stride = 1, pad = 0, in_frames = 0, out_frames = 0;
    at::Tensor pending;  // [B, C, n, H, W] input frames not yet consumed
    std::int64_t first = 0;
    std::int64_t received = 0;
    std::int64_t next_out = 0;
    std::int64_t skip = 0;
    bool started = false;
  };

  static at::Tensor zeros_like_frames(const at::Tensor& like, std::int64_t n) {
    return at::zeros({like.size(0), like.size(1), n, like.size(3), like.size(4)}, like.options());
  }

  void push(std::size_t index, const at::Tensor& incoming) {
    Stage& s = stages_[index];
    s.received += incoming.size(2);
    // Frames no output reads (possible only when stride > kernel) are skipped.
    const std::int64_t skip = std::min(s.skip, incoming.size(2));
    s.skip -= skip;
    const at::Tensor frames = incoming.narrow(2, skip, incoming.size(2) - skip);
    std::vector<at::Tensor> parts;
    if (s.pending.defined()) {
      parts.push_back(s.pending);
    } else if (!s.started && s.pad > 0) {
      parts.push_back(zeros_like_frames(frames, s.pad));
    }
    s.started = true;
    if (frames.size(2) > 0) parts.push_back(frames);
    if (s.received == s.in_frames) {
      // End of the stream: the back zero padding the last outputs read.
      const std::int64_t needed = (s.out_frames - 1) * s.stride - s.pad + s.kernel;
      if (needed > s.in_frames) parts.push_back(zeros_like_frames(incoming, needed - s.in_frames));
    }
    if (parts.empty()) return;
    s.pending = parts.size() == 1 ? parts.front() : at::cat(parts, 2);
    const std::int64_t available = s.first + s.pending.size(2);  // absolute end
    // Outputs o with o * stride - pad + kernel <= available.
    const std::int64_t ready = std::min(
        s.out_frames,
        available + s.pad - s.kernel < 0 ? 0 : (available + s.pad - s.kernel) / s.stride + 1);
    if (ready <= s.next_out) return;
    const std::int64_t count = ready - s.next_out;
    const std::int64_t from = s.next_out * s.stride - s.pad;
    const at::Tensor input = s.pending.narrow(2, from - s.first, (count - 1) * s.stride + s.kernel);
    const PoseConv& l = layers_[index];
    at::Tensor out = at::conv3d(input, l.weight, l.bias, {s.stride, l.stride[1], l.stride[2]},
                                {0, l.padding[1], l.padding[2]});
    const std::int64_t first_out = s.next_out;
    s.next_out = ready;
    // Keep only the frames later outputs read.
    const std::int64_t keep_from = s.next_out * s.stride - s.pad;
    const std::int64_t keep = available - keep_from;
    // clone(): a view would keep the whole consumed block alive.
    s.pending = keep > 0 ? s.pending.narrow(2, keep_from - s.first, keep).clone() : at::Tensor();
    s.skip = std::max<std::int64_t>(0, -keep);
    s.first = keep_from;
    if (index + 1 < stages_.size()) {
      at::silu_(out);
      push(index + 1, out);
    } else {
      sink_(out, first_out);
    }
  }

  const std::vector<PoseConv>& layers_;
  std::function<void(const at::Tensor&, std::int64_t)> sink_;
  std::vector<Stage> stages_;
};

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

void PoseEncoder::run(const at::Tensor& pose_frames,
                      const std::function<void(const at::Tensor&, std::int64_t)>& sink) const {
  const at::Tensor& p = pose_frames;
  if (!p.defined() || p.dim() != 5 || p.size(1) != 3 || p.size(2) < 1 || p.size(2) % 4 != 1 ||
      p.size(3) % 16 != 0 || p.size(4) % 16 != 0 || p.size(3) == 0 || p.size(4) == 0) {
    throw std::invalid_argument(
        "pose frames: expected [B, 3, N, H, W] with N = 4k+1 and H, W positive multiples of 16, "
        "got " +
        (p.defined() ? c10::str(p.sizes()) : std::string("none")));
  }
  // The first pose is repeated three more times so 4k+1 frames become 4(k+1).
  const std::int64_t frames = p.size(2) + 3;
  const auto input = [&](std::int64_t start, std::int64_t count) {
    // Sequence frame t is pose frame max(t - 3, 0).
    std::vector<at::Tensor> parts;
    const std::int64_t repeats =
        std::max<std::int64_t>(0, std::min<std::int64_t>(3, start + count) - start);
    for (std::int64_t i = 0; i < repeats; ++i) parts.push_back(p.narrow(2, 0, 1));
    const std::int64_t from = std::max<std::int64_t>(start - 3, 0);
    const std::int64_t n = count - repeats;
    if (n > 0) parts.push_back(p.narrow(2, from, n));
    at::Tensor x = parts.size() == 1 ? parts.front() : at::cat(parts, 2);
    return x.to(options_.device, at::kFloat, /*non_blocking=*/false, /*copy=*/true).div_(255.0);
  };
  const std::int64_t chunk = options_.time_chunk > 0 ? options_.time_chunk : frames;
  StreamingConv3dStack stack(layers_, frames, sink);
  for (std::int64_t start = 0; start < frames; start += chunk) {
    stack.push(input(start, std::min(chunk, frames - start)));
  }
}

at::Tensor PoseEncoder::features(const at::Tensor& pose_frames) const {
  at::Tensor out;
  run(pose_frames, [&](const at::Tensor& block, std::int64_t first) {
    if (!out.defined()) {
      const std::int64_t latent_frames = (pose_frames.size(2) + 3) / 4;
      out = at::empty({block.size(0), block.size(1), latent_frames, block.size(3), block.size(4)},
                      block.options());
    }
    out.narrow(2, first, block.size(2)).copy_(block);
  });
  return out;
}

at::Tensor PoseEncoder::encode(const at::Tensor& pose_frames) const {
  // [B, dim, T, h, w] -> [B, T*h*w, dim], written block by block so the
  // float32 features of the whole video never exist at once.
  at::Tensor out;
  run(pose_frames, [&](const at::Tensor& block, std::int64_t first) {
    const std::int64_t b = block.size(0), dim = block.size(1);
    const std::int64_t per_frame = block.size(3) * block.size(4);
    if (!out.defined()) {
      const std::int64_t latent_frames = (pose_frames.size(2) + 3) / 4;
      out = at::empty({b, latent_frames * per_frame, dim},
                      block.options().dtype(options_.output_dtype));
    }
    out.narrow(1, first * per_frame, block.size(2) * per_frame)
        .copy_(round_to_bf16(block.flatten(2).transpose(1, 2), options_.output_dtype));
  });
  return out;
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
