#include "model/wan/dit.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "model/cpu/parallel_gemm.h"
#include "model/cpu/vector_math.h"
#include "model/wan/attention.h"

namespace animate::wan {

struct DitScratch {
  at::Tensor ffn_hidden;  // flat, grown on demand: [rows * ffn_dim] in the compute dtype

  // [rows, width] view of the buffer.
  at::Tensor ffn(std::int64_t rows, std::int64_t width, const at::TensorOptions& options) {
    const std::int64_t n = rows * width;
    if (!ffn_hidden.defined() || ffn_hidden.numel() < n ||
        ffn_hidden.scalar_type() != options.dtype().toScalarType() ||
        ffn_hidden.device() != options.device()) {
      ffn_hidden = at::empty({n}, options);
    }
    return ffn_hidden.narrow(0, 0, n).view({rows, width});
  }
};

namespace {

// LayerNorm eps of img_emb (nn.LayerNorm default), independent of config.eps.
constexpr double kImageNormEps = 1e-5;

at::Tensor linear(const at::Tensor& x, const LinearWeights& w) {
  return cpu::linear(x, w.weight, w.bias);
}

bool is_reduced_float(at::ScalarType type) {
  return type == at::kHalf || type == at::kBFloat16;
}

// LayerNorm over the last dim; reduced floats normalised in float32 (see below).
at::Tensor affine_norm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                       double eps) {
  const std::int64_t dim = x.size(-1);
  if (!is_reduced_float(x.scalar_type())) return at::layer_norm(x, {dim}, weight, bias, eps);
  const at::Tensor w = weight.defined() ? weight.to(at::kFloat) : weight;
  const at::Tensor b = bias.defined() ? bias.to(at::kFloat) : bias;
  return at::layer_norm(x.to(at::kFloat), {dim}, w, b, eps).to(x.scalar_type());
}

// LayerNorm without affine, then x * (1 + scale) + shift. With one batch
// entry the modulation is a per-channel affine map, so it runs as the affine of
// a single layer_norm call (one pass instead of three). Reduced float types
// are normalised in float32: LibTorch 1.13's bfloat16 layer_norm is ten times
// slower than the float32 one plus both conversions (bench_dit --ops).
at::Tensor modulated_norm(const at::Tensor& x, const at::Tensor& shift, const at::Tensor& scale,
                          double eps) {
  const std::int64_t dim = x.size(-1);
  if (shift.size(0) == 1 && scale.size(0) == 1) {
    const bool reduced = is_reduced_float(x.scalar_type());
    const at::ScalarType work = reduced ? at::kFloat : x.scalar_type();
    const at::Tensor weight = (scale.reshape({dim}).to(work) + 1);
    const at::Tensor bias = shift.reshape({dim}).to(work);
    const at::Tensor h = at::layer_norm(reduced ? x.to(work) : x, {dim}, weight, bias, eps);
    return reduced ? h.to(x.scalar_type()) : h;
  }
  at::Tensor h = affine_norm(x, {}, {}, eps);
  return h.mul_(scale + 1).add_(shift);
}

// q or k of an attention: RMSNorm over all heads (computed in float32 at
// least, like the reference), then RoPE when `rope` is given, as
// [B, L, heads, d]; the reduced-float path converts once each way. The
// softmax scale is left to the attention (as in the reference, whose fused
// kernel scales the scores): folding it into a bfloat16 q would round q * scale
// instead of q, one rounding away from the reference.
at::Tensor norm_rope(const at::Tensor& y, const at::Tensor& weight, double eps,
                     const RopeTable* rope, std::int64_t heads) {
  const at::ScalarType type = y.scalar_type();
  const bool reduced = is_reduced_float(type);
  // `y` is a fresh projection output: the float32 path may work in place.
  at::Tensor yf = reduced ? y.to(at::kFloat) : y;
  const at::ScalarType work = yf.scalar_type();
  if (weight.defined()) {
    // mean(y^2) as |y|^2 / dim: one reduction pass, no squared temporary.
    const double dim = static_cast<double>(y.size(-1));
    const at::Tensor inv = at::linalg_vector_norm(yf, 2, {-1}, /*keepdim=*/true)
                               .square_()
                               .div_(dim)
                               .add_(eps)
                               .rsqrt_();
    yf.mul_(inv);
    yf.mul_(weight.to(work));
  }
  at::Tensor heads_view = yf.view({y.size(0), y.size(1), heads, -1});
  if (rope != nullptr) {
    if (rope->cos.scalar_type() == work) {
      apply_rope_(heads_view, *rope);
    } else {
      heads_view = apply_rope(heads_view, *rope).to(work);
    }
  }
  if (!reduced) return heads_view;
  // Converted back straight into head-major [B, heads, L, d] memory, returned
  // as a [B, L, heads, d] view: the attention's per-head GEMMs then read plain
  // row-major blocks, which oneDNN would otherwise copy on every call.
  at::Tensor out = at::empty({y.size(0), heads, y.size(1), heads_view.size(3)}, y.options());
  out.copy_(heads_view.transpose(1, 2));
  return out.transpose(1, 2);
}

std::string shape_of(const at::Tensor& t) {
  return t.defined() ? c10::str(t.sizes()) : "none";
}

[[noreturn]] void bad_input(const std::string& name, const std::string& expected,
                            const at::Tensor& got) {
  throw std::invalid_argument("DiT input '" + name + "': expected " + expected + ", got " +
                              shape_of(got));
}

}  // namespace

at::Tensor sinusoidal_embedding(const at::Tensor& timestep, std::int64_t dim) {
  const std::int64_t half = dim / 2;
  const auto f64 = at::TensorOptions().dtype(at::kDouble).device(timestep.device());
  const at::Tensor freqs =
      at::pow(10000.0, at::arange(half, f64).div(static_cast<double>(half)).neg_());
  const at::Tensor args = at::outer(timestep.reshape({-1}).to(at::kDouble), freqs);
  return at::cat({args.cos(), args.sin()}, 1);
}

WanDiT WanDiT::load(const io::TensorSource& source, const DitConfig& config,
                    const DitLoadOptions& options) {
  return WanDiT(config, load_dit_weights(source, config, options), options);
}

WanDiT::WanDiT(DitConfig config, DitWeights weights, const DitLoadOptions& options)
    : config_(std::move(config)),
      weights_(std::move(weights)),
      dtype_(options.dtype),
      device_(options.device),
      // RoPE runs in float32 for reduced compute dtypes (the reference uses float64).
      rope_cache_(std::make_shared<RopeCache>(
          config_.head_dim(), is_reduced_float(options.dtype) ? at::kFloat : options.dtype)) {
  config_.validate();
}

at::Tensor WanDiT::to_compute(const at::Tensor& t) const {
  return t.to(device_, dtype_);
}

void WanDiT::validate(const DitInputs& in) const {
  const DitConfig& c = config_;
  const at::Tensor& x = in.latents;
  if (!x.defined() || x.dim() != 5) bad_input("latents", "[B, C, F, H, W]", x);
  const std::int64_t b = x.size(0), f = x.size(2), h = x.size(3), w = x.size(4);
  std::int64_t channels = x.size(1);
  if (c.has_image_input()) {
    const at::Tensor& y = in.y;
    if (!y.defined() || y.dim() != 5 || y.size(0) != b || y.size(2) != f || y.size(3) != h ||
        y.size(4) != w) {
      bad_input("y",
                "[" + std::to_string(b) + ", C, " + std::to_string(f) + ", " + std::to_string(h) +
                    ", " + std::to_string(w) + "] (like latents " + shape_of(x) + ")",
                y);
    }
    channels += y.size(1);
  } else if (in.y.defined()) {
    bad_input("y", "none for model_type t2v", in.y);
  }
  if (channels != c.in_dim) {
    throw std::invalid_argument("DiT input: latents (" + shape_of(x) + ") and y (" +
                                shape_of(in.y) + ") have " + std::to_string(channels) +
                                " channels together, config in_dim is " + std::to_string(c.in_dim));
  }
  if (f % c.patch_size[0] != 0 || h % c.patch_size[1] != 0 || w % c.patch_size[2] != 0) {
    throw std::invalid_argument(
        "DiT input 'latents': F, H, W " + shape_of(x) + " must be multiples of patch_size [" +
        std::to_string(c.patch_size[0]) + ", " + std::to_string(c.patch_size[1]) + ", " +
        std::to_string(c.patch_size[2]) + "]");
  }
  if (!in.timestep.defined() || (in.timestep.numel() != 1 && in.timestep.numel() != b)) {
    bad_input("timestep", "[1] or [" + std::to_string(b) + "]", in.timestep);
  }
  const at::Tensor& ctx = in.text_context;
  if (!ctx.defined() || ctx.dim() != 3 || ctx.size(0) != b || ctx.size(2) != c.text_dim) {
    bad_input("text_context",
              "[" + std::to_string(b) + ", Ltxt, " + std::to_string(c.text_dim) + "]", ctx);
  }
  if (c.has_image_input()) {
    const at::Tensor& clip = in.clip_feature;
    if (!clip.defined() || clip.dim() != 3 || clip.size(0) != b || clip.size(2) != c.clip_dim) {
      bad_input("clip_feature",
                "[" + std::to_string(b) + ", " + std::to_string(c.clip_tokens) + ", " +
                    std::to_string(c.clip_dim) + "]",
                clip);
    }
  }
  if (in.add_condition.defined()) {
    const std::int64_t tokens =
        (f / c.patch_size[0]) * (h / c.patch_size[1]) * (w / c.patch_size[2]);
    const at::Tensor& cond = in.add_condition;
    if (cond.dim() != 3 || (cond.size(0) != b && cond.size(0) != 1) || cond.size(1) != tokens ||
        cond.size(2) != c.dim) {
      bad_input("add_condition",
                "[" + std::to_string(b) + ", " + std::to_string(tokens) + ", " +
                    std::to_string(c.dim) + "] (pose tokens for the latent grid)",
                cond);
    }
  }
}

std::pair<at::Tensor, at::Tensor> WanDiT::embed_time(const at::Tensor& timestep) const {
  const at::Tensor sinusoid = to_compute(sinusoidal_embedding(timestep, config_.freq_dim));
  at::Tensor hidden = linear(sinusoid, weights_.time_embedding_0);
  at::Tensor e = linear(at::silu_(hidden), weights_.time_embedding_2);
  at::Tensor t_mod = linear(at::silu(e), weights_.time_projection);
  t_mod = t_mod.view({t_mod.size(0), 6, config_.dim});
  return {std::move(e), std::move(t_mod)};
}

at::Tensor WanDiT::embed_text(const at::Tensor& context) const {
  at::Tensor h = linear(to_compute(context), weights_.text_embedding_0);
  return linear(at::gelu_(h, "tanh"), weights_.text_embedding_2);
}

at::Tensor WanDiT::embed_image(const at::Tensor& clip_feature) const {
  const DitWeights& w = weights_;
  at::Tensor h = at::layer_norm(to_compute(clip_feature), {config_.clip_dim}, w.img_norm_in.weight,
                                w.img_norm_in.bias, kImageNormEps);
  h = linear(h, w.img_proj_1);
  h = linear(at::gelu_(h), w.img_proj_3);
  return at::layer_norm(h, {config_.dim}, w.img_norm_out.weight, w.img_norm_out.bias,
                        kImageNormEps);
}

at::Tensor WanDiT::patchify(const at::Tensor& latents, const at::Tensor& y, TokenGrid& grid) const {
  const auto& p = config_.patch_size;
  const at::Tensor x =
      y.defined() ? at::cat({to_compute(latents), to_compute(y)}, 1) : to_compute(latents);
  const std::int64_t b = x.size(0), ch = x.size(1);
  grid = TokenGrid{x.size(2) / p[0], x.size(3) / p[1], x.size(4) / p[2]};
  // The Conv3d with kernel == stride is a linear map of each (C, pt, ph, pw) patch.
  const at::Tensor patches = x.view({b, ch, grid.frames, p[0], grid.height, p[1], grid.width, p[2]})
                                 .permute({0, 2, 4, 6, 1, 3, 5, 7})
                                 .reshape({b, grid.tokens(), ch * p[0] * p[1] * p[2]});
  return cpu::linear(patches, weights_.patch_embedding_weight.view({config_.dim, -1}),
                     weights_.patch_embedding_bias);
}

DitCall WanDiT::prepare(const DitInputs& in) const {
  validate(in);
  DitCall call;
  std::tie(call.time_embedding, call.time_modulation) = embed_time(in.timestep);
  const std::int64_t b = in.latents.size(0);
  if (call.time_embedding.size(0) != b) {
    call.time_embedding = call.time_embedding.expand({b, -1}).contiguous();
    call.time_modulation = call.time_modulation.expand({b, -1, -1}).contiguous();
  }
  call.text_context = embed_text(in.text_context);
  if (config_.has_image_input()) call.image_context = embed_image(in.clip_feature);
  call.tokens = patchify(in.latents, in.y, call.grid);
  if (in.add_condition.defined()) call.tokens.add_(to_compute(in.add_condition));
  call.rope = rope_cache_->get(call.grid, device_);
  call.scratch = std::make_shared<DitScratch>();
  return call;
}

at::Tensor WanDiT::self_attention(const DitBlockWeights& w, at::Tensor x,
                                  const DitCall& call) const {
  const std::int64_t b = x.size(0), l = x.size(1);
  const std::int64_t heads = config_.num_heads, d = config_.head_dim();
  const double eps = config_.eps;
  const at::Tensor q = norm_rope(linear(x, w.self_q), w.self_norm_q, eps, call.rope.get(), heads);
  const at::Tensor k = norm_rope(linear(x, w.self_k), w.self_norm_k, eps, call.rope.get(), heads);
  const at::Tensor v = linear(x, w.self_v).view({b, l, heads, d});
  const at::TensorOptions options_x = x.options();
  x.reset();  // frees the normed tokens before the attention's buffers exist
  at::Tensor out = at::empty({b, l, heads * d}, options_x);
  at::Tensor out_heads = out.view({b, l, heads, d});
  AttentionOptions options;  // scale: 1 / sqrt(d)
  options.max_score_elements = attention_chunk_;
  options.kernel = attention_kernel_;
  attention_into(out_heads, q, k, v, options);
  return linear(out, w.self_o);
}

at::Tensor WanDiT::cross_attention(const DitBlockWeights& w, at::Tensor x,
                                   const DitCall& call) const {
  const std::int64_t b = x.size(0), l = x.size(1);
  const std::int64_t heads = config_.num_heads, d = config_.head_dim();
  const double eps = config_.eps;
  const auto split_heads = [&](const at::Tensor& t) { return t.view({b, t.size(1), heads, d}); };
  const at::Tensor q = norm_rope(linear(x, w.cross_q), w.cross_norm_q, eps, nullptr, heads);
  const at::TensorOptions options_x = x.options();
  x.reset();  // frees the normed tokens (when they are a copy) before the attention
  const at::Tensor& txt = call.text_context;
  at::Tensor out = at::empty({b, l, heads * d}, options_x);
  at::Tensor out_heads = out.view({b, l, heads, d});
  AttentionOptions options;  // scale: 1 / sqrt(d)
  options.max_score_elements = attention_chunk_;
  options.kernel = attention_kernel_;
  attention_into(out_heads, q,
                 norm_rope(linear(txt, w.cross_k), w.cross_norm_k, eps, nullptr, heads),
                 split_heads(linear(txt, w.cross_v)), options);
  if (config_.has_image_input()) {
    const at::Tensor& img = call.image_context;
    // The image attention is added to the text attention inside the GEMM.
    options.accumulate = true;
    attention_into(out_heads, q,
                   norm_rope(linear(img, w.cross_k_img), w.cross_norm_k_img, eps, nullptr, heads),
                   split_heads(linear(img, w.cross_v_img)), options);
  }
  return linear(out, w.cross_o);
}

void WanDiT::run_block(std::int64_t index, at::Tensor& x, const DitCall& call) const {
  if (index < 0 || index >= config_.num_layers) {
    throw std::out_of_range("DiT block index " + std::to_string(index) + " out of range [0, " +
                            std::to_string(config_.num_layers) + ")");
  }
  const DitBlockWeights& w = weights_.blocks[static_cast<std::size_t>(index)];
  const double eps = config_.eps;
  // (shift, scale, gate) for attention, then for the FFN; each [B, 1, dim].
  const std::vector<at::Tensor> mod = (w.modulation + call.time_modulation).chunk(6, 1);

  x.addcmul_(mod[2], self_attention(w, modulated_norm(x, mod[0], mod[1], eps), call));
  x.add_(cross_attention(
      w, config_.cross_attn_norm ? affine_norm(x, w.norm3.weight, w.norm3.bias, eps) : x, call));

  // The FFN is token-wise: chunks bound the [tokens, ffn_dim] activation.
  const std::int64_t l = x.size(1);
  std::int64_t chunk = ffn_token_chunk_ > 0 ? std::min(ffn_token_chunk_, l) : l;
  if (ffn_token_chunk_ < 0) {
    const std::int64_t rows = x.size(0);
    const std::int64_t most = std::max<std::int64_t>(
        1, kFfnChunkElements / (config_.ffn_dim * std::max<std::int64_t>(rows, 1)));
    const std::int64_t count = (l + most - 1) / most;
    chunk = (l + count - 1) / count;  // equal chunks: no short GEMM at the end
  }
  DitScratch local;
  DitScratch& scratch = call.scratch ? *call.scratch : local;
  for (std::int64_t start = 0; start < l; start += chunk) {
    at::Tensor part = x.narrow(1, start, std::min(chunk, l - start));
    const at::Tensor h = modulated_norm(part, mod[3], mod[4], eps);
    const at::Tensor h2 = h.view({-1, config_.dim});
    at::Tensor hidden = scratch.ffn(h2.size(0), config_.ffn_dim, h.options());
    cpu::linear_out(hidden, h2, w.ffn_in.weight, w.ffn_in.bias);
    cpu::gelu_tanh_(hidden);
    part.addcmul_(mod[5], linear(hidden, w.ffn_out).view(part.sizes()));
  }
}

void WanDiT::run_blocks(at::Tensor& tokens, const DitCall& call) const {
  for (std::int64_t i = 0; i < config_.num_layers; ++i) run_block(i, tokens, call);
}

at::Tensor WanDiT::head(const at::Tensor& tokens, const DitCall& call) const {
  // Modulated by the time embedding e (not t_mod): [B, 2, dim] -> shift, scale.
  const at::Tensor mod = weights_.head_modulation + call.time_embedding.unsqueeze(1);
  const at::Tensor shift = mod.narrow(1, 0, 1);
  const at::Tensor scale = mod.narrow(1, 1, 1);
  return linear(modulated_norm(tokens, shift, scale, config_.eps), weights_.head);
}

at::Tensor WanDiT::unpatchify(const at::Tensor& head_out, const TokenGrid& grid) const {
  const auto& p = config_.patch_size;
  const std::int64_t b = head_out.size(0), c = config_.out_dim;
  // Each token's vector is ordered (pt, ph, pw, c) with the channel fastest.
  return head_out.view({b, grid.frames, grid.height, grid.width, p[0], p[1], p[2], c})
      .permute({0, 7, 1, 4, 2, 5, 3, 6})
      .reshape({b, c, grid.frames * p[0], grid.height * p[1], grid.width * p[2]});
}

at::Tensor WanDiT::forward(const DitInputs& inputs) const {
  DitCall call = prepare(inputs);
  at::Tensor tokens = std::move(call.tokens);
  run_blocks(tokens, call);
  return unpatchify(head(tokens, call), call.grid);
}

void WanDiT::for_each_parameter(
    const std::function<void(const std::string& name, at::Tensor& tensor)>& fn) {
  visit_dit_parameters(weights_, config_,
                       [&](const std::string& name, at::Tensor& t,
                           const std::vector<std::int64_t>&) { fn(name, t); });
}

at::Tensor& WanDiT::parameter(const std::string& name) {
  at::Tensor* found = nullptr;
  for_each_parameter([&](const std::string& n, at::Tensor& t) {
    if (n == name) found = &t;
  });
  if (found == nullptr) throw std::invalid_argument("DiT has no parameter '" + name + "'");
  return *found;
}

}  // namespace animate::wan
