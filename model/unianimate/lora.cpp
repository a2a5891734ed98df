#include "model/unianimate/lora.h"

#include <ATen/ATen.h>

#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "model/io/error.h"

namespace animate::unianimate {

namespace {

enum class Role { kDown, kUp, kAlpha };

struct ParsedKey {
  std::string module;
  Role role;
  std::string adapter;  // PEFT adapter name ("default"), empty when absent
};

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "<module>.lora_A[.<adapter>].weight", "<module>.lora_down.weight", "<module>.alpha".
std::optional<ParsedKey> parse_key(const std::string& name) {
  if (ends_with(name, ".alpha")) {
    return ParsedKey{name.substr(0, name.size() - 6), Role::kAlpha, ""};
  }
  static const std::pair<const char*, Role> kMarkers[] = {
      {".lora_A.", Role::kDown},
      {".lora_B.", Role::kUp},
      {".lora_down.", Role::kDown},
      {".lora_up.", Role::kUp},
  };
  for (const auto& [marker, role] : kMarkers) {
    const std::size_t pos = name.rfind(marker);
    if (pos == std::string::npos) continue;
    const std::string rest = name.substr(pos + std::string(marker).size());
    if (rest == "weight") return ParsedKey{name.substr(0, pos), role, ""};
    const std::size_t dot = rest.find('.');
    if (dot != std::string::npos && rest.substr(dot) == ".weight" && dot > 0) {
      return ParsedKey{name.substr(0, pos), role, rest.substr(0, dot)};
    }
  }
  return std::nullopt;
}

// Diffusers names of the Wan DiT -> official names.
std::string from_diffusers(std::string name) {
  static const std::pair<const char*, const char*> kRenames[] = {
      {".attn1.to_out.0", ".self_attn.o"},
      {".attn1.to_", ".self_attn."},
      {".attn2.to_out.0", ".cross_attn.o"},
      {".attn2.add_k_proj", ".cross_attn.k_img"},
      {".attn2.add_v_proj", ".cross_attn.v_img"},
      {".attn2.to_", ".cross_attn."},
      {".ffn.net.0.proj", ".ffn.0"},
      {".ffn.net.2", ".ffn.2"},
      {"condition_embedder.text_embedder.linear_1", "text_embedding.0"},
      {"condition_embedder.text_embedder.linear_2", "text_embedding.2"},
      {"condition_embedder.time_embedder.linear_1", "time_embedding.0"},
      {"condition_embedder.time_embedder.linear_2", "time_embedding.2"},
      {"condition_embedder.time_proj", "time_projection.1"},
      {"condition_embedder.image_embedder.ff.net.0.proj", "img_emb.proj.1"},
      {"condition_embedder.image_embedder.ff.net.2", "img_emb.proj.3"},
  };
  for (const auto& [from, to] : kRenames) {
    const std::size_t pos = name.find(from);
    if (pos == std::string::npos) continue;
    // Only whole components: the match must end at the end or at a dot.
    const std::size_t end = pos + std::string(from).size();
    if (end != name.size() && name[end] != '.') continue;
    name.replace(pos, std::string(from).size(), to);
  }
  return name;
}

std::string resolve_module(std::string key, const std::set<std::string>& modules,
                           const std::map<std::string, std::string>& underscored) {
  static const char* const kPrefixes[] = {"pipe.dit.",        "model.diffusion_model.",
                                          "diffusion_model.", "base_model.model.",
                                          "transformer.",     "model."};
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (const char* prefix : kPrefixes) {
      if (starts_with(key, prefix)) {
        key = key.substr(std::string(prefix).size());
        stripped = true;
        break;
      }
    }
  }
  if (modules.count(key)) return key;
  if (starts_with(key, "lora_unet_")) {
    const auto it = underscored.find(key.substr(10));
    return it == underscored.end() ? std::string() : it->second;
  }
  const std::string renamed = from_diffusers(key);
  return modules.count(renamed) ? renamed : std::string();
}

std::string join(const std::vector<std::string>& items, std::size_t limit = 20) {
  std::ostringstream out;
  const std::size_t shown = std::min(items.size(), limit);
  for (std::size_t i = 0; i < shown; ++i) out << (i ? ", " : "") << items[i];
  if (shown < items.size()) out << ", ... (" << items.size() - shown << " more)";
  return out.str();
}

std::string shape_of(const at::Tensor& t) {
  return t.defined() ? c10::str(t.sizes()) : "none";
}

}  // namespace

std::vector<LoraPair> collect_lora_pairs(const io::TensorSource& source,
                                         const std::vector<std::string>& modules,
                                         const LoraCollectOptions& options) {
  const std::string origin = source.origin();
  struct Group {
    std::string down, up, alpha;
  };
  std::map<std::string, Group> groups;
  std::set<std::string> adapters;
  for (const std::string& name : source.names()) {
    const auto parsed = parse_key(name);
    if (!parsed) {
      if (name.find("lora_") != std::string::npos) {
        throw io::ContentError(io::describe(origin, "unrecognised LoRA tensor '" + name + "'"));
      }
      continue;  // not a LoRA tensor (pose nets, base weights, ...)
    }
    if (parsed->role != Role::kAlpha) adapters.insert(parsed->adapter);
    Group& g = groups[parsed->module];
    std::string& slot = parsed->role == Role::kDown ? g.down
                        : parsed->role == Role::kUp ? g.up
                                                    : g.alpha;
    if (!slot.empty()) {
      throw io::ContentError(io::describe(origin, "LoRA tensors '" + slot + "' and '" + name +
                                                      "' play the same role for one module"));
    }
    slot = name;
  }
  if (adapters.size() > 1) {
    std::vector<std::string> list(adapters.begin(), adapters.end());
    throw io::ContentError(io::describe(
        origin, "LoRA file holds several adapters (" + join(list) + "); merge them one at a time"));
  }

  const std::set<std::string> module_set(modules.begin(), modules.end());
  std::map<std::string, std::string> underscored;
  for (const std::string& m : modules) {
    std::string u = m;
    for (char& ch : u) ch = ch == '.' ? '_' : ch;
    underscored.emplace(u, m);
  }

  std::vector<LoraPair> pairs;
  std::vector<std::string> unpaired, unmatched;
  for (const auto& [module, g] : groups) {
    if (g.down.empty() && g.up.empty()) continue;  // a stray alpha changes nothing
    if (g.down.empty() || g.up.empty()) {
      unpaired.push_back(g.down.empty() ? g.up : g.down);
      continue;
    }
    const std::string target = resolve_module(module, module_set, underscored);
    if (target.empty()) {
      unmatched.push_back(module);
      continue;
    }
    LoraPair pair;
    pair.target = target + ".weight";
    pair.key = module;
    pair.down = source.tensor(g.down);
    pair.up = source.tensor(g.up);
    pair.scale = options.multiplier;
    if (!g.alpha.empty()) {
      const at::Tensor alpha = source.tensor(g.alpha);
      if (alpha.numel() != 1 || pair.down.dim() != 2 || pair.down.size(0) == 0) {
        throw io::ContentError(io::describe(origin, "LoRA alpha '" + g.alpha + "' (shape " +
                                                        shape_of(alpha) + ") or its lora_down " +
                                                        shape_of(pair.down) + " is malformed"));
      }
      pair.scale *= alpha.to(at::kDouble).item<double>() / static_cast<double>(pair.down.size(0));
    }
    pairs.push_back(std::move(pair));
  }
  if (!unpaired.empty()) {
    throw io::ContentError(
        io::describe(origin, "LoRA tensors without their up/down partner: " + join(unpaired)));
  }
  if (!unmatched.empty()) {
    throw io::ContentError(
        io::describe(origin, "LoRA modules that match no DiT linear layer: " + join(unmatched)));
  }
  return pairs;
}

std::vector<std::string> dit_linear_modules(wan::WanDiT& dit) {
  std::vector<std::string> modules;
  dit.for_each_parameter([&](const std::string& name, at::Tensor& t) {
    if (t.dim() == 2 && ends_with(name, ".weight")) {
      modules.push_back(name.substr(0, name.size() - 7));
    }
  });
  return modules;
}

std::vector<std::string> unianimate_lora_targets(const wan::DitConfig& config) {
  std::vector<std::string> targets;
  for (std::int64_t i = 0; i < config.num_layers; ++i) {
    const std::string p = "blocks." + std::to_string(i) + ".";
    for (const char* attn : {"self_attn.", "cross_attn."}) {
      for (const char* proj : {"q", "k", "v", "o"}) targets.push_back(p + attn + proj + ".weight");
    }
    targets.push_back(p + "ffn.0.weight");
    targets.push_back(p + "ffn.2.weight");
  }
  return targets;
}

std::size_t merge_lora(wan::WanDiT& dit, const std::vector<LoraPair>& pairs,
                       const std::vector<std::string>& required_targets) {
  std::map<std::string, at::Tensor*> params;
  dit.for_each_parameter([&](const std::string& name, at::Tensor& t) { params[name] = &t; });

  // Everything is checked before the first weight changes.
  std::set<std::string> seen;
  for (const LoraPair& p : pairs) {
    const auto it = params.find(p.target);
    if (it == params.end() || it->second->dim() != 2) {
      throw io::ContentError("LoRA '" + p.key + "' targets '" + p.target +
                             "', which is not a linear weight of the DiT");
    }
    const at::Tensor& w = *it->second;
    const bool fits = p.down.defined() && p.up.defined() && p.down.dim() == 2 && p.up.dim() == 2 &&
                      p.down.size(0) > 0 && p.up.size(1) == p.down.size(0) &&
                      p.down.size(1) == w.size(1) && p.up.size(0) == w.size(0) &&
                      p.down.is_floating_point() && p.up.is_floating_point();
    if (!fits) {
      throw io::ContentError("LoRA '" + p.key + "': down " + shape_of(p.down) + " and up " +
                             shape_of(p.up) + " do not fit '" + p.target + "' " + shape_of(w) +
                             " (expected down [r, " + std::to_string(w.size(1)) + "], up [" +
                             std::to_string(w.size(0)) + ", r])");
    }
    if (!seen.insert(p.target).second) {
      throw io::ContentError("LoRA target '" + p.target + "' appears twice (last from '" + p.key +
                             "')");
    }
  }
  std::vector<std::string> missing;
  for (const std::string& t : required_targets) {
    if (!seen.count(t)) missing.push_back(t);
  }
  if (!missing.empty()) {
    throw io::ContentError("LoRA checkpoint lacks " + std::to_string(missing.size()) + " of " +
                           std::to_string(required_targets.size()) +
                           " expected targets: " + join(missing));
  }

  for (const LoraPair& p : pairs) {
    at::Tensor& w = *params.at(p.target);
    const auto f32 = at::TensorOptions().dtype(at::kFloat).device(w.device());
    at::Tensor delta = at::mm(p.up.to(f32), p.down.to(f32));
    if (p.scale != 1.0) delta.mul_(p.scale);
    // Out of place: w may be a read-only view of a mapped checkpoint.
    w = at::add(w.to(at::kFloat), delta).to(w.scalar_type()).contiguous();
  }
  return pairs.size();
}

std::size_t merge_unianimate_lora(wan::WanDiT& dit, const io::TensorSource& checkpoint,
                                  double lora_alpha) {
  LoraCollectOptions options;
  options.multiplier = lora_alpha;
  const auto pairs = collect_lora_pairs(checkpoint, dit_linear_modules(dit), options);
  try {
    return merge_lora(dit, pairs, unianimate_lora_targets(dit.config()));
  } catch (const io::ContentError& e) {
    throw io::ContentError(io::describe(checkpoint.origin(), e.what()));
  }
}

}  // namespace animate::unianimate
