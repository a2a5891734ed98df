#include "model/io/checkpoint_view.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "model/io/error.h"
#include "model/io/shape_string.h"

namespace animate::io {
namespace {

std::string join_limited(const std::vector<std::string>& items, std::size_t limit) {
  std::ostringstream out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i) out << ", ";
    out << items[i];
  }
  if (items.size() > limit) out << ", ... (" << items.size() - limit << " more)";
  return out.str();
}

}  // namespace

std::string KeyReport::summary(std::size_t limit) const {
  std::ostringstream out;
  out << "missing " << missing.size() << " tensor(s)";
  if (!missing.empty()) out << ": " << join_limited(missing, limit);
  out << "; unexpected " << unexpected.size();
  if (!unexpected.empty()) out << ": " << join_limited(unexpected, limit);
  return out.str();
}

CheckpointView::CheckpointView(std::vector<std::shared_ptr<const TensorSource>> sources,
                               const std::vector<std::string>& strip_prefixes)
    : sources_(std::move(sources)) {
  for (const auto& source : sources_) {
    for (const auto& stored : source->names()) {
      std::string name = stored;
      for (const auto& prefix : strip_prefixes) {
        if (name.rfind(prefix, 0) == 0) {
          name = name.substr(prefix.size());
          break;
        }
      }
      auto [it, inserted] = entries_.emplace(name, Entry{source, stored});
      if (!inserted) {
        throw ContentError("tensor '" + name + "' appears twice: as '" + it->second.source_name +
                           "' in " + it->second.source->origin() + " and as '" + stored + "' in " +
                           source->origin());
      }
    }
  }
}

CheckpointView CheckpointView::select(const std::string& prefix) const {
  CheckpointView result;
  result.sources_ = sources_;
  for (const auto& [name, entry] : entries_) {
    if (name.rfind(prefix, 0) == 0) result.entries_.emplace(name.substr(prefix.size()), entry);
  }
  return result;
}

std::vector<std::string> CheckpointView::names() const {
  std::vector<std::string> result;
  result.reserve(entries_.size());
  for (const auto& entry : entries_) result.push_back(entry.first);
  return result;
}

bool CheckpointView::contains(const std::string& name) const {
  return entries_.count(name) > 0;
}

std::string CheckpointView::origin() const {
  std::vector<std::string> origins;
  for (const auto& source : sources_) origins.push_back(source->origin());
  return origins.empty() ? std::string("(no files)") : join_limited(origins, 8);
}

at::Tensor CheckpointView::get(const std::string& name, std::optional<c10::ScalarType> dtype,
                               c10::Device device) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw ContentError("tensor '" + name + "' not found in " + origin());
  }
  at::Tensor tensor = it->second.source->tensor(it->second.source_name);
  if (dtype && tensor.scalar_type() != *dtype) tensor = tensor.to(*dtype);
  if (tensor.device() != device) tensor = tensor.to(device);
  return tensor;
}

at::Tensor CheckpointView::get_checked(const std::string& name, at::IntArrayRef shape,
                                       std::optional<c10::ScalarType> dtype,
                                       c10::Device device) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw ContentError("tensor '" + name + "' not found in " + origin());
  }
  // Check the shape before any conversion so a mismatch costs nothing.
  at::Tensor stored = it->second.source->tensor(it->second.source_name);
  if (stored.sizes() != shape) {
    throw ContentError("tensor '" + name + "' in " + it->second.source->origin() + " has shape " +
                       shape_string(stored.sizes()) + " but the model configuration needs " +
                       shape_string(shape));
  }
  if (dtype && stored.scalar_type() != *dtype) stored = stored.to(*dtype);
  if (stored.device() != device) stored = stored.to(device);
  return stored;
}

KeyReport CheckpointView::compare(const std::vector<std::string>& expected) const {
  KeyReport report;
  std::set<std::string> wanted(expected.begin(), expected.end());
  for (const auto& name : wanted) {
    if (!contains(name)) report.missing.push_back(name);
  }
  for (const auto& entry : entries_) {
    if (!wanted.count(entry.first)) report.unexpected.push_back(entry.first);
  }
  return report;
}

void CheckpointView::require(const std::vector<std::string>& expected,
                             const std::string& what) const {
  const KeyReport report = compare(expected);
  if (!report.ok()) {
    throw ContentError(what + " cannot be loaded from " + origin() + ": " + report.summary());
  }
}

}  // namespace animate::io
