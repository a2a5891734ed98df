#include "model/io/pickle_reader.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <limits>
#include <unordered_map>

#include "model/io/error.h"

namespace animate::io {

// ---------------------------------------------------------------- values --

PickleValue PickleValue::boolean(bool value) {
  PickleValue v;
  v.value_ = value;
  return v;
}
PickleValue PickleValue::integer(std::int64_t value) {
  PickleValue v;
  v.value_ = value;
  return v;
}
PickleValue PickleValue::floating(double value) {
  PickleValue v;
  v.value_ = value;
  return v;
}
PickleValue PickleValue::string(std::string value) {
  PickleValue v;
  v.value_ = std::make_shared<const Text>(Text{std::move(value)});
  return v;
}
PickleValue PickleValue::bytes(std::string value) {
  PickleValue v;
  v.value_ = std::make_shared<const Bytes>(Bytes{std::move(value)});
  return v;
}
PickleValue PickleValue::list(std::shared_ptr<PickleList> value) {
  PickleValue v;
  v.value_ = std::move(value);
  return v;
}
PickleValue PickleValue::tuple(std::shared_ptr<const PickleTuple> value) {
  PickleValue v;
  v.value_ = std::move(value);
  return v;
}
PickleValue PickleValue::dict(std::shared_ptr<PickleDict> value) {
  PickleValue v;
  v.value_ = std::move(value);
  return v;
}
PickleValue PickleValue::global(std::shared_ptr<const PickleGlobal> value) {
  PickleValue v;
  v.value_ = std::move(value);
  return v;
}
PickleValue PickleValue::storage(std::shared_ptr<const PickleStorage> value) {
  PickleValue v;
  v.value_ = std::move(value);
  return v;
}
PickleValue PickleValue::tensor(std::shared_ptr<const PickleTensor> value) {
  PickleValue v;
  v.value_ = std::move(value);
  return v;
}

const char* PickleValue::kind_name() const {
  static constexpr const char* kNames[] = {"None", "bool",  "int",  "float",  "str",     "bytes",
                                           "list", "tuple", "dict", "global", "storage", "tensor"};
  return kNames[value_.index()];
}

std::size_t PickleValue::depth() const {
  switch (kind()) {
    case Kind::kList: return std::get<std::shared_ptr<PickleList>>(value_)->depth;
    case Kind::kTuple: return std::get<std::shared_ptr<const PickleTuple>>(value_)->depth;
    case Kind::kDict: return std::get<std::shared_ptr<PickleDict>>(value_)->depth;
    default: return 0;
  }
}

const bool* PickleValue::as_bool() const {
  return std::get_if<bool>(&value_);
}
const std::int64_t* PickleValue::as_int() const {
  return std::get_if<std::int64_t>(&value_);
}
const double* PickleValue::as_float() const {
  return std::get_if<double>(&value_);
}
const std::string* PickleValue::as_string() const {
  auto* p = std::get_if<std::shared_ptr<const Text>>(&value_);
  return p ? &(*p)->value : nullptr;
}
const std::string* PickleValue::as_bytes() const {
  auto* p = std::get_if<std::shared_ptr<const Bytes>>(&value_);
  return p ? &(*p)->value : nullptr;
}
const PickleList* PickleValue::as_list() const {
  return mutable_list();
}
const PickleTuple* PickleValue::as_tuple() const {
  auto* p = std::get_if<std::shared_ptr<const PickleTuple>>(&value_);
  return p ? p->get() : nullptr;
}
const PickleDict* PickleValue::as_dict() const {
  return mutable_dict();
}
const PickleGlobal* PickleValue::as_global() const {
  auto* p = std::get_if<std::shared_ptr<const PickleGlobal>>(&value_);
  return p ? p->get() : nullptr;
}
const PickleStorage* PickleValue::as_storage() const {
  auto* p = std::get_if<std::shared_ptr<const PickleStorage>>(&value_);
  return p ? p->get() : nullptr;
}
const PickleTensor* PickleValue::as_tensor() const {
  auto* p = std::get_if<std::shared_ptr<const PickleTensor>>(&value_);
  return p ? p->get() : nullptr;
}
PickleList* PickleValue::mutable_list() const {
  auto* p = std::get_if<std::shared_ptr<PickleList>>(&value_);
  return p ? p->get() : nullptr;
}
PickleDict* PickleValue::mutable_dict() const {
  auto* p = std::get_if<std::shared_ptr<PickleDict>>(&value_);
  return p ? p->get() : nullptr;
}

const PickleValue* PickleDict::find(const std::string& key) const {
  auto it = string_keys.find(key);
  return it == string_keys.end() ? nullptr : &items[it->second].second;
}

// ------------------------------------------------------- allowed globals --

namespace {

// What an allowed global is for; the reader interprets each role itself.
enum class GlobalRole {
  kOrderedDict,
  kRebuildTensorV2,
  kRebuildTensorV3,
  kRebuildParameter,
  kRebuildParameterWithState,
  kStorageClass,  // only inside a persistent id
  kDType,         // only as _rebuild_tensor_v3's dtype argument
};

struct AllowedGlobal {
  const char* module;
  const char* name;
  GlobalRole role;
  DType dtype;  // for storage classes and dtypes
};

// torch.save names a tensor's storage by its legacy typed class
// (torch.FloatStorage, ...). Newer torch writes dtypes that have no such
// class (float8) with torch.storage.UntypedStorage (counted in bytes) and
// passes the dtype to _rebuild_tensor_v3.
constexpr AllowedGlobal kAllowedGlobals[] = {
    {"collections", "OrderedDict", GlobalRole::kOrderedDict, DType::U8},
    {"torch._utils", "_rebuild_tensor_v2", GlobalRole::kRebuildTensorV2, DType::U8},
    {"torch._utils", "_rebuild_tensor_v3", GlobalRole::kRebuildTensorV3, DType::U8},
    {"torch._utils", "_rebuild_parameter", GlobalRole::kRebuildParameter, DType::U8},
    {"torch._utils", "_rebuild_parameter_with_state", GlobalRole::kRebuildParameterWithState,
     DType::U8},
    {"torch", "DoubleStorage", GlobalRole::kStorageClass, DType::F64},
    {"torch", "FloatStorage", GlobalRole::kStorageClass, DType::F32},
    {"torch", "HalfStorage", GlobalRole::kStorageClass, DType::F16},
    {"torch", "BFloat16Storage", GlobalRole::kStorageClass, DType::BF16},
    {"torch", "LongStorage", GlobalRole::kStorageClass, DType::I64},
    {"torch", "IntStorage", GlobalRole::kStorageClass, DType::I32},
    {"torch", "ShortStorage", GlobalRole::kStorageClass, DType::I16},
    {"torch", "CharStorage", GlobalRole::kStorageClass, DType::I8},
    {"torch", "ByteStorage", GlobalRole::kStorageClass, DType::U8},
    {"torch", "BoolStorage", GlobalRole::kStorageClass, DType::BOOL},
    {"torch", "UntypedStorage", GlobalRole::kStorageClass, DType::U8},
    {"torch.storage", "UntypedStorage", GlobalRole::kStorageClass, DType::U8},
    {"torch", "float64", GlobalRole::kDType, DType::F64},
    {"torch", "float32", GlobalRole::kDType, DType::F32},
    {"torch", "float16", GlobalRole::kDType, DType::F16},
    {"torch", "bfloat16", GlobalRole::kDType, DType::BF16},
    {"torch", "int64", GlobalRole::kDType, DType::I64},
    {"torch", "int32", GlobalRole::kDType, DType::I32},
    {"torch", "int16", GlobalRole::kDType, DType::I16},
    {"torch", "int8", GlobalRole::kDType, DType::I8},
    {"torch", "uint8", GlobalRole::kDType, DType::U8},
    {"torch", "bool", GlobalRole::kDType, DType::BOOL},
    {"torch", "float8_e4m3fn", GlobalRole::kDType, DType::F8_E4M3},
    {"torch", "float8_e5m2", GlobalRole::kDType, DType::F8_E5M2},
};

const AllowedGlobal* find_allowed(const std::string& module, const std::string& name) {
  for (const auto& g : kAllowedGlobals) {
    if (module == g.module && name == g.name) return &g;
  }
  return nullptr;
}

const char* opcode_name(std::uint8_t op) {
  switch (op) {
    case 0x80: return "PROTO";
    case 0x95: return "FRAME";
    case '.': return "STOP";
    case '(': return "MARK";
    case '0': return "POP";
    case '1': return "POP_MARK";
    case '2': return "DUP";
    case ']': return "EMPTY_LIST";
    case '}': return "EMPTY_DICT";
    case ')': return "EMPTY_TUPLE";
    case 't': return "TUPLE";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case 'l': return "LIST";
    case 'd': return "DICT";
    case 'a': return "APPEND";
    case 'e': return "APPENDS";
    case 's': return "SETITEM";
    case 'u': return "SETITEMS";
    case 'J': return "BININT";
    case 'K': return "BININT1";
    case 'M': return "BININT2";
    case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";
    case 'G': return "BINFLOAT";
    case 'N': return "NONE";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 'X': return "BINUNICODE";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x8d: return "BINUNICODE8";
    case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES";
    case 0x8e: return "BINBYTES8";
    case 'c': return "GLOBAL";
    case 0x93: return "STACK_GLOBAL";
    case 'R': return "REDUCE";
    case 'b': return "BUILD";
    case 0x81: return "NEWOBJ";
    case 0x92: return "NEWOBJ_EX";
    case 'Q': return "BINPERSID";
    case 'P': return "PERSID";
    case 'q': return "BINPUT";
    case 'r': return "LONG_BINPUT";
    case 'p': return "PUT";
    case 'h': return "BINGET";
    case 'j': return "LONG_BINGET";
    case 'g': return "GET";
    case 0x94: return "MEMOIZE";
    case 'i': return "INST";
    case 'o': return "OBJ";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 'I': return "INT";
    case 'L': return "LONG";
    case 'F': return "FLOAT";
    case 'S': return "STRING";
    case 'T': return "BINSTRING";
    case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return nullptr;
  }
}

std::string describe_opcode(std::uint8_t op) {
  static const char* digits = "0123456789abcdef";
  std::string hex = "0x";
  hex += digits[op >> 4];
  hex += digits[op & 0xf];
  const char* name = opcode_name(op);
  return name ? std::string(name) + " (" + hex + ")" : hex;
}

// GLOBAL operands are raw bytes from the file: escape control bytes so that
// messages stay on one readable line.
std::string printable(const std::string& text) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f || c == '\\') {
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Python pickles str as UTF-8 with 'surrogatepass', so encoded surrogates are
// accepted; anything else malformed is not.
bool is_valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t code = 0;
    std::uint32_t min_code = 0;
    if ((lead & 0xe0) == 0xc0) {
      len = 2, code = lead & 0x1f, min_code = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
      len = 3, code = lead & 0x0f, min_code = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
      len = 4, code = lead & 0x07, min_code = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xc0) != 0x80) return false;
      code = (code << 6) | (cont & 0x3f);
    }
    if (code < min_code || code > 0x10ffff) return false;
    i += len;
  }
  return true;
}

}  // namespace

bool is_allowed_pickle_global(const std::string& module, const std::string& name) {
  return find_allowed(module, name) != nullptr;
}

// ---------------------------------------------------------------- machine --

// The pickle virtual machine. Every read is bounds-checked against the bytes
// actually present, every size taken from the input is checked before it is
// used, and each opcode consumes at least one byte, so a pickle of n bytes
// runs at most n opcodes.
class PickleMachine {
 public:
  PickleMachine(const std::uint8_t* data, std::size_t size, const std::string& origin,
                const PickleLimits& limits)
      : data_(data), size_(size), origin_(origin), limits_(limits) {}

  PickleValue run() {
    for (;;) {
      op_pos_ = pos_;
      if (pos_ >= size_) {
        throw FormatError(describe(origin_, "pickle: truncated after " + std::to_string(size_) +
                                                " bytes (no STOP opcode)"));
      }
      op_ = data_[pos_++];
      if (op_ == '.') return stop();
      step();
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(describe(origin_, "pickle: " + what + " (" + describe_opcode(op_) +
                                            " at byte " + std::to_string(op_pos_) + ")"));
  }

  // ---- reading the byte stream ----
  std::size_t remaining() const { return size_ - pos_; }
  void need(std::uint64_t n) const {
    if (n > remaining()) {
      fail("truncated: operand needs " + std::to_string(n) + " bytes, " +
           std::to_string(remaining()) + " left");
    }
  }
  std::uint64_t read_le(std::size_t n) {
    need(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }
  // Little-endian two's complement of n bytes (LONG1/LONG4).
  std::int64_t read_long(std::uint64_t n) {
    need(n);
    if (n > 8) fail("integer of " + std::to_string(n) + " bytes does not fit in 64 bits");
    if (n == 0) return 0;
    const bool negative = (data_[pos_ + n - 1] & 0x80) != 0;
    std::uint64_t v = read_le(static_cast<std::size_t>(n));
    if (negative && n < 8) v |= ~std::uint64_t{0} << (8 * n);
    std::int64_t result = 0;
    std::memcpy(&result, &v, sizeof result);
    return result;
  }
  std::string read_string(std::uint64_t n, const char* what) {
    if (n > remaining()) {
      fail(std::string(what) + " declares " + std::to_string(n) + " bytes but only " +
           std::to_string(remaining()) + " remain");
    }
    if (n > limits_.max_string_bytes) {
      fail(std::string(what) + " of " + std::to_string(n) + " bytes exceeds the limit of " +
           std::to_string(limits_.max_string_bytes));
    }
    std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  std::string read_text(std::uint64_t n) {
    std::string s = read_string(n, "string");
    if (!is_valid_utf8(s)) fail("string is not valid UTF-8");
    return s;
  }
  // One newline-terminated line of a GLOBAL operand (module or name).
  std::string read_line() {
    constexpr std::size_t kMaxLine = 1024;
    const std::size_t window = std::min(remaining(), kMaxLine);
    const auto* begin = data_ + pos_;
    const auto* newline = static_cast<const std::uint8_t*>(std::memchr(begin, '\n', window));
    if (newline == nullptr) {
      fail(window == remaining() ? "truncated GLOBAL operand (no newline)"
                                 : "GLOBAL operand longer than 1024 bytes");
    }
    std::string line(reinterpret_cast<const char*>(begin),
                     static_cast<std::size_t>(newline - begin));
    pos_ += line.size() + 1;
    return line;
  }

  // ---- the stack and its marks ----
  // Values below the innermost MARK belong to an enclosing construct and
  // cannot be popped, as in CPython.
  std::size_t fence() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(PickleValue value) {
    if (stack_.size() >= limits_.max_stack) {
      fail("stack holds more than " + std::to_string(limits_.max_stack) + " values");
    }
    stack_.push_back(std::move(value));
  }
  PickleValue pop() {
    if (stack_.size() <= fence()) fail("stack underflow");
    PickleValue value = std::move(stack_.back());
    stack_.pop_back();
    return value;
  }
  const PickleValue& top() const {
    if (stack_.size() <= fence()) fail("stack underflow");
    return stack_.back();
  }
  std::vector<PickleValue> pop_mark() {
    if (marks_.empty()) fail("no MARK to collect items from");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PickleValue> items(std::make_move_iterator(stack_.begin() + mark),
                                   std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }

  // ---- containers ----
  // Records that `child` is nested into the container `parent`: freezes the
  // child (so no cycle and no later depth change is possible) and updates
  // the parent's depth.
  void nest(const PickleValue& child, const void* parent, std::size_t* parent_depth) {
    if (PickleList* list = child.mutable_list()) {
      if (list == parent) fail("a list would contain itself");
      list->frozen = true;
    } else if (PickleDict* dict = child.mutable_dict()) {
      if (dict == parent) fail("a dict would contain itself");
      dict->frozen = true;
    }
    const std::size_t depth = child.depth() + 1;
    if (depth > limits_.max_depth) {
      fail("objects nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    *parent_depth = std::max(*parent_depth, depth);
  }

  PickleValue make_tuple(std::vector<PickleValue> items) {
    auto tuple = std::make_shared<PickleTuple>();
    for (const auto& item : items) nest(item, tuple.get(), &tuple->depth);
    tuple->items = std::move(items);
    return PickleValue::tuple(std::move(tuple));
  }

  PickleList& target_list() {
    PickleList* list = top().mutable_list();
    if (list == nullptr) fail(std::string("appending to a ") + top().kind_name() + ", not a list");
    // Python's pickler completes a container before nesting it; a later
    // append means a cyclic or hand-crafted structure.
    if (list->frozen) fail("appending to a list that is already nested in another object");
    return *list;
  }
  void append(PickleList& list, PickleValue value) {
    nest(value, &list, &list.depth);
    list.items.push_back(std::move(value));
  }

  PickleDict& target_dict() {
    PickleDict* dict = top().mutable_dict();
    if (dict == nullptr)
      fail(std::string("setting an item on a ") + top().kind_name() + ", not a dict");
    if (dict->frozen) fail("setting an item on a dict that is already nested in another object");
    return *dict;
  }
  void set_item(PickleDict& dict, PickleValue key, PickleValue value) {
    if (key.kind() == PickleValue::Kind::kList || key.kind() == PickleValue::Kind::kDict) {
      fail(std::string("unhashable dict key of type ") + key.kind_name());
    }
    nest(key, &dict, &dict.depth);
    nest(value, &dict, &dict.depth);
    if (const std::string* text = key.as_string()) {
      auto [it, inserted] = dict.string_keys.emplace(*text, dict.items.size());
      if (!inserted) {
        dict.items[it->second].second = std::move(value);
        return;
      }
    }
    dict.items.emplace_back(std::move(key), std::move(value));
  }

  // ---- memo ----
  void memo_put(std::uint64_t id) {
    const PickleValue& value = top();
    auto it = memo_.find(id);
    if (it != memo_.end()) {
      it->second = value;
      return;
    }
    if (memo_.size() >= limits_.max_memo) {
      fail("memo holds more than " + std::to_string(limits_.max_memo) + " entries");
    }
    memo_.emplace(id, value);
  }
  void memo_get(std::uint64_t id) {
    auto it = memo_.find(id);
    if (it == memo_.end()) fail("memo get of id " + std::to_string(id) + ", which was never put");
    push(it->second);
  }

  // ---- globals, calls and persistent ids ----
  PickleValue make_global(const std::string& module, const std::string& name) {
    if (find_allowed(module, name) == nullptr) {
      fail("forbidden pickle global '" + printable(module + "." + name) + "'");
    }
    return PickleValue::global(std::make_shared<const PickleGlobal>(PickleGlobal{module, name}));
  }
  const AllowedGlobal& role_of(const PickleGlobal& global) const {
    // Globals are only created through make_global, so this always succeeds.
    const AllowedGlobal* allowed = find_allowed(global.module, global.name);
    if (allowed == nullptr) fail("forbidden pickle global '" + global.qualified() + "'");
    return *allowed;
  }

  PickleValue call(const PickleValue& callable, const PickleValue& args_value) {
    const PickleGlobal* global = callable.as_global();
    if (global == nullptr)
      fail(std::string("calling a ") + callable.kind_name() + ", not a global");
    const PickleTuple* args = args_value.as_tuple();
    if (args == nullptr) {
      fail("arguments of '" + global->qualified() + "' are a " + args_value.kind_name() +
           ", not a tuple");
    }
    const AllowedGlobal& allowed = role_of(*global);
    switch (allowed.role) {
      case GlobalRole::kOrderedDict:
        if (!args->items.empty()) {
          fail("collections.OrderedDict called with " + std::to_string(args->items.size()) +
               " arguments; only OrderedDict() is supported");
        }
        return new_ordered_dict();
      case GlobalRole::kRebuildTensorV2: return rebuild_tensor(*global, *args, false);
      case GlobalRole::kRebuildTensorV3: return rebuild_tensor(*global, *args, true);
      case GlobalRole::kRebuildParameter: return rebuild_parameter(*global, *args, 3);
      case GlobalRole::kRebuildParameterWithState: return rebuild_parameter(*global, *args, 4);
      case GlobalRole::kStorageClass:
      case GlobalRole::kDType: break;
    }
    fail("'" + global->qualified() + "' cannot be called; it may only appear as data");
  }

  static PickleValue new_ordered_dict() {
    auto dict = std::make_shared<PickleDict>();
    dict->ordered = true;
    return PickleValue::dict(std::move(dict));
  }

  std::int64_t int_arg(const PickleGlobal& fn, const PickleTuple& args, std::size_t i,
                       const char* what) const {
    const std::int64_t* v = args.items[i].as_int();
    if (v == nullptr) {
      fail(fn.qualified() + ": " + what + " is a " + args.items[i].kind_name() + ", not an int");
    }
    if (*v < 0) fail(fn.qualified() + ": " + what + " is negative (" + std::to_string(*v) + ")");
    return *v;
  }
  std::vector<std::int64_t> dims_arg(const PickleGlobal& fn, const PickleTuple& args, std::size_t i,
                                     const char* what) const {
    const PickleTuple* dims = args.items[i].as_tuple();
    if (dims == nullptr) {
      fail(fn.qualified() + ": " + what + " is a " + args.items[i].kind_name() + ", not a tuple");
    }
    if (dims->items.size() > limits_.max_tensor_dims) {
      fail(fn.qualified() + ": " + what + " has " + std::to_string(dims->items.size()) +
           " dimensions, more than " + std::to_string(limits_.max_tensor_dims));
    }
    std::vector<std::int64_t> result;
    result.reserve(dims->items.size());
    for (const auto& d : dims->items) {
      const std::int64_t* v = d.as_int();
      if (v == nullptr || *v < 0) {
        fail(fn.qualified() + ": " + what + " holds a " +
             (v ? "negative value" : std::string(d.kind_name())) + ", not a non-negative int");
      }
      result.push_back(*v);
    }
    return result;
  }
  void check_hooks_or_metadata(const PickleGlobal& fn, const PickleValue& v,
                               const char* what) const {
    // Backward hooks are never serialised (an empty OrderedDict stands in);
    // tensor metadata flags are irrelevant for inference. Both are ignored,
    // but must be the kind torch writes.
    if (!v.is_none() && v.as_dict() == nullptr) {
      fail(fn.qualified() + ": " + what + " is a " + v.kind_name() + ", not a dict or None");
    }
  }

  // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])
  // _rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype[, metadata])
  PickleValue rebuild_tensor(const PickleGlobal& fn, const PickleTuple& args, bool v3) {
    const std::size_t min_args = v3 ? 7 : 6;
    if (args.items.size() < min_args || args.items.size() > min_args + 1) {
      fail(fn.qualified() + " called with " + std::to_string(args.items.size()) +
           " arguments, expected " + std::to_string(min_args) + " or " +
           std::to_string(min_args + 1));
    }
    auto tensor = std::make_shared<PickleTensor>();
    const PickleStorage* storage = args.items[0].as_storage();
    if (storage == nullptr) {
      fail(fn.qualified() + ": storage argument is a " + args.items[0].kind_name() +
           ", not a persistent storage reference");
    }
    tensor->storage = std::get<std::shared_ptr<const PickleStorage>>(args.items[0].value_);
    tensor->dtype = storage->dtype;
    tensor->storage_offset = int_arg(fn, args, 1, "storage offset");
    tensor->sizes = dims_arg(fn, args, 2, "size");
    tensor->strides = dims_arg(fn, args, 3, "stride");
    if (tensor->sizes.size() != tensor->strides.size()) {
      fail(fn.qualified() + ": size has " + std::to_string(tensor->sizes.size()) +
           " dimensions but stride has " + std::to_string(tensor->strides.size()));
    }
    const bool* requires_grad = args.items[4].as_bool();
    if (requires_grad == nullptr) {
      fail(fn.qualified() + ": requires_grad is a " + args.items[4].kind_name() + ", not a bool");
    }
    tensor->requires_grad = *requires_grad;
    check_hooks_or_metadata(fn, args.items[5], "backward hooks");
    std::size_t next = 6;
    if (v3) {
      const PickleGlobal* dtype = args.items[6].as_global();
      if (dtype == nullptr || role_of(*dtype).role != GlobalRole::kDType) {
        fail(fn.qualified() + ": dtype argument is " +
             (dtype ? "'" + dtype->qualified() + "'"
                    : std::string("a ") + args.items[6].kind_name()) +
             ", not a torch dtype");
      }
      tensor->dtype = role_of(*dtype).dtype;
      next = 7;
    }
    if (args.items.size() > next) check_hooks_or_metadata(fn, args.items[next], "metadata");

    // A numel beyond int64 cannot describe real data; refuse it here so
    // nothing downstream multiplies it.
    std::int64_t numel = 1;
    for (std::int64_t d : tensor->sizes) {
      if (d != 0 && numel > std::numeric_limits<std::int64_t>::max() / d) {
        fail(fn.qualified() + ": the number of elements overflows 64 bits");
      }
      numel *= d;
    }
    return PickleValue::tensor(std::move(tensor));
  }

  // _rebuild_parameter(data, requires_grad, hooks)
  // _rebuild_parameter_with_state(data, requires_grad, hooks, state): the
  // state holds Python attributes of the Parameter and is ignored.
  PickleValue rebuild_parameter(const PickleGlobal& fn, const PickleTuple& args,
                                std::size_t expected) {
    if (args.items.size() != expected) {
      fail(fn.qualified() + " called with " + std::to_string(args.items.size()) +
           " arguments, expected " + std::to_string(expected));
    }
    const PickleTensor* data = args.items[0].as_tensor();
    if (data == nullptr) {
      fail(fn.qualified() + ": data is a " + args.items[0].kind_name() + ", not a tensor");
    }
    const bool* requires_grad = args.items[1].as_bool();
    if (requires_grad == nullptr) {
      fail(fn.qualified() + ": requires_grad is a " + args.items[1].kind_name() + ", not a bool");
    }
    check_hooks_or_metadata(fn, args.items[2], "backward hooks");
    auto tensor = std::make_shared<PickleTensor>(*data);
    tensor->requires_grad = *requires_grad;
    return PickleValue::tensor(std::move(tensor));
  }

  // ('storage', <storage class>, key, location, numel)
  PickleValue load_persistent(const PickleValue& pid) {
    const PickleTuple* t = pid.as_tuple();
    if (t == nullptr || t->items.size() != 5) {
      fail(std::string("persistent id is a ") + pid.kind_name() +
           (t ? " of " + std::to_string(t->items.size()) + " items" : std::string()) +
           ", expected ('storage', storage class, key, location, numel)");
    }
    const std::string* tag = t->items[0].as_string();
    if (tag == nullptr || *tag != "storage") {
      fail("persistent id does not start with 'storage'; only torch storages are supported");
    }
    const PickleGlobal* cls = t->items[1].as_global();
    if (cls == nullptr || role_of(*cls).role != GlobalRole::kStorageClass) {
      fail("persistent id names " +
           (cls ? "'" + cls->qualified() + "'" : std::string("a ") + t->items[1].kind_name()) +
           " where a torch storage class is expected");
    }
    const std::string* key = t->items[2].as_string();
    const std::string* location = t->items[3].as_string();
    const std::int64_t* numel = t->items[4].as_int();
    if (key == nullptr || key->empty()) fail("storage key is not a non-empty str");
    if (location == nullptr) fail("storage location is not a str");
    if (numel == nullptr || *numel < 0) fail("storage size is not a non-negative int");
    const DType dtype = role_of(*cls).dtype;
    if (*numel >
        std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(element_size(dtype))) {
      fail("storage '" + *key + "' of " + std::to_string(*numel) +
           " elements overflows 64-bit bytes");
    }
    return PickleValue::storage(std::make_shared<const PickleStorage>(
        PickleStorage{cls->qualified(), dtype, *key, *location, *numel}));
  }

  // ---- the opcodes ----
  void step() {
    switch (op_) {
      case 0x80: {  // PROTO
        const auto protocol = read_le(1);
        if (protocol < 2 || protocol > 5) {
          fail("unsupported pickle protocol " + std::to_string(protocol) + " (torch writes 2)");
        }
        return;
      }
      case 0x95: {  // FRAME: framing is only a buffering hint
        const auto frame = read_le(8);
        if (frame > remaining()) {
          fail("frame of " + std::to_string(frame) + " bytes but only " +
               std::to_string(remaining()) + " remain");
        }
        return;
      }
      case '(':  // MARK
        if (marks_.size() >= limits_.max_depth) {
          fail("MARKs nested deeper than " + std::to_string(limits_.max_depth) + " levels");
        }
        marks_.push_back(stack_.size());
        return;
      case '0':  // POP: like CPython, pops a MARK when nothing is above it
        if (stack_.size() > fence()) {
          pop();
        } else {
          pop_mark();
        }
        return;
      case '1': pop_mark(); return;  // POP_MARK
      case ']': push(PickleValue::list(std::make_shared<PickleList>())); return;
      case '}': push(PickleValue::dict(std::make_shared<PickleDict>())); return;
      case ')': push(make_tuple({})); return;
      case 't': push(make_tuple(pop_mark())); return;
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const std::size_t n = static_cast<std::size_t>(op_ - 0x84);
        std::vector<PickleValue> items(n);
        for (std::size_t i = n; i-- > 0;) items[i] = pop();
        push(make_tuple(std::move(items)));
        return;
      }
      case 'l': {  // LIST
        auto items = pop_mark();
        auto list = std::make_shared<PickleList>();
        for (auto& item : items) append(*list, std::move(item));
        push(PickleValue::list(std::move(list)));
        return;
      }
      case 'd': {  // DICT
        auto items = pop_mark();
        if (items.size() % 2 != 0) fail("odd number of items for a dict");
        auto dict = std::make_shared<PickleDict>();
        for (std::size_t i = 0; i < items.size(); i += 2) {
          set_item(*dict, std::move(items[i]), std::move(items[i + 1]));
        }
        push(PickleValue::dict(std::move(dict)));
        return;
      }
      case 'a': {  // APPEND
        PickleValue value = pop();
        append(target_list(), std::move(value));
        return;
      }
      case 'e': {  // APPENDS
        auto items = pop_mark();
        PickleList& list = target_list();
        for (auto& item : items) append(list, std::move(item));
        return;
      }
      case 's': {  // SETITEM
        PickleValue value = pop();
        PickleValue key = pop();
        set_item(target_dict(), std::move(key), std::move(value));
        return;
      }
      case 'u': {  // SETITEMS
        auto items = pop_mark();
        if (items.size() % 2 != 0) fail("odd number of items for SETITEMS");
        PickleDict& dict = target_dict();
        for (std::size_t i = 0; i < items.size(); i += 2) {
          set_item(dict, std::move(items[i]), std::move(items[i + 1]));
        }
        return;
      }
      case 'J': {  // BININT: signed 32-bit
        const auto raw = static_cast<std::uint32_t>(read_le(4));
        std::int32_t value = 0;
        std::memcpy(&value, &raw, sizeof value);
        push(PickleValue::integer(value));
        return;
      }
      case 'K': push(PickleValue::integer(static_cast<std::int64_t>(read_le(1)))); return;
      case 'M': push(PickleValue::integer(static_cast<std::int64_t>(read_le(2)))); return;
      case 0x8a: {  // LONG1
        const auto n = read_le(1);
        push(PickleValue::integer(read_long(n)));
        return;
      }
      case 0x8b: {  // LONG4: the length is signed
        const auto raw = static_cast<std::uint32_t>(read_le(4));
        if (raw & 0x80000000u) fail("LONG4 with a negative length");
        push(PickleValue::integer(read_long(raw)));
        return;
      }
      case 'G': {  // BINFLOAT: big-endian IEEE 754 double
        need(8);
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | data_[pos_ + i];
        pos_ += 8;
        double value = 0;
        std::memcpy(&value, &bits, sizeof value);
        push(PickleValue::floating(value));
        return;
      }
      case 'N': push(PickleValue()); return;
      case 0x88: push(PickleValue::boolean(true)); return;
      case 0x89: push(PickleValue::boolean(false)); return;
      case 'X': push(PickleValue::string(read_text(read_le(4)))); return;
      case 0x8c: push(PickleValue::string(read_text(read_le(1)))); return;
      case 0x8d: push(PickleValue::string(read_text(read_le(8)))); return;
      case 'B': push(PickleValue::bytes(read_string(read_le(4), "bytes"))); return;
      case 'C': push(PickleValue::bytes(read_string(read_le(1), "bytes"))); return;
      case 0x8e: push(PickleValue::bytes(read_string(read_le(8), "bytes"))); return;
      case 'c': {  // GLOBAL "module\nname\n"
        std::string module = read_line();
        std::string name = read_line();
        push(make_global(module, name));
        return;
      }
      case 0x93: {  // STACK_GLOBAL
        PickleValue name = pop();
        PickleValue module = pop();
        if (module.as_string() == nullptr || name.as_string() == nullptr) {
          fail("STACK_GLOBAL operands are not two strings");
        }
        if (module.as_string()->size() > 1024 || name.as_string()->size() > 1024) {
          fail("STACK_GLOBAL operand longer than 1024 bytes");
        }
        push(make_global(*module.as_string(), *name.as_string()));
        return;
      }
      case 'R': {  // REDUCE: callable(*args)
        PickleValue args = pop();
        PickleValue callable = pop();
        push(call(callable, args));
        return;
      }
      case 0x81: {  // NEWOBJ: cls.__new__(cls, *args); only OrderedDict
        PickleValue args = pop();
        PickleValue cls = pop();
        const PickleGlobal* global = cls.as_global();
        const PickleTuple* tuple = args.as_tuple();
        if (global == nullptr || role_of(*global).role != GlobalRole::kOrderedDict) {
          fail(std::string("NEWOBJ of ") +
               (global ? "'" + global->qualified() + "'" : std::string("a ") + cls.kind_name()) +
               " is not supported");
        }
        if (tuple == nullptr || !tuple->items.empty()) fail("NEWOBJ of OrderedDict with arguments");
        push(new_ordered_dict());
        return;
      }
      case 'b': {  // BUILD: torch sets an OrderedDict's _metadata; ignored
        PickleValue state = pop();
        const PickleValue& target = top();
        if (target.as_dict() == nullptr) {
          fail(std::string("BUILD (setting object state) on a ") + target.kind_name() +
               " is not supported");
        }
        return;
      }
      case 'Q': {  // BINPERSID
        PickleValue pid = pop();
        push(load_persistent(pid));
        return;
      }
      case 'q': memo_put(read_le(1)); return;
      case 'r': memo_put(read_le(4)); return;
      case 0x94: memo_put(memo_.size()); return;  // MEMOIZE
      case 'h': memo_get(read_le(1)); return;
      case 'j': memo_get(read_le(4)); return;
      default: fail("unsupported pickle opcode");
    }
  }

  PickleValue stop() {
    if (pos_ != size_) fail(std::to_string(size_ - pos_) + " trailing bytes after STOP");
    if (!marks_.empty()) fail(std::to_string(marks_.size()) + " MARKs never closed at STOP");
    if (stack_.size() != 1) {
      fail("STOP with " + std::to_string(stack_.size()) + " values on the stack, expected 1");
    }
    return pop();
  }

  const std::uint8_t* data_;
  std::size_t size_;
  const std::string& origin_;
  const PickleLimits& limits_;
  std::size_t pos_ = 0;
  std::size_t op_pos_ = 0;
  std::uint8_t op_ = 0;
  std::vector<PickleValue> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, PickleValue> memo_;
};

PickleValue read_pickle(const std::uint8_t* data, std::size_t size, const std::string& origin,
                        const PickleLimits& limits) {
  return PickleMachine(data, size, origin, limits).run();
}

}  // namespace animate::io
