#pragma once
// Reader for PyTorch checkpoints in the torch.save zip format (`.pth`,
// `.ckpt`, `.pt`): a zip archive with `<prefix>/data.pkl` (the pickled
// object) and one `<prefix>/data/<key>` record per storage. LibTorch 1.13's
// own unpickler cannot read OrderedDict state dicts (spec 0.2), and it would
// copy every storage into memory; this reader instead interprets the pickle
// with a restricted unpickler and hands out tensors as zero-copy views into
// the memory-mapped archive.
//
// The pickled object must be a dict (or OrderedDict) of name -> tensor, or a
// dict holding such a state dict under `state_dict`, `model_state` or
// `module` (one level of unwrapping, nothing more). Non-tensor entries of the
// state dict are skipped and counted.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/io/dtype.h"
#include "model/io/pickle_reader.h"
#include "model/io/tensor_source.h"
#include "model/io/zip_archive.h"

namespace animate::io {

class TorchCheckpoint final : public TensorSource {
 public:
  // Maps and validates the whole checkpoint: the zip directory, the pickle,
  // every storage record and every tensor's strided extent. Throws
  // FormatError (malformed, truncated, forbidden pickle content) or
  // ContentError (a well-formed pickle that holds no state dict), both
  // naming the file.
  static std::shared_ptr<TorchCheckpoint> open(const std::string& path);

  std::vector<std::string> names() const override;
  bool contains(const std::string& name) const override;
  // A view into the mapping (it keeps the mapping alive); copied only when
  // the storage is not aligned for the dtype. Tensors are read-only in
  // spirit: the mapping is private, so writes never reach the file.
  at::Tensor tensor(const std::string& name) const override;
  std::string origin() const override { return archive_.path(); }

  // Metadata without materialising the tensor; ContentError when absent.
  DType dtype(const std::string& name) const;
  std::vector<std::int64_t> shape(const std::string& name) const;

  std::size_t size() const { return tensors_.size(); }
  // The underlying archive (its mapping backs every zero-copy tensor).
  const ZipArchive& archive() const { return archive_; }
  // Tensor names in the order the state dict holds them.
  const std::vector<std::string>& stored_order() const { return order_; }
  // The directory in front of data.pkl, with its trailing '/' ("" if none).
  const std::string& archive_prefix() const { return prefix_; }
  // The top-level key the state dict was found under; "" when the pickled
  // object was the state dict itself.
  const std::string& wrapper_key() const { return wrapper_key_; }
  // State-dict entries that were not tensors (or had non-string keys).
  std::size_t skipped_entries() const { return skipped_entries_; }

 private:
  struct Entry {
    PickleTensor view;                   // dtype, offset, sizes, strides in elements
    const std::uint8_t* data = nullptr;  // the first byte of the view's extent
    std::uint64_t extent_bytes = 0;      // bytes from `data` to the end of the extent
  };

  explicit TorchCheckpoint(std::shared_ptr<const MappedFile> file);
  void load();
  void add_tensor(const std::string& name, const PickleTensor& view);
  const Entry& entry(const std::string& name) const;

  ZipArchive archive_;
  std::string prefix_;
  std::string wrapper_key_;
  std::size_t skipped_entries_ = 0;
  std::map<std::string, Entry> tensors_;
  std::vector<std::string> order_;
  // Storage key -> the description first seen, to catch contradictions.
  std::map<std::string, PickleStorage> storages_;
};

}  // namespace animate::io
