#pragma once
// A restricted unpickler for the `data.pkl` that torch.save writes (pickle
// protocols 2-5). It never executes anything: the only globals it resolves
// are collections.OrderedDict, the torch tensor/parameter rebuild functions,
// the torch storage classes and dtypes, and each of these is interpreted by
// this reader itself. Any other global is refused with a FormatError naming
// it. Persistent ids must be torch storage references
// ('storage', <storage class>, key, location, numel).
//
// The result is a small value tree. Containers are shared (a memoised object
// referenced twice is one object, as in Python), but a container is frozen
// once it is nested into another, so the graph can never become cyclic and
// its depth is bounded by PickleLimits::max_depth.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "model/io/dtype.h"

namespace animate::io {

class PickleValue;
class PickleMachine;

struct PickleList {
  std::vector<PickleValue> items;
  // Maintained by the reader: nesting depth (1 = holds no containers), and
  // whether the list was nested into another container (then immutable).
  std::size_t depth = 1;
  bool frozen = false;
};

struct PickleTuple {
  std::vector<PickleValue> items;
  std::size_t depth = 1;
};

struct PickleDict {
  // Insertion order, as Python dicts and OrderedDicts keep it. A key set
  // twice keeps its first position and its last value, as in Python.
  std::vector<std::pair<PickleValue, PickleValue>> items;
  bool ordered = false;  // built by collections.OrderedDict()
  std::size_t depth = 1;
  bool frozen = false;
  // Position in `items` of every string key, for find() and de-duplication.
  std::unordered_map<std::string, std::size_t> string_keys;

  // The value under a string key, or nullptr.
  const PickleValue* find(const std::string& key) const;
};

// A global the pickle named and this reader allows, e.g. torch.float32.
struct PickleGlobal {
  std::string module;
  std::string name;
  std::string qualified() const { return module + "." + name; }
};

// A torch storage, from a persistent id. `numel` counts elements of `dtype`
// (bytes for torch.UntypedStorage, whose dtype is U8).
struct PickleStorage {
  std::string storage_class;  // e.g. "torch.BFloat16Storage"
  DType dtype = DType::U8;
  std::string key;       // the blob is <prefix>/data/<key>
  std::string location;  // "cpu", "cuda:0", ...; tensors are always loaded on the CPU
  std::int64_t numel = 0;
};

// A tensor as _rebuild_tensor_v2/_v3 describe it: a strided view of a
// storage. Offsets, sizes and strides count elements of `dtype`. Only the
// structure is checked here; the checkpoint checks the view against the
// storage's bytes.
struct PickleTensor {
  std::shared_ptr<const PickleStorage> storage;
  DType dtype = DType::F32;
  std::int64_t storage_offset = 0;
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> strides;
  bool requires_grad = false;
};

class PickleValue {
 public:
  enum class Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kBytes,
    kList,
    kTuple,
    kDict,
    kGlobal,
    kStorage,
    kTensor
  };

  PickleValue() = default;  // None
  static PickleValue boolean(bool value);
  static PickleValue integer(std::int64_t value);
  static PickleValue floating(double value);
  static PickleValue string(std::string value);
  static PickleValue bytes(std::string value);
  static PickleValue list(std::shared_ptr<PickleList> value);
  static PickleValue tuple(std::shared_ptr<const PickleTuple> value);
  static PickleValue dict(std::shared_ptr<PickleDict> value);
  static PickleValue global(std::shared_ptr<const PickleGlobal> value);
  static PickleValue storage(std::shared_ptr<const PickleStorage> value);
  static PickleValue tensor(std::shared_ptr<const PickleTensor> value);

  Kind kind() const { return static_cast<Kind>(value_.index()); }
  // "None", "bool", "int", "float", "str", "bytes", "list", "tuple", "dict",
  // "global", "storage", "tensor".
  const char* kind_name() const;
  // Container nesting depth: 0 for leaves.
  std::size_t depth() const;

  // Typed access: nullptr when the value is of another kind.
  bool is_none() const { return kind() == Kind::kNone; }
  const bool* as_bool() const;
  const std::int64_t* as_int() const;
  const double* as_float() const;
  const std::string* as_string() const;
  const std::string* as_bytes() const;
  const PickleList* as_list() const;
  const PickleTuple* as_tuple() const;
  const PickleDict* as_dict() const;
  const PickleGlobal* as_global() const;
  const PickleStorage* as_storage() const;
  const PickleTensor* as_tensor() const;

 private:
  // The reader mutates lists and dicts while it builds them.
  friend class PickleMachine;
  PickleList* mutable_list() const;
  PickleDict* mutable_dict() const;

  // Strings are shared so that memo gets stay O(1) however long they are.
  struct Text {
    std::string value;
  };
  struct Bytes {
    std::string value;
  };
  // The alternatives' order matches Kind.
  std::variant<std::monostate, bool, std::int64_t, double, std::shared_ptr<const Text>,
               std::shared_ptr<const Bytes>, std::shared_ptr<PickleList>,
               std::shared_ptr<const PickleTuple>, std::shared_ptr<PickleDict>,
               std::shared_ptr<const PickleGlobal>, std::shared_ptr<const PickleStorage>,
               std::shared_ptr<const PickleTensor>>
      value_;
};

// Bounds on what a pickle may make the reader hold. Each is checked before
// anything is allocated for it; exceeding one is a FormatError.
struct PickleLimits {
  std::size_t max_depth = 1000;             // container nesting and MARK nesting
  std::size_t max_stack = 1u << 20;         // values on the stack
  std::size_t max_memo = 1u << 22;          // memo entries
  std::size_t max_string_bytes = 1u << 28;  // one str or bytes object
  std::size_t max_tensor_dims = 64;
};

// Unpickles `size` bytes at `data`. `origin` names the pickle in error
// messages (e.g. "model.pth:archive/data.pkl"). Throws FormatError for
// malformed, truncated or forbidden content.
PickleValue read_pickle(const std::uint8_t* data, std::size_t size, const std::string& origin,
                        const PickleLimits& limits = {});

// True when the reader accepts the global `module`.`name`.
bool is_allowed_pickle_global(const std::string& module, const std::string& name);

}  // namespace animate::io
