#pragma once
// Test helper that writes checkpoints byte for byte the way torch.save does
// (protocol 2 pickle in `<prefix>/data.pkl`, one stored record per storage in
// `<prefix>/data/<key>`, `<prefix>/version`, 64-byte aligned records padded
// through the local header's extra field, data descriptors, a ZIP64 end
// record), plus the pieces to build broken variants: a pickle opcode writer
// and a zip writer that reports where each structure landed.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace animate::io::testing {

// ------------------------------------------------------------------ zip --

struct ZipFileSpec {
  std::string name;
  std::string data;
  std::uint16_t method = 0;  // written as given; the data is never compressed
};

struct ZipWriteOptions {
  // Pad each local header with a torch-style "FB" extra field so the data
  // starts at a multiple of 64, then add `misalign` bytes more.
  bool align_data = true;
  std::size_t misalign = 0;
  // Put 0xFFFFFFFF placeholders for sizes and offsets in every central header
  // (values in ZIP64 extra fields) and in the end record (values in the ZIP64
  // end record), as torch does for archives past 4 GiB.
  bool zip64 = false;
  // torch always writes a ZIP64 end record and locator.
  bool zip64_end_record = true;
};

// Where everything went, so tests can corrupt precise fields.
struct ZipLayout {
  std::string bytes;
  std::vector<std::uint64_t> local_header_offsets;
  std::vector<std::uint64_t> data_offsets;
  std::vector<std::uint64_t> central_header_offsets;
  std::uint64_t central_directory_offset = 0;
  std::uint64_t zip64_end_offset = 0;  // 0 when not written
  std::uint64_t zip64_locator_offset = 0;
  std::uint64_t end_offset = 0;
};

ZipLayout write_zip(const std::vector<ZipFileSpec>& files, const ZipWriteOptions& options = {});

// Little-endian patching helpers for corrupting layouts.
void put_le16(std::string* bytes, std::uint64_t offset, std::uint16_t value);
void put_le32(std::string* bytes, std::uint64_t offset, std::uint32_t value);
void put_le64(std::string* bytes, std::uint64_t offset, std::uint64_t value);

// --------------------------------------------------------------- pickle --

// Emits pickle opcodes. Integers are encoded the way CPython's pickler picks
// opcodes (BININT1, BININT2, BININT, LONG1), tuples of up to three items use
// TUPLE1..3, and memo ids use BINPUT/LONG_BINPUT as needed.
class PickleWriter {
 public:
  PickleWriter& proto(int version = 2);
  PickleWriter& op(std::uint8_t opcode);
  PickleWriter& raw(const std::string& bytes);
  PickleWriter& mark() { return op('('); }
  PickleWriter& stop() { return op('.'); }
  PickleWriter& none() { return op('N'); }
  PickleWriter& boolean(bool value) { return op(value ? 0x88 : 0x89); }
  PickleWriter& integer(std::int64_t value);
  PickleWriter& floating(double value);
  PickleWriter& unicode(const std::string& text);                            // BINUNICODE
  PickleWriter& global(const std::string& module, const std::string& name);  // GLOBAL
  PickleWriter& put(std::uint32_t id);
  PickleWriter& get(std::uint32_t id);
  // Closes `n` items already pushed: EMPTY_TUPLE, TUPLE1..3 or (with a MARK
  // written before the items) TUPLE.
  PickleWriter& tuple_of(std::size_t n);
  PickleWriter& reduce() { return op('R'); }
  PickleWriter& build() { return op('b'); }
  PickleWriter& persid() { return op('Q'); }
  PickleWriter& setitem() { return op('s'); }
  PickleWriter& setitems() { return op('u'); }
  PickleWriter& empty_dict() { return op('}'); }
  PickleWriter& empty_tuple() { return op(')'); }
  PickleWriter& empty_list() { return op(']'); }

  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// ------------------------------------------------------------ checkpoint --

struct NamedTensor {
  std::string name;
  at::Tensor tensor;  // views of one base tensor share a storage record, as in torch
};

enum class Container { kOrderedDict, kDict };

struct TorchZipOptions {
  Container container = Container::kOrderedDict;
  std::string prefix = "archive";
  // Non-empty: save {wrapper_key: state_dict, "epoch": 7} instead.
  std::string wrapper_key;
  // Like Module.state_dict(): BUILD the OrderedDict with {'_metadata': ...}.
  bool metadata = true;
  // Raw pickle ops pushing extra key/value pairs into the state dict (one
  // more MARK ... SETITEMS group after the tensors).
  std::string extra_items;
  // Raw pickle ops pushing extra key/value pairs into the wrapper dict
  // (only with wrapper_key).
  std::string extra_top_items;
  // Replaces the generated data.pkl (storage records are still written).
  std::optional<std::string> data_pkl;
  // Non-empty: written as `<prefix>/byteorder` (newer torch writes "little").
  std::string byteorder;
  // Extra records, appended after the storages.
  std::vector<ZipFileSpec> extra_files;
  ZipWriteOptions zip;
};

// One torch._utils._rebuild_tensor_v2 call, without memo ops, for
// hand-made pickles (e.g. views that do not fit their storage).
struct TensorRef {
  std::string storage_class = "FloatStorage";  // a torch.<X> global name
  std::string key = "0";
  std::string location = "cpu";
  std::int64_t storage_numel = 0;
  std::int64_t offset = 0;
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> strides;
};
std::string tensor_pickle(const TensorRef& ref);

// PROTO 2, a dict of `items` (key, raw pickle ops pushing the value), STOP.
std::string dict_pickle(const std::vector<std::pair<std::string, std::string>>& items);

// The data.pkl torch.save would write for these tensors.
std::string torch_data_pkl(const std::vector<NamedTensor>& tensors,
                           const TorchZipOptions& options = {});
ZipLayout torch_zip(const std::vector<NamedTensor>& tensors, const TorchZipOptions& options = {});

// ----------------------------------------------------------- filesystem --

void write_file(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);

// A fresh directory under the system temp dir, removed with its contents.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  // Writes `bytes` to a file called `name` in the directory; returns its path.
  std::string write(const std::string& name, const std::string& bytes) const;

 private:
  std::string dir_;
};

// The golden cases folder: $ANIMATE_GOLDEN_DIR, else <repo>/../shared/golden
// (found from this source file's location); "" when neither exists.
std::string golden_dir();

}  // namespace animate::io::testing
