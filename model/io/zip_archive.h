#pragma once
// A minimal, strictly validating ZIP reader over a memory-mapped file, enough
// for the archives torch.save writes: stored (uncompressed) entries, data
// descriptors, ZIP64 end records and ZIP64 extra fields. Stored entries are
// handed out as zero-copy byte spans into the mapping. Compressed entries are
// listed but refused on access: torch never compresses, and inflating would
// defeat the zero-copy design.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/io/mapped_file.h"

namespace animate::io {

// A read-only view of bytes owned by someone else (here: the file mapping).
struct ByteSpan {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
};

struct ZipEntry {
  std::string name;
  std::uint16_t method = 0;  // 0 = stored, 8 = deflate, ...
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint64_t local_header_offset = 0;
  // Where the entry's bytes begin, resolved through its local header.
  std::uint64_t data_offset = 0;
};

class ZipArchive {
 public:
  // Anything beyond this many entries is treated as a corrupt directory; a
  // torch checkpoint has one entry per storage (a few thousand at most).
  static constexpr std::uint64_t kMaxEntries = 1'000'000;

  // Parses and validates the whole directory (end records, every central
  // header and every local header). Throws FormatError naming the file.
  explicit ZipArchive(std::shared_ptr<const MappedFile> file);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  // nullptr when there is no entry called `name`.
  const ZipEntry* find(const std::string& name) const;
  // The bytes of a stored entry, pointing into the mapping. Throws
  // FormatError naming the entry and its method when it is compressed.
  ByteSpan data(const ZipEntry& entry) const;
  // Shortcut for data(*find(name)); throws FormatError when absent.
  ByteSpan data(const std::string& name) const;

  const std::shared_ptr<const MappedFile>& file() const { return file_; }
  const std::string& path() const { return file_->path(); }

 private:
  std::shared_ptr<const MappedFile> file_;
  std::vector<ZipEntry> entries_;
  std::map<std::string, std::size_t> index_;  // name -> position in entries_
};

// A readable name for a ZIP compression method ("deflate", "bzip2", ...).
std::string zip_method_name(std::uint16_t method);

}  // namespace animate::io
