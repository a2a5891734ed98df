#include "model/tests/test_support/torch_zip_fixture.h"

#include <ATen/ATen.h>
#include <stdlib.h>  // mkdtemp (POSIX)

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>

namespace animate::io::testing {
namespace {

std::uint32_t crc32(const std::string& data) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xffffffffu;
  for (unsigned char byte : data) crc = table[(crc ^ byte) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

void append_le(std::string* out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

const char* storage_class(c10::ScalarType type) {
  switch (type) {
    case at::kDouble: return "DoubleStorage";
    case at::kFloat: return "FloatStorage";
    case at::kHalf: return "HalfStorage";
    case at::kBFloat16: return "BFloat16Storage";
    case at::kLong: return "LongStorage";
    case at::kInt: return "IntStorage";
    case at::kShort: return "ShortStorage";
    case at::kChar: return "CharStorage";
    case at::kByte: return "ByteStorage";
    case at::kBool: return "BoolStorage";
    default: throw std::invalid_argument("torch_zip fixture: unsupported dtype");
  }
}

// Pickles objects with the memo behaviour of CPython's pickler as torch.save
// drives it: every str, tuple and REDUCE result is memoised; objects Python
// shares (globals, the 'storage' tag, 'cpu', a storage's key string) are
// fetched back with BINGET on later uses.
class TorchPickler {
 public:
  TorchPickler() { w_.proto(2); }

  void memoize() { w_.put(next_id_++); }

  void shared(const std::string& identity, const std::function<void()>& first_time) {
    auto it = shared_.find(identity);
    if (it != shared_.end()) {
      w_.get(it->second);
      return;
    }
    first_time();
    shared_[identity] = next_id_;
    memoize();
  }
  void global(const std::string& module, const std::string& name) {
    shared("global:" + module + "." + name, [&] { w_.global(module, name); });
  }
  // A str Python passes around as one object: `identity` names the object.
  void shared_string(const std::string& identity, const std::string& text) {
    shared("str:" + identity, [&] { w_.unicode(text); });
  }
  void shared_string(const std::string& text) { shared_string(text, text); }
  void string(const std::string& text) {
    w_.unicode(text);
    memoize();
  }
  void int_tuple(const std::vector<std::int64_t>& values) {
    if (values.empty()) {
      w_.empty_tuple();  // the empty tuple is a singleton and never memoised
      return;
    }
    if (values.size() > 3) w_.mark();
    for (auto v : values) w_.integer(v);
    w_.tuple_of(values.size());
    memoize();
  }
  void new_ordered_dict() {
    global("collections", "OrderedDict");
    w_.empty_tuple();
    w_.reduce();
    memoize();
  }

  // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())
  void tensor(const at::Tensor& t, const std::string& key) {
    global("torch._utils", "_rebuild_tensor_v2");
    w_.mark();
    w_.mark();
    shared_string("storage");
    global("torch", storage_class(t.scalar_type()));
    shared_string("storage key " + key, key);
    shared_string("cpu");
    w_.integer(static_cast<std::int64_t>(t.storage().nbytes() / t.element_size()));
    w_.op('t');
    memoize();
    w_.persid();
    w_.integer(t.storage_offset());
    int_tuple(t.sizes().vec());
    int_tuple(t.strides().vec());
    w_.boolean(t.requires_grad());
    new_ordered_dict();
    w_.op('t');
    memoize();
    w_.reduce();
    memoize();
  }

  // Python's _batch_setitems: groups of up to 1000 pairs, SETITEM for a lone pair.
  void items(std::size_t count, const std::function<void(std::size_t)>& save_pair) {
    constexpr std::size_t kBatch = 1000;
    for (std::size_t begin = 0; begin < count; begin += kBatch) {
      const std::size_t end = std::min(count, begin + kBatch);
      if (end - begin > 1) w_.mark();
      for (std::size_t i = begin; i < end; ++i) save_pair(i);
      w_.op(end - begin > 1 ? 'u' : 's');
    }
  }

  PickleWriter& writer() { return w_; }

 private:
  PickleWriter w_;
  std::uint32_t next_id_ = 0;
  std::map<std::string, std::uint32_t> shared_;
};

// The parent module paths of parameter names ("a.b.weight" -> "a", "a.b"),
// in order of first appearance, after the root module "".
std::vector<std::string> module_paths(const std::vector<NamedTensor>& tensors) {
  std::vector<std::string> paths{""};
  for (const auto& t : tensors) {
    for (std::size_t dot = t.name.find('.'); dot != std::string::npos;
         dot = t.name.find('.', dot + 1)) {
      const std::string path = t.name.substr(0, dot);
      if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
    }
  }
  return paths;
}

}  // namespace

// ------------------------------------------------------------------ zip --

void put_le16(std::string* bytes, std::uint64_t offset, std::uint16_t value) {
  for (int i = 0; i < 2; ++i) (*bytes)[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}
void put_le32(std::string* bytes, std::uint64_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) (*bytes)[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}
void put_le64(std::string* bytes, std::uint64_t offset, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) (*bytes)[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

ZipLayout write_zip(const std::vector<ZipFileSpec>& files, const ZipWriteOptions& options) {
  constexpr std::uint16_t kFlags = 0x0808;  // data descriptor + UTF-8 names, as miniz in torch
  constexpr std::uint64_t kAlignment = 64;
  ZipLayout layout;
  std::string& out = layout.bytes;
  std::vector<std::uint32_t> crcs;

  for (const auto& file : files) {
    const std::uint64_t offset = out.size();
    layout.local_header_offsets.push_back(offset);
    std::string extra;
    if (options.zip64) {
      // A local ZIP64 block (sizes), as miniz writes for big records.
      append_le(&extra, 0x0001, 2);
      append_le(&extra, 16, 2);
      append_le(&extra, file.data.size(), 8);
      append_le(&extra, file.data.size(), 8);
    }
    if (options.align_data) {
      // torch's padding: an "FB" block of 'Z's so the data lands on 64 bytes.
      const std::uint64_t start = offset + 30 + file.name.size() + extra.size() + 4;
      const std::uint64_t padding =
          (kAlignment - start % kAlignment) % kAlignment + options.misalign;
      extra += "FB";
      append_le(&extra, padding, 2);
      extra.append(padding, 'Z');
    } else if (options.misalign > 0) {
      extra += "FB";
      append_le(&extra, options.misalign, 2);
      extra.append(options.misalign, 'Z');
    }
    append_le(&out, 0x04034b50, 4);
    append_le(&out, 0, 2);  // version needed
    append_le(&out, kFlags, 2);
    append_le(&out, file.method, 2);
    append_le(&out, 0, 4);  // time, date
    append_le(&out, 0, 4);  // crc, sizes: in the data descriptor
    append_le(&out, 0, 4);
    append_le(&out, 0, 4);
    append_le(&out, file.name.size(), 2);
    append_le(&out, extra.size(), 2);
    out += file.name;
    out += extra;
    layout.data_offsets.push_back(out.size());
    out += file.data;
    const std::uint32_t crc = crc32(file.data);
    crcs.push_back(crc);
    append_le(&out, 0x08074b50, 4);
    append_le(&out, crc, 4);
    append_le(&out, file.data.size(), options.zip64 ? 8 : 4);
    append_le(&out, file.data.size(), options.zip64 ? 8 : 4);
  }

  layout.central_directory_offset = out.size();
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& file = files[i];
    layout.central_header_offsets.push_back(out.size());
    std::string extra;
    if (options.zip64) {
      append_le(&extra, 0x0001, 2);
      append_le(&extra, 24, 2);
      append_le(&extra, file.data.size(), 8);
      append_le(&extra, file.data.size(), 8);
      append_le(&extra, layout.local_header_offsets[i], 8);
    }
    const std::uint64_t size32 = options.zip64 ? 0xffffffffu : file.data.size();
    const std::uint64_t offset32 = options.zip64 ? 0xffffffffu : layout.local_header_offsets[i];
    append_le(&out, 0x02014b50, 4);
    append_le(&out, 0, 2);                       // version made by
    append_le(&out, options.zip64 ? 45 : 0, 2);  // version needed
    append_le(&out, kFlags, 2);
    append_le(&out, file.method, 2);
    append_le(&out, 0, 4);  // time, date
    append_le(&out, crcs[i], 4);
    append_le(&out, size32, 4);
    append_le(&out, size32, 4);
    append_le(&out, file.name.size(), 2);
    append_le(&out, extra.size(), 2);
    append_le(&out, 0, 2);  // comment
    append_le(&out, 0, 2);  // disk
    append_le(&out, 0, 2);  // internal attributes
    append_le(&out, 0, 4);  // external attributes
    append_le(&out, offset32, 4);
    out += file.name;
    out += extra;
  }
  const std::uint64_t directory_size = out.size() - layout.central_directory_offset;

  if (options.zip64_end_record) {
    layout.zip64_end_offset = out.size();
    append_le(&out, 0x06064b50, 4);
    append_le(&out, 44, 8);      // record size after this field
    append_le(&out, 0x031e, 2);  // version made by
    append_le(&out, 45, 2);      // version needed
    append_le(&out, 0, 4);       // disk
    append_le(&out, 0, 4);       // directory disk
    append_le(&out, files.size(), 8);
    append_le(&out, files.size(), 8);
    append_le(&out, directory_size, 8);
    append_le(&out, layout.central_directory_offset, 8);
    layout.zip64_locator_offset = out.size();
    append_le(&out, 0x07064b50, 4);
    append_le(&out, 0, 4);
    append_le(&out, layout.zip64_end_offset, 8);
    append_le(&out, 1, 4);
  }
  layout.end_offset = out.size();
  append_le(&out, 0x06054b50, 4);
  append_le(&out, 0, 2);
  append_le(&out, 0, 2);
  append_le(&out, options.zip64 ? 0xffff : files.size(), 2);
  append_le(&out, options.zip64 ? 0xffff : files.size(), 2);
  append_le(&out, options.zip64 ? 0xffffffffu : directory_size, 4);
  append_le(&out, options.zip64 ? 0xffffffffu : layout.central_directory_offset, 4);
  append_le(&out, 0, 2);  // comment
  return layout;
}

// --------------------------------------------------------------- pickle --

PickleWriter& PickleWriter::proto(int version) {
  op(0x80);
  bytes_.push_back(static_cast<char>(version));
  return *this;
}

PickleWriter& PickleWriter::op(std::uint8_t opcode) {
  bytes_.push_back(static_cast<char>(opcode));
  return *this;
}

PickleWriter& PickleWriter::raw(const std::string& bytes) {
  bytes_ += bytes;
  return *this;
}

PickleWriter& PickleWriter::integer(std::int64_t value) {
  if (value >= 0 && value <= 0xff) {
    op('K');
    append_le(&bytes_, static_cast<std::uint64_t>(value), 1);
  } else if (value >= 0 && value <= 0xffff) {
    op('M');
    append_le(&bytes_, static_cast<std::uint64_t>(value), 2);
  } else if (value >= -0x80000000LL && value <= 0x7fffffffLL) {
    op('J');
    append_le(&bytes_, static_cast<std::uint64_t>(value) & 0xffffffffu, 4);
  } else {
    // LONG1 with the shortest little-endian two's complement, as Python's encode_long.
    std::uint64_t bits = static_cast<std::uint64_t>(value);
    int n = 8;
    while (n > 1) {
      const auto top = static_cast<std::uint8_t>(bits >> (8 * (n - 1)));
      const auto next = static_cast<std::uint8_t>(bits >> (8 * (n - 2)));
      const bool redundant = (top == 0x00 && !(next & 0x80)) || (top == 0xff && (next & 0x80));
      if (!redundant) break;
      --n;
    }
    op(0x8a);
    bytes_.push_back(static_cast<char>(n));
    append_le(&bytes_, bits, n);
  }
  return *this;
}

PickleWriter& PickleWriter::floating(double value) {
  op('G');
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  for (int i = 7; i >= 0; --i) bytes_.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  return *this;
}

PickleWriter& PickleWriter::unicode(const std::string& text) {
  op('X');
  append_le(&bytes_, text.size(), 4);
  bytes_ += text;
  return *this;
}

PickleWriter& PickleWriter::global(const std::string& module, const std::string& name) {
  op('c');
  bytes_ += module + "\n" + name + "\n";
  return *this;
}

PickleWriter& PickleWriter::put(std::uint32_t id) {
  if (id < 256) {
    op('q');
    append_le(&bytes_, id, 1);
  } else {
    op('r');
    append_le(&bytes_, id, 4);
  }
  return *this;
}

PickleWriter& PickleWriter::get(std::uint32_t id) {
  if (id < 256) {
    op('h');
    append_le(&bytes_, id, 1);
  } else {
    op('j');
    append_le(&bytes_, id, 4);
  }
  return *this;
}

PickleWriter& PickleWriter::tuple_of(std::size_t n) {
  switch (n) {
    case 0: return op(')');
    case 1: return op(0x85);
    case 2: return op(0x86);
    case 3: return op(0x87);
    default: return op('t');
  }
}

// ------------------------------------------------------------ checkpoint --

std::string torch_data_pkl(const std::vector<NamedTensor>& tensors,
                           const TorchZipOptions& options) {
  // Storage keys in order of first use, one per distinct storage.
  std::map<const void*, std::string> keys;
  auto key_of = [&](const at::Tensor& t) {
    const void* impl = t.storage().unsafeGetStorageImpl();
    auto it = keys.find(impl);
    if (it == keys.end()) it = keys.emplace(impl, std::to_string(keys.size())).first;
    return it->second;
  };

  TorchPickler p;
  PickleWriter& w = p.writer();
  if (!options.wrapper_key.empty()) {
    w.empty_dict();
    p.memoize();
    w.mark();
    p.string(options.wrapper_key);
  }
  const bool ordered = options.container == Container::kOrderedDict;
  if (ordered) {
    p.new_ordered_dict();
  } else {
    w.empty_dict();
    p.memoize();
  }
  p.items(tensors.size(), [&](std::size_t i) {
    p.string(tensors[i].name);
    p.tensor(tensors[i].tensor, key_of(tensors[i].tensor));
  });
  if (!options.extra_items.empty()) {
    w.mark();
    w.raw(options.extra_items);
    w.setitems();
  }
  if (ordered && options.metadata) {
    // state_dict()._metadata: {module path: {'version': 1}}, set by BUILD.
    w.empty_dict();
    p.memoize();
    p.string("_metadata");
    p.new_ordered_dict();
    const auto paths = module_paths(tensors);
    p.items(paths.size(), [&](std::size_t i) {
      p.string(paths[i]);
      w.empty_dict();
      p.memoize();
      p.shared_string("version");
      w.integer(1);
      w.setitem();
    });
    w.setitem();
    w.build();
  }
  if (!options.wrapper_key.empty()) {
    p.string("epoch");
    w.integer(7);
    w.raw(options.extra_top_items);
    w.setitems();
  }
  w.stop();
  return w.bytes();
}

std::string tensor_pickle(const TensorRef& ref) {
  PickleWriter w;
  w.global("torch._utils", "_rebuild_tensor_v2").mark();
  w.mark().unicode("storage").global("torch", ref.storage_class).unicode(ref.key);
  w.unicode(ref.location).integer(ref.storage_numel).op('t').persid();
  w.integer(ref.offset);
  auto dims = [&](const std::vector<std::int64_t>& values) {
    if (values.size() > 3) w.mark();
    for (auto v : values) w.integer(v);
    w.tuple_of(values.size());
  };
  dims(ref.sizes);
  dims(ref.strides);
  w.boolean(false).global("collections", "OrderedDict").empty_tuple().reduce();
  w.op('t').reduce();
  return w.bytes();
}

std::string dict_pickle(const std::vector<std::pair<std::string, std::string>>& items) {
  PickleWriter w;
  w.proto(2).empty_dict();
  if (!items.empty()) {
    w.mark();
    for (const auto& [key, value] : items) w.unicode(key).raw(value);
    w.setitems();
  }
  return w.stop().bytes();
}

ZipLayout torch_zip(const std::vector<NamedTensor>& tensors, const TorchZipOptions& options) {
  const std::string prefix = options.prefix.empty() ? "" : options.prefix + "/";
  std::vector<ZipFileSpec> files;
  files.push_back({prefix + "data.pkl",
                   options.data_pkl ? *options.data_pkl : torch_data_pkl(tensors, options), 0});
  if (!options.byteorder.empty()) files.push_back({prefix + "byteorder", options.byteorder, 0});

  // One record per distinct storage, named by its key, in sorted key order
  // (torch sorts the key strings: 0, 1, 10, 11, ..., 2, ...).
  std::map<std::string, std::string> records;
  std::map<const void*, std::string> keys;
  for (const auto& t : tensors) {
    const void* impl = t.tensor.storage().unsafeGetStorageImpl();
    if (keys.count(impl)) continue;
    const std::string key = std::to_string(keys.size());
    keys.emplace(impl, key);
    const auto& storage = t.tensor.storage();
    const auto* data = static_cast<const char*>(storage.data_ptr().get());
    records[key] = storage.nbytes() == 0 ? std::string() : std::string(data, storage.nbytes());
  }
  for (const auto& [key, data] : records) files.push_back({prefix + "data/" + key, data, 0});
  for (const auto& extra : options.extra_files) files.push_back(extra);
  files.push_back({prefix + "version", "3\n", 0});
  return write_zip(files, options.zip);
}

void write_file(const std::string& path, const std::string& bytes) {
  // Replace rather than truncate: ext4 flushes a file that is truncated and
  // rewritten when it is closed, which makes loops over thousands of
  // variants wait on the disk.
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "animate_io_XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string ScratchDir::write(const std::string& name, const std::string& bytes) const {
  const std::string p = path(name);
  write_file(p, bytes);
  return p;
}

std::string golden_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("ANIMATE_GOLDEN_DIR"); env != nullptr && *env != '\0') {
    return fs::is_directory(env) ? std::string(env) : std::string();
  }
  // This file is <repo>/model/tests/test_support/torch_zip_fixture.cpp.
  const fs::path repo = fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
  const fs::path golden = repo / ".." / "shared" / "golden";
  return fs::is_directory(golden) ? fs::weakly_canonical(golden).string() : std::string();
}

}  // namespace animate::io::testing
