#include "model/io/torch_checkpoint.h"

#include <ATen/ATen.h>

#include <cstring>
#include <limits>
#include <sstream>

#include "model/io/error.h"
#include "model/io/shape_string.h"

namespace animate::io {
namespace {

constexpr const char* kPickleName = "data.pkl";
// Top-level keys under which training scripts commonly nest the state dict.
constexpr const char* kWrapperKeys[] = {"state_dict", "model_state", "module"};

bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
  *out = a * b;
  return true;
}
bool checked_add(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  if (b > std::numeric_limits<std::uint64_t>::max() - a) return false;
  *out = a + b;
  return true;
}

std::size_t count_tensors(const PickleDict& dict) {
  std::size_t n = 0;
  for (const auto& item : dict.items) n += item.second.as_tensor() != nullptr;
  return n;
}

// "'epoch' (int), 'optimizer' (dict), ..." for messages about what a dict holds.
std::string summarize_keys(const PickleDict& dict) {
  constexpr std::size_t kShown = 8;
  std::ostringstream out;
  for (std::size_t i = 0; i < dict.items.size() && i < kShown; ++i) {
    const auto& [key, value] = dict.items[i];
    out << (i ? ", " : "");
    if (const std::string* text = key.as_string()) {
      out << "'" << *text << "'";
    } else {
      out << "<" << key.kind_name() << " key>";
    }
    out << " (" << value.kind_name() << ")";
  }
  if (dict.items.size() > kShown) out << ", ... (" << dict.items.size() - kShown << " more)";
  return out.str();
}

}  // namespace

std::shared_ptr<TorchCheckpoint> TorchCheckpoint::open(const std::string& path) {
  std::shared_ptr<TorchCheckpoint> checkpoint(new TorchCheckpoint(MappedFile::open(path)));
  checkpoint->load();
  return checkpoint;
}

TorchCheckpoint::TorchCheckpoint(std::shared_ptr<const MappedFile> file)
    : archive_(std::move(file)) {}

void TorchCheckpoint::load() {
  const std::string& path = archive_.path();

  // torch.save puts every record under one directory whose name is
  // arbitrary (the file stem in older torch, "archive" in newer).
  const ZipEntry* pickle_entry = nullptr;
  for (const auto& e : archive_.entries()) {
    const bool is_pickle = e.name == kPickleName ||
                           (e.name.size() > std::strlen(kPickleName) &&
                            e.name.compare(e.name.size() - std::strlen(kPickleName) - 1,
                                           std::string::npos, std::string("/") + kPickleName) == 0);
    if (!is_pickle) continue;
    if (pickle_entry != nullptr) {
      throw FormatError(describe(path, "two pickles in one checkpoint: '" + pickle_entry->name +
                                           "' and '" + e.name + "'"));
    }
    pickle_entry = &e;
  }
  if (pickle_entry == nullptr) {
    throw FormatError(describe(path, "no data.pkl record; not a torch.save zip checkpoint"));
  }
  prefix_ = pickle_entry->name.substr(0, pickle_entry->name.size() - std::strlen(kPickleName));

  // Newer torch records the byte order; storages are raw native bytes.
  if (const ZipEntry* byteorder = archive_.find(prefix_ + "byteorder")) {
    const ByteSpan bytes = archive_.data(*byteorder);
    const std::string order(reinterpret_cast<const char*>(bytes.data), bytes.size);
    if (order == "big") {
      throw FormatError(describe(path, "big-endian checkpoint (byteorder 'big') is not supported"));
    }
    if (order != "little") {
      throw FormatError(describe(path, "unknown byteorder record '" + order.substr(0, 32) + "'"));
    }
  }

  const ByteSpan pickle_bytes = archive_.data(*pickle_entry);
  const PickleValue root =
      read_pickle(pickle_bytes.data, pickle_bytes.size, path + ":" + pickle_entry->name);

  const PickleDict* top = root.as_dict();
  if (top == nullptr) {
    throw ContentError(describe(path, std::string("the pickled object is a ") + root.kind_name() +
                                          ", expected a dict of tensors (a state dict)"));
  }
  const PickleDict* state = top;
  if (count_tensors(*top) == 0) {
    for (const char* key : kWrapperKeys) {
      const PickleValue* inner = top->find(key);
      if (inner != nullptr && inner->as_dict() != nullptr && count_tensors(*inner->as_dict()) > 0) {
        state = inner->as_dict();
        wrapper_key_ = key;
        break;
      }
    }
    if (state == top && !top->items.empty()) {
      throw ContentError(describe(
          path, "holds no tensors: the pickled dict has " + std::to_string(top->items.size()) +
                    " entries (" + summarize_keys(*top) +
                    ") and no 'state_dict', 'model_state' or 'module' dict of tensors"));
    }
  }

  for (const auto& [key, value] : state->items) {
    const std::string* name = key.as_string();
    const PickleTensor* view = value.as_tensor();
    if (name == nullptr || view == nullptr) {
      ++skipped_entries_;
      continue;
    }
    add_tensor(*name, *view);
  }
}

// Checks one tensor against its storage record and remembers where its bytes are.
void TorchCheckpoint::add_tensor(const std::string& name, const PickleTensor& view) {
  const std::string& path = archive_.path();
  const PickleStorage& storage = *view.storage;
  auto fail = [&](const std::string& what) {
    return FormatError(describe(path, "tensor '" + name + "': " + what));
  };

  // One storage key must describe one storage, however many tensors view it.
  auto [known, inserted] = storages_.emplace(storage.key, storage);
  if (!inserted && (known->second.dtype != storage.dtype || known->second.numel != storage.numel)) {
    throw fail("storage '" + storage.key + "' is declared as " + storage.storage_class + " of " +
               std::to_string(storage.numel) + " elements, but earlier as " +
               known->second.storage_class + " of " + std::to_string(known->second.numel));
  }

  const std::string record = prefix_ + "data/" + storage.key;
  const ZipEntry* entry = archive_.find(record);
  if (entry == nullptr) {
    throw fail("storage '" + storage.key + "' has no record '" + record + "' in the archive");
  }
  const ByteSpan bytes = archive_.data(*entry);
  // The pickle layer has already checked that this product fits in 63 bits.
  const std::uint64_t storage_bytes =
      static_cast<std::uint64_t>(storage.numel) * element_size(storage.dtype);
  if (bytes.size != storage_bytes) {
    throw fail("storage '" + storage.key + "' (" + storage.storage_class + " of " +
               std::to_string(storage.numel) + " elements) needs " + std::to_string(storage_bytes) +
               " bytes, but its record holds " + std::to_string(bytes.size));
  }

  // The view's extent: the last element it touches is offset + sum((size-1) * stride).
  const std::uint64_t item = element_size(view.dtype);
  std::uint64_t last = static_cast<std::uint64_t>(view.storage_offset);
  bool empty = false;
  for (std::size_t d = 0; d < view.sizes.size(); ++d) {
    if (view.sizes[d] == 0) empty = true;
  }
  std::uint64_t extent_bytes = 0;
  std::uint64_t begin_byte = 0;
  if (!checked_mul(last, item, &begin_byte) || begin_byte > storage_bytes) {
    throw fail("storage offset " + std::to_string(view.storage_offset) +
               " is past the end of storage '" + storage.key + "' (" +
               std::to_string(storage_bytes) + " bytes)");
  }
  if (!empty) {
    for (std::size_t d = 0; d < view.sizes.size(); ++d) {
      std::uint64_t span = 0;
      if (!checked_mul(static_cast<std::uint64_t>(view.sizes[d] - 1),
                       static_cast<std::uint64_t>(view.strides[d]), &span) ||
          !checked_add(last, span, &last)) {
        throw fail("size " + shape_string(view.sizes) + " with stride " +
                   shape_string(view.strides) + " overflows");
      }
    }
    std::uint64_t end_byte = 0;
    if (!checked_add(last, 1, &end_byte) || !checked_mul(end_byte, item, &end_byte) ||
        end_byte > storage_bytes) {
      throw fail("size " + shape_string(view.sizes) + ", stride " + shape_string(view.strides) +
                 " and offset " + std::to_string(view.storage_offset) + " reach past the " +
                 std::to_string(storage_bytes) + " bytes of storage '" + storage.key + "'");
    }
    extent_bytes = end_byte - begin_byte;
  }

  Entry result;
  result.view = view;
  result.data = bytes.data + begin_byte;
  result.extent_bytes = extent_bytes;
  if (tensors_.emplace(name, std::move(result)).second) order_.push_back(name);
}

std::vector<std::string> TorchCheckpoint::names() const {
  std::vector<std::string> result;
  result.reserve(tensors_.size());
  for (const auto& item : tensors_) result.push_back(item.first);
  return result;
}

bool TorchCheckpoint::contains(const std::string& name) const {
  return tensors_.count(name) > 0;
}

const TorchCheckpoint::Entry& TorchCheckpoint::entry(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    throw ContentError(describe(archive_.path(), "no tensor named '" + name + "'"));
  }
  return it->second;
}

DType TorchCheckpoint::dtype(const std::string& name) const {
  return entry(name).view.dtype;
}

std::vector<std::int64_t> TorchCheckpoint::shape(const std::string& name) const {
  return entry(name).view.sizes;
}

at::Tensor TorchCheckpoint::tensor(const std::string& name) const {
  const Entry& e = entry(name);
  const auto options = at::TensorOptions().dtype(to_scalar_type(e.view.dtype)).device(at::kCPU);
  if (e.extent_bytes == 0) return at::empty(e.view.sizes, options);

  // LibTorch kernels assume element-aligned data. torch.save aligns records
  // to 64 bytes, so this copy only happens for archives written otherwise;
  // it copies the view's extent (bounded by the record), never numel.
  if (reinterpret_cast<std::uintptr_t>(e.data) % element_size(e.view.dtype) != 0) {
    auto buffer = at::empty({static_cast<std::int64_t>(e.extent_bytes)},
                            at::TensorOptions().dtype(at::kByte));
    std::memcpy(buffer.data_ptr(), e.data, e.extent_bytes);
    return at::from_blob(
        buffer.data_ptr(), e.view.sizes, e.view.strides, [buffer](void*) {}, options);
  }
  // Zero-copy view; the deleter holds the mapping alive for the tensor's life.
  auto keep_alive = archive_.file();
  return at::from_blob(
      const_cast<std::uint8_t*>(e.data), e.view.sizes, e.view.strides,
      [keep_alive](void*) mutable { keep_alive.reset(); }, options);
}

}  // namespace animate::io
