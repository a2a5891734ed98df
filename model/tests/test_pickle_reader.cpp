// Tests of the restricted unpickler: every supported opcode, the torch
// tensor/storage rebuilds, the real golden pickles, and a clean FormatError
// (never a crash, hang or huge allocation) for forbidden or malformed input.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "model/io/error.h"
#include "model/io/mapped_file.h"
#include "model/io/pickle_reader.h"
#include "model/io/zip_archive.h"
#include "model/tests/test_support/torch_zip_fixture.h"

namespace animate::io {
namespace {

using testing::PickleWriter;
using testing::TensorRef;
using Kind = PickleValue::Kind;

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "in: " << (text)

PickleValue parse(const std::string& bytes, const PickleLimits& limits = {}) {
  return read_pickle(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "test.pkl",
                     limits);
}

// The FormatError message parsing `bytes` produces; a test failure otherwise.
std::string error(const std::string& bytes, const PickleLimits& limits = {}) {
  try {
    parse(bytes, limits);
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("test.pkl: pickle: ", 0), 0u) << msg;
    return msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "unexpected exception type: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no exception thrown";
  return {};
}

std::string le(std::uint64_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  return out;
}

// PROTO 2, the ops, STOP.
std::string pickle(const std::string& ops) {
  return PickleWriter().proto().raw(ops).stop().bytes();
}
PickleValue value_of(const std::string& ops) {
  return parse(pickle(ops));
}
// Literal ops keep their embedded NUL bytes (memo id 0, ...).
template <std::size_t N>
std::string pickle(const char (&ops)[N]) {
  return pickle(std::string(ops, N - 1));
}
template <std::size_t N>
PickleValue value_of(const char (&ops)[N]) {
  return value_of(std::string(ops, N - 1));
}

std::string ordered_dict() {
  return PickleWriter().global("collections", "OrderedDict").empty_tuple().reduce().bytes();
}

// ---------------------------------------------------------------- scalars --

TEST(PickleReaderTest, ReadsIntegersInEveryEncoding) {
  auto int_of = [](const std::string& ops) {
    const PickleValue v = value_of(ops);
    EXPECT_EQ(v.kind(), Kind::kInt);
    return v.as_int() ? *v.as_int() : -1;
  };
  EXPECT_EQ(int_of("K" + le(200, 1)), 200);
  EXPECT_EQ(int_of("M" + le(60000, 2)), 60000);
  EXPECT_EQ(int_of("J" + le(0xfffffffb, 4)), -5);
  EXPECT_EQ(int_of("J" + le(0x7fffffff, 4)), 0x7fffffff);
  EXPECT_EQ(int_of("\x8a" + le(0, 1)), 0);
  EXPECT_EQ(int_of("\x8a" + le(1, 1) + le(0xff, 1)), -1);
  EXPECT_EQ(int_of("\x8b" + le(2, 4) + le(0x8000, 2)), -32768);
  const std::int64_t values[] = {std::int64_t{1} << 40,
                                 -(std::int64_t{1} << 40),
                                 0x80000000LL,
                                 -0x80000001LL,
                                 std::numeric_limits<std::int64_t>::max(),
                                 std::numeric_limits<std::int64_t>::min(),
                                 255,
                                 256,
                                 -1,
                                 65536};
  for (std::int64_t v : values) {
    EXPECT_EQ(int_of(PickleWriter().integer(v).bytes()), v) << v;
  }
}

TEST(PickleReaderTest, ReadsFloatsBoolsNoneStringsAndBytes) {
  EXPECT_EQ(*value_of(PickleWriter().floating(0.1).bytes()).as_float(), 0.1);
  EXPECT_EQ(*value_of(PickleWriter().floating(-2.5e300).bytes()).as_float(), -2.5e300);
  EXPECT_EQ(*value_of("\x88").as_bool(), true);
  EXPECT_EQ(*value_of("\x89").as_bool(), false);
  EXPECT_TRUE(value_of("N").is_none());
  EXPECT_EQ(std::string(value_of("N").kind_name()), "None");

  const std::string text = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80";  // UTF-8
  EXPECT_EQ(*value_of("X" + le(text.size(), 4) + text).as_string(), text);
  EXPECT_EQ(*value_of("\x8c" + le(text.size(), 1) + text).as_string(), text);
  EXPECT_EQ(*value_of("\x8d" + le(text.size(), 8) + text).as_string(), text);
  // Python pickles lone surrogates with 'surrogatepass'.
  EXPECT_EQ(value_of("X" + le(3, 4) + "\xed\xa0\x80").as_string()->size(), 3u);

  const std::string blob("\x00\xff\n\x80", 4);
  for (const std::string& ops :
       {"B" + le(4, 4) + blob, "C" + le(4, 1) + blob, "\x8e" + le(4, 8) + blob}) {
    const PickleValue v = value_of(ops);
    ASSERT_EQ(v.kind(), Kind::kBytes);
    EXPECT_EQ(*v.as_bytes(), blob);
    EXPECT_EQ(v.as_string(), nullptr);
  }
}

TEST(PickleReaderTest, RefusesInvalidUtf8) {
  for (const std::string bad : {"\xff", "\xc0\x80", "\xe2\x82", "\xf4\x90\x80\x80", "a\x80"}) {
    // Appended piece by piece: GCC 12 at -O3 warns (-Wstringop-overflow, a
    // false positive) on "literal" + std::string&&.
    std::string op = "X";
    op += le(bad.size(), 4);
    op += bad;
    EXPECT_CONTAINS(error(pickle(op)), "not valid UTF-8");
  }
}

// ------------------------------------------------------------- containers --

TEST(PickleReaderTest, BuildsListsTuplesAndDicts) {
  const PickleValue list = value_of(
      "(K\x01K\x02l"
      "K\x03"
      "a(K\x04K\x05"
      "e");
  ASSERT_EQ(list.kind(), Kind::kList);
  ASSERT_EQ(list.as_list()->items.size(), 5u);
  EXPECT_EQ(*list.as_list()->items[4].as_int(), 5);

  EXPECT_EQ(value_of(")").as_tuple()->items.size(), 0u);
  EXPECT_EQ(value_of("K\x01\x85").as_tuple()->items.size(), 1u);
  EXPECT_EQ(value_of("K\x01K\x02\x86").as_tuple()->items.size(), 2u);
  EXPECT_EQ(value_of("K\x01K\x02K\x03\x87").as_tuple()->items.size(), 3u);
  const PickleValue four = value_of("(K\x01K\x02K\x03K\x04t");
  ASSERT_EQ(four.as_tuple()->items.size(), 4u);
  EXPECT_EQ(*four.as_tuple()->items[3].as_int(), 4);

  PickleWriter dict;
  dict.mark().unicode("b").integer(1).unicode("a").integer(2).op('d');
  dict.unicode("c").integer(3).setitem();
  dict.mark().unicode("b").integer(9).integer(7).integer(8).setitems();  // "b" again, an int key
  const PickleValue d = value_of(dict.bytes());
  const PickleDict* items = d.as_dict();
  ASSERT_NE(items, nullptr);
  EXPECT_FALSE(items->ordered);
  // A repeated key keeps its first position and takes the last value, as in Python.
  ASSERT_EQ(items->items.size(), 4u);
  EXPECT_EQ(*items->items[0].first.as_string(), "b");
  EXPECT_EQ(*items->items[0].second.as_int(), 9);
  EXPECT_EQ(*items->find("a")->as_int(), 2);
  EXPECT_EQ(*items->find("c")->as_int(), 3);
  EXPECT_EQ(items->find("z"), nullptr);
  EXPECT_EQ(*items->items[3].first.as_int(), 7);
  EXPECT_EQ(d.depth(), 1u);
}

TEST(PickleReaderTest, BuildsOrderedDictsAndIgnoresTheirState) {
  PickleWriter w;
  w.raw(ordered_dict()).put(0).unicode("x").integer(1).setitem();
  // state_dict()._metadata, set by BUILD, is accepted and ignored.
  w.empty_dict().unicode("_metadata").raw(ordered_dict()).setitem().build();
  const PickleValue v = value_of(w.bytes());
  ASSERT_NE(v.as_dict(), nullptr);
  EXPECT_TRUE(v.as_dict()->ordered);
  EXPECT_EQ(v.as_dict()->items.size(), 1u);
  // NEWOBJ builds one as well (cls.__new__(cls)).
  const PickleValue n =
      value_of(PickleWriter().global("collections", "OrderedDict").empty_tuple().op(0x81).bytes());
  EXPECT_TRUE(n.as_dict()->ordered);
}

TEST(PickleReaderTest, MemoSharesObjects) {
  // l = []; (l, l) -- one object referenced twice, as Python would share it.
  const PickleValue v = value_of(
      "]q\x00"
      "0h\x00h\x00\x86");
  const auto& items = v.as_tuple()->items;
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].as_list(), items[1].as_list());
  // LONG_BINPUT / LONG_BINGET and MEMOIZE; ids are map keys, so a huge id costs nothing.
  const PickleValue w = value_of("K\x05r" + le(0xfffffff0, 4) + "0j" + le(0xfffffff0, 4));
  EXPECT_EQ(*w.as_int(), 5);
  const PickleValue m = value_of(
      "K\x06\x94"
      "0h\x00");
  EXPECT_EQ(*m.as_int(), 6);
}

TEST(PickleReaderTest, HandlesFramingPopAndStackGlobal) {
  const std::string body =
      "\x8c\x0b"
      "collections"
      "\x8c\x0b"
      "OrderedDict"
      "\x93)R";
  const std::string framed = std::string("\x80\x04\x95", 3) + le(body.size() + 1, 8) + body + ".";
  EXPECT_TRUE(parse(framed).as_dict()->ordered);
  EXPECT_EQ(*value_of("K\x01K\x02"
                      "0")
                 .as_int(),
            1);  // POP
  EXPECT_EQ(*value_of("K\x01(K\x02K\x03"
                      "1")
                 .as_int(),
            1);                                 // POP_MARK
  EXPECT_EQ(*value_of("K\x01(0").as_int(), 1);  // POP of a bare MARK
  EXPECT_NO_THROW(parse(std::string("\x80\x05N.", 4)));
}

// ---------------------------------------------------------------- tensors --

TEST(PickleReaderTest, RebuildsTensorsFromEveryStorageClass) {
  const std::pair<const char*, DType> classes[] = {
      {"FloatStorage", DType::F32},     {"DoubleStorage", DType::F64}, {"HalfStorage", DType::F16},
      {"BFloat16Storage", DType::BF16}, {"LongStorage", DType::I64},   {"IntStorage", DType::I32},
      {"ShortStorage", DType::I16},     {"CharStorage", DType::I8},    {"ByteStorage", DType::U8},
      {"BoolStorage", DType::BOOL},     {"UntypedStorage", DType::U8}};
  for (const auto& [cls, dtype] : classes) {
    SCOPED_TRACE(cls);
    const PickleValue v = value_of(testing::tensor_pickle(
        TensorRef{cls, "17", "cuda:0", 100, 3, {2, 3, 4, 5}, {60, 20, 5, 1}}));
    const PickleTensor* t = v.as_tensor();
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->dtype, dtype);
    EXPECT_EQ(t->storage->dtype, dtype);
    EXPECT_EQ(t->storage->storage_class, std::string("torch.") + cls);
    EXPECT_EQ(t->storage->key, "17");
    EXPECT_EQ(t->storage->location, "cuda:0");
    EXPECT_EQ(t->storage->numel, 100);
    EXPECT_EQ(t->storage_offset, 3);
    EXPECT_EQ(t->sizes, (std::vector<std::int64_t>{2, 3, 4, 5}));
    EXPECT_EQ(t->strides, (std::vector<std::int64_t>{60, 20, 5, 1}));
    EXPECT_FALSE(t->requires_grad);
  }
  const PickleValue scalar =
      value_of(testing::tensor_pickle(TensorRef{"FloatStorage", "0", "cpu", 1, 0, {}, {}}));
  EXPECT_TRUE(scalar.as_tensor()->sizes.empty());
}

// _rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype[, metadata])
std::string tensor_v3(const std::string& dtype, const std::string& extra_args = "") {
  PickleWriter w;
  w.global("torch._utils", "_rebuild_tensor_v3").mark();
  w.mark().unicode("storage").global("torch.storage", "UntypedStorage").unicode("0");
  w.unicode("cpu").integer(64).op('t').persid();
  w.integer(4).integer(8).tuple_of(1).integer(1).tuple_of(1).boolean(true).raw(ordered_dict());
  w.global("torch", dtype).raw(extra_args).op('t').reduce();
  return w.bytes();
}

TEST(PickleReaderTest, RebuildsTensorV3WithItsDtypeArgument) {
  for (const auto& [name, dtype] :
       std::vector<std::pair<std::string, DType>>{{"float8_e4m3fn", DType::F8_E4M3},
                                                  {"float8_e5m2", DType::F8_E5M2},
                                                  {"bfloat16", DType::BF16},
                                                  {"float32", DType::F32},
                                                  {"bool", DType::BOOL}}) {
    const PickleValue v = value_of(tensor_v3(name));
    ASSERT_NE(v.as_tensor(), nullptr) << name;
    EXPECT_EQ(v.as_tensor()->dtype, dtype);
    EXPECT_EQ(v.as_tensor()->storage->dtype, DType::U8);
    EXPECT_TRUE(v.as_tensor()->requires_grad);
  }
  EXPECT_NE(value_of(tensor_v3("float16", "}")).as_tensor(), nullptr);  // with metadata
  EXPECT_CONTAINS(error(pickle(tensor_v3("FloatStorage"))),
                  "dtype argument is 'torch.FloatStorage', not a torch dtype");
  EXPECT_CONTAINS(error(pickle(tensor_v3("uint16"))), "forbidden pickle global 'torch.uint16'");
}

TEST(PickleReaderTest, RebuildsParameters) {
  const std::string data =
      testing::tensor_pickle(TensorRef{"FloatStorage", "0", "cpu", 4, 0, {4}, {1}});
  PickleWriter p;
  p.global("torch._utils", "_rebuild_parameter").raw(data).boolean(true).raw(ordered_dict());
  p.tuple_of(3).reduce();
  const PickleValue v = value_of(p.bytes());
  ASSERT_NE(v.as_tensor(), nullptr);
  EXPECT_TRUE(v.as_tensor()->requires_grad);
  EXPECT_EQ(v.as_tensor()->sizes, std::vector<std::int64_t>{4});

  PickleWriter s;
  s.global("torch._utils", "_rebuild_parameter_with_state").mark().raw(data).boolean(false);
  s.raw(ordered_dict()).empty_dict().op('t').reduce();
  EXPECT_NE(value_of(s.bytes()).as_tensor(), nullptr);

  PickleWriter bad;
  bad.global("torch._utils", "_rebuild_parameter")
      .integer(1)
      .boolean(true)
      .none()
      .tuple_of(3)
      .reduce();
  EXPECT_CONTAINS(error(pickle(bad.bytes())), "data is a int, not a tensor");
}

// Replaces argument `index` of a _rebuild_tensor_v2 call by `ops`.
std::string tensor_with_arg(std::size_t index, const std::string& ops) {
  const std::string storage = PickleWriter()
                                  .mark()
                                  .unicode("storage")
                                  .global("torch", "FloatStorage")
                                  .unicode("0")
                                  .unicode("cpu")
                                  .integer(16)
                                  .op('t')
                                  .persid()
                                  .bytes();
  std::vector<std::string> args = {storage,
                                   PickleWriter().integer(0).bytes(),
                                   PickleWriter().integer(4).tuple_of(1).bytes(),
                                   PickleWriter().integer(1).tuple_of(1).bytes(),
                                   PickleWriter().boolean(false).bytes(),
                                   ordered_dict()};
  if (index < args.size()) args[index] = ops;
  if (index == args.size()) args.push_back(ops);
  PickleWriter w;
  w.global("torch._utils", "_rebuild_tensor_v2").mark();
  for (const auto& a : args) w.raw(a);
  return w.op('t').reduce().bytes();
}

TEST(PickleReaderTest, RefusesMalformedTensorArguments) {
  const std::string fn = "torch._utils._rebuild_tensor_v2: ";
  EXPECT_NE(value_of(tensor_with_arg(6, "}")).as_tensor(), nullptr);  // metadata dict
  EXPECT_NE(value_of(tensor_with_arg(5, "N")).as_tensor(), nullptr);  // hooks None
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(0, "K\x01"))),
                  fn + "storage argument is a int, not a persistent storage reference");
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(1, "J" + le(0xffffffff, 4)))),
                  fn + "storage offset is negative (-1)");
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(1, "N"))),
                  fn + "storage offset is a None, not an int");
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(2, "]"))), fn + "size is a list, not a tuple");
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(2, "J" + le(0xfffffffe, 4) + "\x85"))),
                  fn + "size holds a negative value");
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(3, "N\x85"))), fn + "stride holds a None");
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(3, ")"))),
                  fn + "size has 1 dimensions but stride has 0");
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(4, "K\x01"))),
                  fn + "requires_grad is a int, not a bool");
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(5, "]"))),
                  fn + "backward hooks is a list, not a dict or None");
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(6, "K\x01"))), fn + "metadata is a int");
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(6, "}N"))),
                  "called with 8 arguments, expected 6 or 7");
  // More elements than 64 bits can count.
  const std::int64_t huge = std::int64_t{1} << 40;
  EXPECT_CONTAINS(error(pickle(testing::tensor_pickle(
                      TensorRef{"FloatStorage", "0", "cpu", 1, 0, {huge, huge}, {0, 0}}))),
                  "the number of elements overflows 64 bits");
  // Rank is bounded.
  std::string many_dims = "(";
  for (int i = 0; i < 65; ++i) many_dims += "K\x01";
  EXPECT_CONTAINS(error(pickle(tensor_with_arg(2, many_dims + "t"))),
                  "65 dimensions, more than 64");
}

TEST(PickleReaderTest, RefusesMalformedPersistentIds) {
  auto pid = [](const std::string& items) { return pickle(items + "Q"); };
  const std::string cls = PickleWriter().global("torch", "FloatStorage").bytes();
  const std::string storage = PickleWriter().unicode("storage").bytes();
  const std::string key = PickleWriter().unicode("0").bytes();
  const std::string cpu = PickleWriter().unicode("cpu").bytes();
  EXPECT_CONTAINS(error(pid("K\x01")), "persistent id is a int, expected");
  EXPECT_CONTAINS(error(pid("(" + storage + cls + key + cpu + "t")),
                  "persistent id is a tuple of 4 items");
  EXPECT_CONTAINS(
      error(pid("(" + PickleWriter().unicode("module").bytes() + cls + key + cpu + "K\x01t")),
      "does not start with 'storage'");
  EXPECT_CONTAINS(error(pid("(" + storage + PickleWriter().global("torch", "float32").bytes() +
                            key + cpu + "K\x01t")),
                  "persistent id names 'torch.float32' where a torch storage class is expected");
  EXPECT_CONTAINS(error(pid("(" + storage + cls + std::string("K\x00", 2) + cpu + "K\x01t")),
                  "storage key is not");
  EXPECT_CONTAINS(
      error(pid("(" + storage + cls + PickleWriter().unicode("").bytes() + cpu + "K\x01t")),
      "storage key is not a non-empty str");
  EXPECT_CONTAINS(error(pid("(" + storage + cls + key + "N" + "K\x01t")),
                  "storage location is not a str");
  EXPECT_CONTAINS(error(pid("(" + storage + cls + key + cpu + "J" + le(0xffffffff, 4) + "t")),
                  "storage size is not a non-negative int");
  const std::string too_big = PickleWriter().integer(std::int64_t{1} << 61).bytes();
  EXPECT_CONTAINS(error(pid("(" + storage + PickleWriter().global("torch", "LongStorage").bytes() +
                            key + cpu + too_big + "t")),
                  "overflows 64-bit bytes");
}

// ---------------------------------------------------------- golden files --

TEST(PickleReaderGoldenTest, ReadsTheRealDataPkls) {
  const std::string golden = testing::golden_dir();
  if (golden.empty()) GTEST_SKIP() << "golden cases not found (set ANIMATE_GOLDEN_DIR)";
  struct Case {
    const char* file;
    const char* pickle;
    bool ordered;
    std::size_t items;
    const char* storage_class;
  };
  for (const Case& c :
       {Case{"lora_merge/UniAnimate-Wan2.1-14B-Lora-12000.ckpt",
             "UniAnimate-Wan2.1-14B-Lora-12000/data.pkl", false, 66, "torch.FloatStorage"},
        Case{"vae_decode/Wan2.1_VAE.pth", "Wan2.1_VAE/data.pkl", true, 194, "torch.FloatStorage"},
        Case{"t5_encoder/models_t5_umt5-xxl-enc-bf16.pth", "models_t5_umt5-xxl-enc-bf16/data.pkl",
             true, 22, "torch.BFloat16Storage"}}) {
    SCOPED_TRACE(c.file);
    ZipArchive archive(MappedFile::open(golden + "/" + c.file));
    const ByteSpan bytes = archive.data(c.pickle);
    const PickleValue root = read_pickle(bytes.data, bytes.size, c.pickle);
    const PickleDict* dict = root.as_dict();
    ASSERT_NE(dict, nullptr);
    EXPECT_EQ(dict->ordered, c.ordered);
    ASSERT_EQ(dict->items.size(), c.items);
    for (std::size_t i = 0; i < dict->items.size(); ++i) {
      const PickleTensor* t = dict->items[i].second.as_tensor();
      ASSERT_NE(t, nullptr);
      EXPECT_EQ(t->storage->storage_class, c.storage_class);
      EXPECT_EQ(t->storage->key, std::to_string(i));  // torch numbers storages in order
      EXPECT_EQ(t->storage->location, "cpu");
      EXPECT_EQ(t->storage_offset, 0);
    }
  }
}

// ------------------------------------------------------- forbidden input --

TEST(PickleReaderTest, RefusesEveryOtherGlobal) {
  const std::vector<std::pair<std::string, std::string>> globals = {
      {"builtins", "eval"},
      {"builtins", "exec"},
      {"builtins", "getattr"},
      {"builtins", "__import__"},
      {"__builtin__", "eval"},
      {"os", "system"},
      {"posix", "system"},
      {"nt", "system"},
      {"subprocess", "Popen"},
      {"subprocess", "check_output"},
      {"torch.nn", "Module"},
      {"torch", "load"},
      {"torch", "Tensor"},
      {"torch._utils", "_rebuild_tensor"},
      {"torch._tensor", "_rebuild_from_type_v2"},
      {"torch.storage", "TypedStorage"},
      {"collections", "defaultdict"},
      {"numpy.core.multiarray", "_reconstruct"},
      {"torch", "ComplexFloatStorage"},
      {"collections", "OrderedDict "},
  };
  for (const auto& [module, name] : globals) {
    SCOPED_TRACE(module + "." + name);
    const std::string expected = "forbidden pickle global '" + module + "." + name + "'";
    EXPECT_FALSE(is_allowed_pickle_global(module, name));
    // Via GLOBAL, called with REDUCE as an exploit would.
    const std::string call =
        PickleWriter().global(module, name).unicode("id").tuple_of(1).reduce().bytes();
    EXPECT_CONTAINS(error(pickle(call)), expected + " (GLOBAL (0x63) at byte 2)");
    // Via STACK_GLOBAL (protocol 4).
    std::string stack = "\x8c";  // appended piece by piece, as above
    stack += le(module.size(), 1) + module;
    stack += "\x8c";
    stack += le(name.size(), 1) + name;
    stack += "\x93)R";
    EXPECT_CONTAINS(error(pickle(stack)), expected);
  }
  EXPECT_TRUE(is_allowed_pickle_global("collections", "OrderedDict"));
  EXPECT_TRUE(is_allowed_pickle_global("torch._utils", "_rebuild_tensor_v2"));
  // Control bytes in a refused name are escaped in the message.
  EXPECT_CONTAINS(error(pickle("cos\rx\nsystem\n")), "forbidden pickle global 'os\\x0dx.system'");
}

TEST(PickleReaderTest, AllowedGlobalsAreOnlyUsedForTheirPurpose) {
  EXPECT_CONTAINS(
      error(pickle(PickleWriter().global("torch", "FloatStorage").empty_tuple().reduce().bytes())),
      "'torch.FloatStorage' cannot be called");
  EXPECT_CONTAINS(
      error(pickle(PickleWriter().global("torch", "float32").empty_tuple().reduce().bytes())),
      "'torch.float32' cannot be called");
  EXPECT_CONTAINS(error(pickle(PickleWriter()
                                   .global("collections", "OrderedDict")
                                   .empty_list()
                                   .tuple_of(1)
                                   .reduce()
                                   .bytes())),
                  "collections.OrderedDict called with 1 arguments");
  EXPECT_CONTAINS(
      error(pickle(
          PickleWriter().global("collections", "OrderedDict").empty_list().reduce().bytes())),
      "arguments of 'collections.OrderedDict' are a list, not a tuple");
  EXPECT_CONTAINS(error(pickle("})R")), "calling a dict, not a global");
  EXPECT_CONTAINS(error(pickle(PickleWriter()
                                   .global("torch._utils", "_rebuild_tensor_v2")
                                   .empty_tuple()
                                   .op(0x81)
                                   .bytes())),
                  "NEWOBJ of 'torch._utils._rebuild_tensor_v2' is not supported");
  EXPECT_CONTAINS(error(pickle(PickleWriter()
                                   .global("collections", "OrderedDict")
                                   .integer(1)
                                   .tuple_of(1)
                                   .op(0x81)
                                   .bytes())),
                  "NEWOBJ of OrderedDict with arguments");
  EXPECT_CONTAINS(error(pickle("]}b")), "BUILD (setting object state) on a list is not supported");
  EXPECT_CONTAINS(
      error(pickle(testing::tensor_pickle(TensorRef{"FloatStorage", "0", "cpu", 1, 0, {}, {}}) +
                   "}b")),
      "BUILD (setting object state) on a tensor");
}

TEST(PickleReaderTest, RefusesUnsupportedOpcodes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"i", "INST (0x69)"},
      {"o", "OBJ (0x6f)"},
      {"\x82\x01", "EXT1 (0x82)"},
      {"\x83\x01\x00", "EXT2 (0x83)"},
      {"Pfoo\n", "PERSID (0x50)"},
      {"S'x'\n", "STRING (0x53)"},
      {"U\x01x", "SHORT_BINSTRING (0x55)"},
      {"I1\n", "INT (0x49)"},
      {"Vx\n", "UNICODE (0x56)"},
      {"N2", "DUP (0x32)"},
      {"Np0\n", "PUT (0x70)"},
      {"g0\n", "GET (0x67)"},
      {"\x8f", "EMPTY_SET (0x8f)"},
      {"\x92", "NEWOBJ_EX (0x92)"},
      {"\x96", "BYTEARRAY8 (0x96)"},
      {"\x97", "NEXT_BUFFER (0x97)"},
      {"\xff", "0xff"},
  };
  for (const auto& [ops, expected] : cases) {
    const std::string msg = error(pickle(ops));
    EXPECT_CONTAINS(msg, "unsupported pickle opcode");
    EXPECT_CONTAINS(msg, expected);
  }
  EXPECT_CONTAINS(error(std::string("\x80\x01N.", 4)), "unsupported pickle protocol 1");
  EXPECT_CONTAINS(error(std::string("\x80\x06N.", 4)), "unsupported pickle protocol 6");
}

// ----------------------------------------------------------------- limits --

TEST(PickleReaderTest, BoundsNesting) {
  constexpr int kDeep = 100000;
  EXPECT_CONTAINS(error(pickle(std::string(kDeep, '(') + "N" + std::string(kDeep, 't'))),
                  "MARKs nested deeper than 1000 levels (MARK (0x28) at byte 1002)");
  EXPECT_CONTAINS(error(pickle(std::string(kDeep, ']') + std::string(kDeep - 1, 'a'))),
                  "objects nested deeper than 1000 levels");
  EXPECT_CONTAINS(error(pickle(")" + std::string(kDeep, '\x85'))),
                  "objects nested deeper than 1000 levels");
  // {'k': {'k': {...}}}: each SETITEM nests the innermost dict one level deeper.
  std::string dicts = "}";
  for (int i = 0; i < 2000; ++i) dicts += std::string("X\x01\x00\x00\x00k}", 7);
  dicts += std::string(2000, 's');
  EXPECT_CONTAINS(error(pickle(dicts)), "nested deeper than 1000 levels");
  // Exactly at the limit is fine.
  EXPECT_EQ(value_of(")" + std::string(999, '\x85')).depth(), 1000u);
  PickleLimits shallow;
  shallow.max_depth = 3;
  EXPECT_CONTAINS(error(pickle("))\x85\x85\x85"), shallow), "nested deeper than 3");
}

TEST(PickleReaderTest, BoundsStackMemoAndStrings) {
  PickleLimits small;
  small.max_stack = 10;
  small.max_memo = 2;
  small.max_string_bytes = 4;
  EXPECT_CONTAINS(error(pickle(std::string(11, 'N')), small), "stack holds more than 10 values");
  EXPECT_CONTAINS(error(pickle("Nq\x00q\x01q\x00q\x02"), small), "memo holds more than 2 entries");
  EXPECT_CONTAINS(error(pickle("X" + le(5, 4) + "hello"), small),
                  "string of 5 bytes exceeds the limit of 4");
  EXPECT_CONTAINS(error(pickle("B" + le(5, 4) + "hello"), small),
                  "bytes of 5 bytes exceeds the limit");
  EXPECT_CONTAINS(error(pickle("\x8c\x02hi\x8c\x05hello\x93"), PickleLimits{}), "forbidden");

  // Declared lengths are checked against the bytes present before anything is allocated.
  EXPECT_CONTAINS(error(pickle("X" + le(0xffffffff, 4) + "abc")),
                  "string declares 4294967295 bytes but only");
  EXPECT_CONTAINS(error(pickle("\x8d" + le(std::uint64_t{1} << 63, 8) + "abc")),
                  "string declares 9223372036854775808 bytes");
  EXPECT_CONTAINS(error(pickle("\x8e" + le(~std::uint64_t{0}, 8))),
                  "bytes declares 18446744073709551615");
  EXPECT_CONTAINS(error(pickle("\x8c\xc8"
                               "abc")),
                  "string declares 200 bytes but only");
  EXPECT_CONTAINS(error(pickle("\x8b" + le(0x7fffffff, 4) + "ab")),
                  "operand needs 2147483647 bytes");
  EXPECT_CONTAINS(error(pickle("\x8b" + le(0x80000000, 4))), "LONG4 with a negative length");
  EXPECT_CONTAINS(error(pickle("\x8a\x09" + std::string(9, '\x01'))),
                  "integer of 9 bytes does not fit");
  EXPECT_CONTAINS(error(pickle("\x95" + le(1000, 8))), "frame of 1000 bytes but only");
  EXPECT_CONTAINS(error(pickle("ccollections")), "truncated GLOBAL operand");
  EXPECT_CONTAINS(error(pickle("c" + std::string(2000, 'a') + "\nb\n")),
                  "GLOBAL operand longer than 1024");
  const std::string long_name = "\x8d" + le(2000, 8) + std::string(2000, 'a');
  EXPECT_CONTAINS(error(pickle(long_name + long_name + "\x93")),
                  "STACK_GLOBAL operand longer than 1024");
}

TEST(PickleReaderTest, RefusesMissingMemoEntries) {
  EXPECT_CONTAINS(error(pickle("h\x07")),
                  "memo get of id 7, which was never put (BINGET (0x68) at byte 2)");
  EXPECT_CONTAINS(error(pickle("j" + le(0xffffffff, 4))), "memo get of id 4294967295");
  EXPECT_CONTAINS(error(pickle("q\x00N")), "stack underflow (BINPUT");
}

// ------------------------------------------------------------- structure --

TEST(PickleReaderTest, RefusesMalformedStructure) {
  EXPECT_CONTAINS(error(""), "truncated after 0 bytes (no STOP opcode)");
  EXPECT_CONTAINS(error(std::string("\x80\x02N", 3)), "no STOP opcode");
  EXPECT_CONTAINS(error(pickle("")), "STOP with 0 values on the stack, expected 1");
  EXPECT_CONTAINS(error(pickle("NN")), "STOP with 2 values on the stack");
  EXPECT_CONTAINS(error(pickle("(N")), "1 MARKs never closed at STOP");
  EXPECT_CONTAINS(error(pickle("N") + "N"), "1 trailing bytes after STOP");
  EXPECT_CONTAINS(error(pickle("N(\x85")),
                  "stack underflow (TUPLE1");  // values below a MARK are fenced off
  EXPECT_CONTAINS(error(pickle("t")), "no MARK to collect items from");
  EXPECT_CONTAINS(error(pickle("(Nd")), "odd number of items for a dict");
  EXPECT_CONTAINS(error(pickle("}(Nu")), "odd number of items for SETITEMS");
  EXPECT_CONTAINS(error(pickle("}Na")), "appending to a dict, not a list");
  EXPECT_CONTAINS(error(pickle("]NNs")), "setting an item on a list, not a dict");
  EXPECT_CONTAINS(error(pickle("}]Ns")), "unhashable dict key of type list");
  EXPECT_CONTAINS(error(pickle("STACK")), "unsupported pickle opcode");
  EXPECT_CONTAINS(error(pickle("K\x01"
                               "0\x93")),
                  "stack underflow");
  EXPECT_CONTAINS(error(pickle("K\x01K\x02\x93")), "STACK_GLOBAL operands are not two strings");
}

TEST(PickleReaderTest, NeverBuildsCyclesOrMutatesNestedContainers) {
  // l = []; l.append(l)
  EXPECT_CONTAINS(error(pickle("]q\x00h\x00"
                               "a")),
                  "a list would contain itself");
  EXPECT_CONTAINS(error(pickle("}q\x00K\x01h\x00s")), "a dict would contain itself");
  // Appending to a list after it was nested in a tuple (only hand-made
  // pickles do this; it is how a cycle through two objects would start).
  EXPECT_CONTAINS(error(pickle("]q\x00\x85"
                               "0h\x00K\x01"
                               "a")),
                  "appending to a list that is already nested in another object");
  EXPECT_CONTAINS(error(pickle("}q\x00\x85"
                               "0h\x00K\x01K\x02s")),
                  "setting an item on a dict that is already nested in another object");
  // a = []; b = [a]; a.append(b) -- the two-object cycle is refused.
  EXPECT_CONTAINS(error(pickle("]q\x00]q\x01h\x00"
                               "a0h\x00h\x01"
                               "a")),
                  "already nested");
}

// -------------------------------------------------- truncation and fuzzing --

std::string small_torch_pickle() {
  const auto base = at::arange(6, at::kFloat).reshape({2, 3});
  return testing::torch_data_pkl({{"layer.weight", base},
                                  {"layer.weight_t", base.t()},
                                  {"norm.bias", at::ones({3}, at::kBFloat16)}});
}

TEST(PickleReaderTest, EveryTruncationIsAFormatError) {
  const std::string full = small_torch_pickle();
  ASSERT_EQ(parse(full).as_dict()->items.size(), 3u);
  for (std::size_t len = 0; len < full.size(); ++len) {
    EXPECT_THROW(parse(full.substr(0, len)), FormatError) << "prefix of " << len;
  }
}

TEST(PickleReaderTest, MutatedPicklesParseOrFailCleanly) {
  const std::string original = small_torch_pickle();
  std::mt19937 rng(7);
  const char interesting[] = {'\0', '\x01', '\x7f', '\x80', '\xff', '(', ')', '.',    'R',    'b',
                              'h',  'q',    'c',    'Q',    't',    's', 'u', '\x93', '\x95', 'X'};
  int parsed = 0;
  constexpr int kIterations = 20000;
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    std::string bytes = original;
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      const std::size_t pos = rng() % bytes.size();
      switch (rng() % 5) {
        case 0: bytes[pos] = static_cast<char>(bytes[pos] ^ (1 << (rng() % 8))); break;
        case 1: bytes[pos] = interesting[rng() % sizeof interesting]; break;
        case 2: bytes[pos] = static_cast<char>(rng()); break;
        case 3: bytes.erase(pos, 1 + rng() % 4); break;
        default: bytes.insert(pos, 1, interesting[rng() % sizeof interesting]); break;
      }
    }
    try {
      const PickleValue v = parse(bytes);
      ++parsed;
      (void)v.depth();
    } catch (const FormatError&) {
    } catch (const std::exception& e) {
      FAIL() << "iteration " << iteration << ": unexpected exception " << e.what();
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace animate::io
