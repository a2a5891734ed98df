// Tests of the minimal ZIP reader: the real torch archives, stored and ZIP64
// layouts, and a precise FormatError for every lie a directory can tell.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/io/error.h"
#include "model/io/mapped_file.h"
#include "model/io/zip_archive.h"
#include "model/tests/test_support/torch_zip_fixture.h"

namespace animate::io {
namespace {

using testing::put_le16;
using testing::put_le32;
using testing::put_le64;
using testing::ScratchDir;
using testing::ZipFileSpec;
using testing::ZipLayout;
using testing::ZipWriteOptions;

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "in: " << (text)

// Offsets of fields inside the fixed parts of the records.
constexpr std::uint64_t kLocalFlags = 6, kLocalMethod = 8, kLocalCompressed = 18, kLocalSize = 22,
                        kLocalNameLen = 26, kLocalExtraLen = 28;
constexpr std::uint64_t kCentralFlags = 8, kCentralMethod = 10, kCentralCompressed = 20,
                        kCentralSize = 24, kCentralNameLen = 28, kCentralExtraLen = 30,
                        kCentralDisk = 34, kCentralOffset = 42, kCentralName = 46;
constexpr std::uint64_t kEndDisk = 4, kEndDirDisk = 6, kEndEntriesOnDisk = 8, kEndEntries = 10,
                        kEndDirSize = 12, kEndDirOffset = 16, kEndCommentLen = 20;
constexpr std::uint64_t kZip64Size = 4, kZip64Entries = 32, kZip64DirOffset = 48;
constexpr std::uint64_t kLocatorDisk = 4, kLocatorOffset = 8, kLocatorDisks = 16;

std::vector<ZipFileSpec> sample_files() {
  std::string big(1000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  return {{"archive/data.pkl", "pickle bytes"}, {"archive/data/0", big}, {"archive/empty", ""}};
}

class ZipArchiveTest : public ::testing::Test {
 protected:
  ZipArchive open(const std::string& bytes) {
    return ZipArchive(MappedFile::open(dir_.write("t.zip", bytes)));
  }
  // The FormatError message opening `bytes` produces; a failure otherwise.
  std::string error(const std::string& bytes) {
    try {
      open(bytes);
    } catch (const FormatError& e) {
      const std::string msg = e.what();
      EXPECT_CONTAINS(msg, "t.zip: zip: ");
      return msg;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "unexpected exception type: " << e.what();
      return {};
    }
    ADD_FAILURE() << "no exception thrown";
    return {};
  }
  // A plain layout without ZIP64 records, where the classic end record rules.
  static ZipLayout plain() {
    ZipWriteOptions options;
    options.zip64_end_record = false;
    return testing::write_zip(sample_files(), options);
  }
  static ZipLayout torch_like() { return testing::write_zip(sample_files()); }

  ScratchDir dir_;
};

std::string bytes_of(const ByteSpan& span) {
  return std::string(reinterpret_cast<const char*>(span.data), span.size);
}

// ---------------------------------------------------------------- golden --

TEST(ZipArchiveGoldenTest, ReadsTheRealTorchArchives) {
  const std::string golden = testing::golden_dir();
  if (golden.empty()) GTEST_SKIP() << "golden cases not found (set ANIMATE_GOLDEN_DIR)";
  struct Case {
    const char* file;
    std::size_t entries;
  };
  for (const Case& c : {Case{"lora_merge/UniAnimate-Wan2.1-14B-Lora-12000.ckpt", 68},
                        Case{"vae_decode/Wan2.1_VAE.pth", 196},
                        Case{"t5_encoder/models_t5_umt5-xxl-enc-bf16.pth", 24}}) {
    SCOPED_TRACE(c.file);
    ZipArchive archive(MappedFile::open(golden + "/" + c.file));
    ASSERT_EQ(archive.entries().size(), c.entries);
    EXPECT_EQ(archive.entries().front().name.substr(archive.entries().front().name.size() - 8),
              "data.pkl");
    for (const auto& e : archive.entries()) {
      EXPECT_EQ(e.method, 0) << e.name;
      EXPECT_EQ(e.data_offset % 64, 0u) << e.name;  // torch pads records to 64 bytes
    }
    const ZipEntry& version = archive.entries().back();
    EXPECT_EQ(bytes_of(archive.data(version)), "3\n");
  }
}

// ------------------------------------------------------------ well-formed --

TEST_F(ZipArchiveTest, ListsEntriesAndViewsTheirBytes) {
  const auto files = sample_files();
  const auto layout = torch_like();
  const ZipArchive archive = open(layout.bytes);
  ASSERT_EQ(archive.entries().size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    const ZipEntry& e = archive.entries()[i];
    EXPECT_EQ(e.name, files[i].name);
    EXPECT_EQ(e.method, 0);
    EXPECT_EQ(e.compressed_size, files[i].data.size());
    EXPECT_EQ(e.uncompressed_size, files[i].data.size());
    EXPECT_EQ(e.local_header_offset, layout.local_header_offsets[i]);
    EXPECT_EQ(e.data_offset, layout.data_offsets[i]);
    EXPECT_EQ(e.data_offset % 64, 0u);
    const ByteSpan span = archive.data(e);
    EXPECT_EQ(bytes_of(span), files[i].data);
    // Zero copy: the span points into the mapping.
    EXPECT_EQ(span.data, archive.file()->data() + e.data_offset);
  }
  ASSERT_NE(archive.find("archive/data/0"), nullptr);
  EXPECT_EQ(archive.find("archive/data/0")->name, "archive/data/0");
  EXPECT_EQ(archive.find("archive/data/1"), nullptr);
  EXPECT_EQ(bytes_of(archive.data("archive/data.pkl")), "pickle bytes");
  const auto msg = [&] {
    try {
      archive.data("archive/missing");
    } catch (const FormatError& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_CONTAINS(msg, "no entry 'archive/missing'");
}

TEST_F(ZipArchiveTest, ReadsUnalignedZip64AndPlainLayouts) {
  const auto files = sample_files();
  for (int variant = 0; variant < 4; ++variant) {
    SCOPED_TRACE(variant);
    ZipWriteOptions options;
    options.align_data = variant != 1;
    options.misalign = variant == 1 ? 3 : 0;
    options.zip64 = variant == 2;
    options.zip64_end_record = variant != 3;
    const ZipArchive archive = open(testing::write_zip(files, options).bytes);
    ASSERT_EQ(archive.entries().size(), files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
      EXPECT_EQ(bytes_of(archive.data(archive.entries()[i])), files[i].data);
    }
  }
}

TEST_F(ZipArchiveTest, LocalHeadersWithoutDataDescriptorsRepeatTheSizes) {
  auto layout = plain();
  for (std::size_t i = 0; i < layout.local_header_offsets.size(); ++i) {
    const auto size = static_cast<std::uint32_t>(sample_files()[i].data.size());
    put_le16(&layout.bytes, layout.local_header_offsets[i] + kLocalFlags, 0);
    put_le32(&layout.bytes, layout.local_header_offsets[i] + kLocalCompressed, size);
    put_le32(&layout.bytes, layout.local_header_offsets[i] + kLocalSize, size);
  }
  EXPECT_EQ(open(layout.bytes).entries().size(), 3u);
  put_le32(&layout.bytes, layout.local_header_offsets[1] + kLocalSize, 999);
  EXPECT_CONTAINS(error(layout.bytes),
                  "local header size 999 differs from the central directory's 1000");
  put_le32(&layout.bytes, layout.local_header_offsets[1] + kLocalSize, 1000);
  put_le32(&layout.bytes, layout.local_header_offsets[1] + kLocalCompressed, 5);
  EXPECT_CONTAINS(error(layout.bytes), "local header compressed size 5");
}

TEST_F(ZipArchiveTest, FindsTheEndRecordBehindAComment) {
  auto layout = torch_like();
  // A comment that itself contains an end-record signature must not fool the search.
  const std::string comment = std::string("PK\x05\x06", 4) + std::string(30, 'c');
  put_le16(&layout.bytes, layout.end_offset + kEndCommentLen,
           static_cast<std::uint16_t>(comment.size()));
  EXPECT_EQ(open(layout.bytes + comment).entries().size(), 3u);
  // A comment length that does not reach the end of the file.
  EXPECT_CONTAINS(error(layout.bytes + comment + "x"), "no end-of-central-directory record");
}

// ------------------------------------------------------------ end records --

TEST_F(ZipArchiveTest, RefusesFilesWithoutAnEndRecord) {
  EXPECT_CONTAINS(error(""), "too small to be a zip archive");
  EXPECT_CONTAINS(error(std::string(21, 'P')), "too small");
  EXPECT_CONTAINS(error(std::string(70000, '\0')), "no end-of-central-directory record");
}

TEST_F(ZipArchiveTest, EveryTruncationIsAFormatError) {
  const std::string full = torch_like().bytes;
  const std::string path = dir_.path("cut.zip");
  for (std::size_t len = 0; len < full.size(); ++len) {
    testing::write_file(path, full.substr(0, len));
    EXPECT_THROW(ZipArchive(MappedFile::open(path)), FormatError) << "prefix of " << len;
  }
}

TEST_F(ZipArchiveTest, RefusesLyingEndRecords) {
  const auto layout = plain();
  auto patched = [&](std::uint64_t field, std::uint32_t value, int width) {
    std::string bytes = layout.bytes;
    if (width == 2) put_le16(&bytes, layout.end_offset + field, static_cast<std::uint16_t>(value));
    if (width == 4) put_le32(&bytes, layout.end_offset + field, value);
    return bytes;
  };
  EXPECT_CONTAINS(error(patched(kEndDirOffset, 0x7fffffff, 4)),
                  "does not end before the end record");
  EXPECT_CONTAINS(error(patched(kEndDirSize, 0x7fffffff, 4)), "does not end before the end record");
  EXPECT_CONTAINS(
      error(patched(kEndDirOffset, static_cast<std::uint32_t>(layout.central_directory_offset - 1),
                    4)),
      "no central header signature");
  EXPECT_CONTAINS(error(patched(kEndDisk, 1, 2)), "multi-disk");
  EXPECT_CONTAINS(error(patched(kEndDirDisk, 2, 2)), "multi-disk");
  EXPECT_CONTAINS(error(patched(kEndEntriesOnDisk, 2, 2)), "2 entries on this disk but 3 in total");
  // More entries than 46-byte headers fit in the directory.
  std::string many = patched(kEndEntries, 60000, 2);
  put_le16(&many, layout.end_offset + kEndEntriesOnDisk, 60000);
  EXPECT_CONTAINS(error(many), "declares 60000 entries, but the central directory");
  // Fewer entries than the directory holds.
  std::string fewer = patched(kEndEntries, 2, 2);
  put_le16(&fewer, layout.end_offset + kEndEntriesOnDisk, 2);
  EXPECT_CONTAINS(error(fewer), "holds");
  EXPECT_CONTAINS(error(fewer), "bytes of entries but the end record says");
  // ZIP64 placeholders without any ZIP64 record.
  EXPECT_CONTAINS(error(patched(kEndDirOffset, 0xffffffff, 4)),
                  "placeholder values but there is no ZIP64 end record locator");
}

TEST_F(ZipArchiveTest, RefusesInconsistentZip64EndRecords) {
  const auto layout = torch_like();
  auto patched = [&](auto&& patch) {
    std::string bytes = layout.bytes;
    patch(bytes);
    return bytes;
  };
  // The classic record's real values must agree with the ZIP64 ones.
  EXPECT_CONTAINS(error(patched([&](std::string& b) {
                    put_le64(&b, layout.zip64_end_offset + kZip64Entries, 4);
                  })),
                  "disagree on the entry count (3 vs 4)");
  EXPECT_CONTAINS(error(patched([&](std::string& b) {
                    put_le64(&b, layout.zip64_end_offset + kZip64DirOffset, 1);
                  })),
                  "disagree on the central directory offset");
  // With placeholders in the classic record, the ZIP64 values rule and are checked.
  const auto zip64 = [] {
    ZipWriteOptions options;
    options.zip64 = true;
    return testing::write_zip(sample_files(), options);
  }();
  std::string lying = zip64.bytes;
  put_le64(&lying, zip64.zip64_end_offset + kZip64DirOffset, std::uint64_t{1} << 40);
  EXPECT_CONTAINS(error(lying), "does not end before the end record");
  lying = zip64.bytes;
  put_le64(&lying, zip64.zip64_end_offset + kZip64Entries, std::uint64_t{1} << 62);
  put_le64(&lying, zip64.zip64_end_offset + kZip64Entries - 8, std::uint64_t{1} << 62);
  EXPECT_CONTAINS(error(lying), "more than the limit");
  // The locator must point at a ZIP64 end record that fits before it.
  EXPECT_CONTAINS(error(patched([&](std::string& b) {
                    put_le64(&b, layout.zip64_locator_offset + kLocatorOffset, ~std::uint64_t{0});
                  })),
                  "does not leave room for the record");
  EXPECT_CONTAINS(error(patched([&](std::string& b) {
                    put_le64(&b, layout.zip64_locator_offset + kLocatorOffset, 0);
                  })),
                  "no ZIP64 end record signature at offset 0");
  EXPECT_CONTAINS(error(patched([&](std::string& b) {
                    put_le32(&b, layout.zip64_locator_offset + kLocatorDisks, 3);
                  })),
                  "multi-disk");
  EXPECT_CONTAINS(error(patched([&](std::string& b) {
                    put_le32(&b, layout.zip64_locator_offset + kLocatorDisk, 1);
                  })),
                  "multi-disk");
  EXPECT_CONTAINS(error(patched([&](std::string& b) {
                    put_le64(&b, layout.zip64_end_offset + kZip64Size, 10);
                  })),
                  "ZIP64 end record size 10");
  EXPECT_CONTAINS(error(patched([&](std::string& b) {
                    put_le64(&b, layout.zip64_end_offset + kZip64Size, std::uint64_t{1} << 63);
                  })),
                  "is inconsistent with its position");
}

// ------------------------------------------------------- central headers --

TEST_F(ZipArchiveTest, RefusesBrokenCentralHeaders) {
  const auto layout = plain();
  const std::uint64_t second = layout.central_header_offsets[1];
  auto patched = [&](std::uint64_t offset, std::uint32_t value, int width) {
    std::string bytes = layout.bytes;
    if (width == 2) put_le16(&bytes, offset, static_cast<std::uint16_t>(value));
    if (width == 4) put_le32(&bytes, offset, value);
    return bytes;
  };
  EXPECT_CONTAINS(error(patched(second, 0x12345678, 4)), "central directory entry 1 at offset");
  EXPECT_CONTAINS(error(patched(second + kCentralNameLen, 0xffff, 2)),
                  "run past the central directory");
  EXPECT_CONTAINS(error(patched(second + kCentralFlags, 0x0809, 2)),
                  "entry 1 ('archive/data/0') is encrypted");
  EXPECT_CONTAINS(error(patched(second + kCentralDisk, 1, 2)), "starts on disk 1");
  EXPECT_CONTAINS(error(patched(second + kCentralNameLen, 0, 2)), "has an empty name");
  std::string with_nul = layout.bytes;
  with_nul[second + kCentralName + 3] = '\0';
  EXPECT_CONTAINS(error(with_nul), "NUL byte");
  // Names are printed with control bytes escaped.
  std::string with_newline = layout.bytes;
  with_newline[second + kCentralName + 3] = '\n';
  EXPECT_CONTAINS(error(with_newline), "'arc\\x0aive/data/0'");
}

TEST_F(ZipArchiveTest, RefusesDuplicateNames) {
  const auto layout = testing::write_zip({{"a", "1"}, {"b", "2"}, {"a", "3"}});
  EXPECT_CONTAINS(error(layout.bytes), "duplicate entry name 'a'");
}

TEST_F(ZipArchiveTest, RefusesLyingEntrySizes) {
  const auto layout = plain();
  auto sized = [&](std::size_t entry, std::uint32_t compressed, std::uint32_t size) {
    std::string bytes = layout.bytes;
    put_le32(&bytes, layout.central_header_offsets[entry] + kCentralCompressed, compressed);
    put_le32(&bytes, layout.central_header_offsets[entry] + kCentralSize, size);
    return bytes;
  };
  EXPECT_CONTAINS(
      error(sized(1, 1000, 999)),
      "is stored (not compressed) but its compressed size 1000 differs from its size 999");
  // Growing an entry makes it overlap the next local header...
  EXPECT_CONTAINS(error(sized(0, 100, 100)), "overlaps entry 'archive/data/0'");
  // ...or, for the last entry, run into the central directory.
  EXPECT_CONTAINS(error(sized(2, 200, 200)), "runs past the start of the central directory");
  EXPECT_CONTAINS(error(sized(2, 0xfffffff0, 0xfffffff0)),
                  "runs past the start of the central directory");
}

TEST_F(ZipArchiveTest, RefusesLyingLocalHeaders) {
  const auto layout = plain();
  const std::uint64_t central = layout.central_header_offsets[1];
  const std::uint64_t local = layout.local_header_offsets[1];
  auto patched = [&](std::uint64_t offset, std::uint32_t value, int width) {
    std::string bytes = layout.bytes;
    if (width == 2) put_le16(&bytes, offset, static_cast<std::uint16_t>(value));
    if (width == 4) put_le32(&bytes, offset, value);
    return bytes;
  };
  EXPECT_CONTAINS(error(patched(central + kCentralOffset, 0x7ffffff0, 4)),
                  "local header offset 2147483632 is not followed by a local header");
  EXPECT_CONTAINS(error(patched(central + kCentralOffset,
                                static_cast<std::uint32_t>(layout.central_directory_offset), 4)),
                  "is not followed by a local header before the central directory");
  EXPECT_CONTAINS(error(patched(central + kCentralOffset, 5, 4)),
                  "no local header signature at offset 5");
  EXPECT_CONTAINS(error(patched(central + kCentralOffset,
                                static_cast<std::uint32_t>(layout.local_header_offsets[2]), 4)),
                  "entry 'archive/data/0': local header at offset");
  EXPECT_CONTAINS(error(patched(local, 0, 4)), "no local header signature");
  EXPECT_CONTAINS(error(patched(local + kLocalMethod, 8, 2)),
                  "local header method 8 differs from the central directory's 0");
  EXPECT_CONTAINS(error(patched(local + kLocalNameLen, 9, 2)), "local header at offset");
  // A longer local extra field shifts the data into the next entry.
  const auto extra_len = static_cast<std::uint32_t>(
      static_cast<unsigned char>(layout.bytes[local + kLocalExtraLen]) +
      256 * static_cast<unsigned char>(layout.bytes[local + kLocalExtraLen + 1]));
  EXPECT_CONTAINS(error(patched(local + kLocalExtraLen, extra_len + 40, 2)),
                  "overlaps entry 'archive/empty'");
  std::string last = patched(layout.local_header_offsets[2] + kLocalExtraLen, 0xffff, 2);
  EXPECT_CONTAINS(error(last), "local header name and extra field run past the central directory");
}

TEST_F(ZipArchiveTest, RefusesInconsistentZip64ExtraFields) {
  // A placeholder with no ZIP64 extra field behind it.
  auto layout = plain();
  put_le32(&layout.bytes, layout.central_header_offsets[1] + kCentralSize, 0xffffffff);
  EXPECT_CONTAINS(error(layout.bytes),
                  "size is a ZIP64 placeholder but there is no ZIP64 extra field");

  ZipWriteOptions options;
  options.zip64 = true;
  const auto zip64 = testing::write_zip(sample_files(), options);
  const std::uint64_t extra =
      zip64.central_header_offsets[1] + kCentralName + sample_files()[1].name.size();
  // A ZIP64 block too short for the three placeholders it must resolve.
  std::string bytes = zip64.bytes;
  put_le16(&bytes, extra + 2, 8);
  put_le16(&bytes, extra + 12, 0x4242);  // the rest becomes an unknown 12-byte block
  put_le16(&bytes, extra + 14, 12);
  EXPECT_CONTAINS(error(bytes), "ZIP64 extra field of 8 bytes lacks the compressed size");
  // A block that claims more bytes than the extra field holds.
  bytes = zip64.bytes;
  put_le16(&bytes, extra + 2, 30);
  EXPECT_CONTAINS(error(bytes), "extra field block 0x0001 of 30 bytes runs past the extra field");
  // A truncated block header at the end of the extra field.
  bytes = zip64.bytes;
  put_le16(&bytes, extra + 2, 22);
  EXPECT_CONTAINS(error(bytes), "truncated block header");
  // ZIP64 values that lie about the offset or the sizes.
  bytes = zip64.bytes;
  put_le64(&bytes, extra + 4 + 16, std::uint64_t{1} << 50);
  EXPECT_CONTAINS(error(bytes), "is not followed by a local header");
  bytes = zip64.bytes;
  put_le64(&bytes, extra + 4, 999);
  EXPECT_CONTAINS(error(bytes), "compressed size 1000 differs from its size 999");
  // Two ZIP64 blocks in one extra field.
  bytes = zip64.bytes;
  put_le16(&bytes, extra + 2, 0);       // first block: ZIP64, empty
  put_le16(&bytes, extra + 4, 0x0001);  // second block: ZIP64 again
  put_le16(&bytes, extra + 6, 20);
  EXPECT_CONTAINS(error(bytes), "two ZIP64 extra blocks");
}

TEST_F(ZipArchiveTest, ListsCompressedEntriesButRefusesTheirBytes) {
  auto layout = plain();
  for (const auto& [method, name] : std::vector<std::pair<std::uint16_t, std::string>>{
           {8, "deflate"}, {12, "bzip2"}, {93, "zstd"}, {77, "unknown"}}) {
    put_le16(&layout.bytes, layout.local_header_offsets[1] + kLocalMethod, method);
    put_le16(&layout.bytes, layout.central_header_offsets[1] + kCentralMethod, method);
    const ZipArchive archive = open(layout.bytes);
    const ZipEntry* entry = archive.find("archive/data/0");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->method, method);
    EXPECT_EQ(bytes_of(archive.data("archive/data.pkl")), "pickle bytes");
    try {
      archive.data(*entry);
      ADD_FAILURE() << "compressed entry read";
    } catch (const FormatError& e) {
      EXPECT_CONTAINS(e.what(), "t.zip: zip: entry 'archive/data/0' is compressed (method " +
                                    std::to_string(method) + ", " + name + ")");
    }
  }
}

}  // namespace
}  // namespace animate::io
