#include "model/io/zip_archive.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "model/io/error.h"

namespace animate::io {
namespace {

// Record signatures and fixed sizes from the PKWARE APPNOTE.
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint32_t kCentralSignature = 0x02014b50;
constexpr std::uint32_t kLocalSignature = 0x04034b50;
constexpr std::uint64_t kEndSize = 22;
constexpr std::uint64_t kMaxCommentSize = 65535;
constexpr std::uint64_t kZip64LocatorSize = 20;
constexpr std::uint64_t kZip64EndFixedSize = 56;
constexpr std::uint64_t kCentralFixedSize = 46;
constexpr std::uint64_t kLocalFixedSize = 30;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint16_t kFlagEncrypted = 0x0001;
constexpr std::uint16_t kFlagDataDescriptor = 0x0008;
// Values that mean "the real value is in a ZIP64 record".
constexpr std::uint16_t kSentinel16 = 0xffff;
constexpr std::uint32_t kSentinel32 = 0xffffffff;

std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (static_cast<unsigned>(p[1]) << 8));
}
std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint64_t le64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(le32(p)) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
}

// True when [offset, offset + size) lies inside [0, limit), without overflow.
bool range_fits(std::uint64_t offset, std::uint64_t size, std::uint64_t limit) {
  return offset <= limit && size <= limit - offset;
}

// Names come from the file as raw bytes: escape control bytes and cut very
// long names so that messages stay readable.
std::string quote_name(const std::string& name) {
  constexpr std::size_t kMaxShown = 200;
  static const char* digits = "0123456789abcdef";
  std::string out = "'";
  for (std::size_t i = 0; i < name.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f || c == '\\') {
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (name.size() > kMaxShown) out += "...";
  return out + "'";
}

struct EndRecord {
  std::uint64_t disk = 0;
  std::uint64_t directory_disk = 0;
  std::uint64_t entries_on_disk = 0;
  std::uint64_t entries_total = 0;
  std::uint64_t directory_size = 0;
  std::uint64_t directory_offset = 0;
};

// Parses the directory of one archive; a class only to share the file and the
// error formatting between the steps.
class DirectoryParser {
 public:
  explicit DirectoryParser(const MappedFile& file)
      : path_(file.path()), data_(file.data()), size_(file.size()) {}

  std::vector<ZipEntry> parse() {
    if (size_ < kEndSize) {
      fail("file of " + std::to_string(size_) +
           " bytes is too small to be a zip archive (no end-of-central-directory record)");
    }
    const std::uint64_t end_pos = find_end_record();
    EndRecord end = read_end_record(end_pos);
    // Where the central directory must stop: at the ZIP64 end record when
    // there is one, else at the classic end record.
    const std::uint64_t directory_limit = merge_zip64(end_pos, &end);

    if (end.disk != 0 || end.directory_disk != 0) {
      fail("multi-disk archives are not supported (disk " + std::to_string(end.disk) +
           ", directory disk " + std::to_string(end.directory_disk) + ")");
    }
    if (end.entries_on_disk != end.entries_total) {
      fail("end record counts " + std::to_string(end.entries_on_disk) +
           " entries on this disk but " + std::to_string(end.entries_total) + " in total");
    }
    if (!range_fits(end.directory_offset, end.directory_size, directory_limit)) {
      fail("central directory (offset " + std::to_string(end.directory_offset) + ", " +
           std::to_string(end.directory_size) + " bytes) does not end before the end record at " +
           std::to_string(directory_limit));
    }
    if (end.entries_total > ZipArchive::kMaxEntries) {
      fail("end record declares " + std::to_string(end.entries_total) +
           " entries, more than the limit of " + std::to_string(ZipArchive::kMaxEntries));
    }
    // Every central header takes at least 46 bytes: a count that cannot fit
    // in the directory is a lie, caught before anything is reserved for it.
    if (end.entries_total > end.directory_size / kCentralFixedSize) {
      fail("end record declares " + std::to_string(end.entries_total) +
           " entries, but the central directory of " + std::to_string(end.directory_size) +
           " bytes holds at most " + std::to_string(end.directory_size / kCentralFixedSize));
    }

    std::vector<ZipEntry> entries;
    entries.reserve(static_cast<std::size_t>(end.entries_total));
    std::uint64_t pos = end.directory_offset;
    const std::uint64_t directory_end = end.directory_offset + end.directory_size;
    for (std::uint64_t i = 0; i < end.entries_total; ++i) {
      entries.push_back(read_central_header(i, directory_end, &pos));
    }
    check_unique_names(entries);
    if (pos != directory_end) {
      fail("central directory holds " + std::to_string(pos - end.directory_offset) +
           " bytes of entries but the end record says " + std::to_string(end.directory_size));
    }
    for (auto& entry : entries) resolve_local_header(end.directory_offset, &entry);
    check_no_overlap(entries);
    return entries;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(describe(path_, "zip: " + what));
  }

  std::uint64_t find_end_record() const {
    // The end record sits at the very end, followed only by its comment
    // (at most 65535 bytes), so the search is bounded.
    const std::uint64_t last = size_ - kEndSize;
    const std::uint64_t first = last > kMaxCommentSize ? last - kMaxCommentSize : 0;
    for (std::uint64_t pos = last + 1; pos-- > first;) {
      if (le32(data_ + pos) != kEndSignature) continue;
      // Accept a candidate only if its comment length reaches exactly the end
      // of the file; a stray signature inside the comment or data does not.
      if (pos + kEndSize + le16(data_ + pos + 20) == size_) return pos;
    }
    fail("no end-of-central-directory record in the last " + std::to_string(size_ - first) +
         " bytes (not a zip archive, or truncated)");
  }

  EndRecord read_end_record(std::uint64_t pos) const {
    const std::uint8_t* p = data_ + pos;
    EndRecord end;
    end.disk = le16(p + 4);
    end.directory_disk = le16(p + 6);
    end.entries_on_disk = le16(p + 8);
    end.entries_total = le16(p + 10);
    end.directory_size = le32(p + 12);
    end.directory_offset = le32(p + 16);
    return end;
  }

  // Reads the ZIP64 end record when a locator precedes the end record and
  // replaces sentinel values with its 64-bit ones. Returns the offset the
  // central directory must end before.
  std::uint64_t merge_zip64(std::uint64_t end_pos, EndRecord* end) const {
    const bool has_sentinel =
        end->disk == kSentinel16 || end->directory_disk == kSentinel16 ||
        end->entries_on_disk == kSentinel16 || end->entries_total == kSentinel16 ||
        end->directory_size == kSentinel32 || end->directory_offset == kSentinel32;
    const bool has_locator = end_pos >= kZip64LocatorSize &&
                             le32(data_ + end_pos - kZip64LocatorSize) == kZip64LocatorSignature;
    if (!has_locator) {
      if (has_sentinel) {
        fail("end record uses ZIP64 placeholder values but there is no ZIP64 end record locator");
      }
      return end_pos;
    }
    const std::uint64_t locator_pos = end_pos - kZip64LocatorSize;
    const std::uint8_t* loc = data_ + locator_pos;
    const std::uint32_t locator_disk = le32(loc + 4);
    const std::uint64_t record_pos = le64(loc + 8);
    const std::uint32_t total_disks = le32(loc + 16);
    if (locator_disk != 0 || total_disks > 1) {
      fail("ZIP64 locator names disk " + std::to_string(locator_disk) + " of " +
           std::to_string(total_disks) + "; multi-disk archives are not supported");
    }
    if (!range_fits(record_pos, kZip64EndFixedSize, locator_pos)) {
      fail("ZIP64 end record offset " + std::to_string(record_pos) +
           " does not leave room for the record before its locator at " +
           std::to_string(locator_pos));
    }
    const std::uint8_t* rec = data_ + record_pos;
    if (le32(rec) != kZip64EndSignature) {
      fail("no ZIP64 end record signature at offset " + std::to_string(record_pos) +
           " named by the ZIP64 locator");
    }
    const std::uint64_t record_size = le64(rec + 4);  // excludes the first 12 bytes
    if (record_size < kZip64EndFixedSize - 12 ||
        !range_fits(record_pos + 12, record_size, locator_pos)) {
      fail("ZIP64 end record size " + std::to_string(record_size) +
           " is inconsistent with its position");
    }
    EndRecord z64;
    z64.disk = le32(rec + 16);
    z64.directory_disk = le32(rec + 20);
    z64.entries_on_disk = le64(rec + 24);
    z64.entries_total = le64(rec + 32);
    z64.directory_size = le64(rec + 40);
    z64.directory_offset = le64(rec + 48);

    // A classic field that is not a placeholder must agree with the ZIP64 one.
    auto merge = [&](std::uint64_t* classic, std::uint64_t wide, std::uint64_t sentinel,
                     const char* what) {
      if (*classic != sentinel && *classic != wide) {
        fail(std::string("end record and ZIP64 end record disagree on the ") + what + " (" +
             std::to_string(*classic) + " vs " + std::to_string(wide) + ")");
      }
      *classic = wide;
    };
    merge(&end->disk, z64.disk, kSentinel16, "disk number");
    merge(&end->directory_disk, z64.directory_disk, kSentinel16, "directory disk");
    merge(&end->entries_on_disk, z64.entries_on_disk, kSentinel16, "entries on this disk");
    merge(&end->entries_total, z64.entries_total, kSentinel16, "entry count");
    merge(&end->directory_size, z64.directory_size, kSentinel32, "central directory size");
    merge(&end->directory_offset, z64.directory_offset, kSentinel32, "central directory offset");
    return record_pos;
  }

  ZipEntry read_central_header(std::uint64_t index, std::uint64_t directory_end,
                               std::uint64_t* pos) const {
    const std::string where = "central directory entry " + std::to_string(index);
    if (!range_fits(*pos, kCentralFixedSize, directory_end)) {
      fail(where + " at offset " + std::to_string(*pos) + " runs past the central directory");
    }
    const std::uint8_t* p = data_ + *pos;
    if (le32(p) != kCentralSignature) {
      fail(where + " at offset " + std::to_string(*pos) + " has no central header signature");
    }
    const std::uint16_t flags = le16(p + 8);
    ZipEntry entry;
    entry.method = le16(p + 10);
    entry.compressed_size = le32(p + 20);
    entry.uncompressed_size = le32(p + 24);
    const std::uint64_t name_len = le16(p + 28);
    const std::uint64_t extra_len = le16(p + 30);
    const std::uint64_t comment_len = le16(p + 32);
    std::uint64_t disk_start = le16(p + 34);
    entry.local_header_offset = le32(p + 42);

    const std::uint64_t variable_len = name_len + extra_len + comment_len;
    if (!range_fits(*pos + kCentralFixedSize, variable_len, directory_end)) {
      fail(where + ": name, extra field and comment (" + std::to_string(variable_len) +
           " bytes) run past the central directory");
    }
    const std::uint8_t* name_ptr = p + kCentralFixedSize;
    entry.name.assign(reinterpret_cast<const char*>(name_ptr), static_cast<std::size_t>(name_len));
    const std::string named = where + " (" + quote_name(entry.name) + ")";
    if (entry.name.empty()) fail(where + " has an empty name");
    if (entry.name.find('\0') != std::string::npos) fail(named + " has a NUL byte in its name");
    if (flags & kFlagEncrypted) fail(named + " is encrypted");

    read_zip64_extra(named, name_ptr + name_len, extra_len, &entry, &disk_start);
    if (disk_start != 0) {
      fail(named + " starts on disk " + std::to_string(disk_start) +
           "; multi-disk archives are not supported");
    }
    if (entry.method == 0 && entry.compressed_size != entry.uncompressed_size) {
      fail(named + " is stored (not compressed) but its compressed size " +
           std::to_string(entry.compressed_size) + " differs from its size " +
           std::to_string(entry.uncompressed_size));
    }
    *pos += kCentralFixedSize + variable_len;
    return entry;
  }

  // Walks the extra-field blocks of a central header. The ZIP64 block holds,
  // in this order, exactly the 64-bit values whose 32-bit fields are
  // placeholders.
  void read_zip64_extra(const std::string& named, const std::uint8_t* extra,
                        std::uint64_t extra_len, ZipEntry* entry, std::uint64_t* disk_start) const {
    const std::uint8_t* zip64 = nullptr;
    std::uint64_t zip64_len = 0;
    std::uint64_t pos = 0;
    while (pos < extra_len) {
      if (extra_len - pos < 4) fail(named + ": extra field ends with a truncated block header");
      const std::uint16_t id = le16(extra + pos);
      const std::uint64_t block_len = le16(extra + pos + 2);
      if (block_len > extra_len - pos - 4) {
        fail(named + ": extra field block 0x" + hex16(id) + " of " + std::to_string(block_len) +
             " bytes runs past the extra field");
      }
      if (id == kZip64ExtraId) {
        if (zip64 != nullptr) fail(named + " has two ZIP64 extra blocks");
        zip64 = extra + pos + 4;
        zip64_len = block_len;
      }
      pos += 4 + block_len;
    }

    std::uint64_t consumed = 0;
    auto take = [&](std::uint64_t* field, std::uint64_t width, const char* what) {
      if (zip64 == nullptr) {
        fail(named + ": " + what + " is a ZIP64 placeholder but there is no ZIP64 extra field");
      }
      if (zip64_len - consumed < width) {
        fail(named + ": ZIP64 extra field of " + std::to_string(zip64_len) + " bytes lacks the " +
             what);
      }
      *field = width == 8 ? le64(zip64 + consumed) : le32(zip64 + consumed);
      consumed += width;
    };
    if (entry->uncompressed_size == kSentinel32) take(&entry->uncompressed_size, 8, "size");
    if (entry->compressed_size == kSentinel32) take(&entry->compressed_size, 8, "compressed size");
    if (entry->local_header_offset == kSentinel32) {
      take(&entry->local_header_offset, 8, "local header offset");
    }
    if (*disk_start == kSentinel16) take(disk_start, 4, "start disk");
  }

  static std::string hex16(std::uint16_t v) {
    static const char* digits = "0123456789abcdef";
    std::string s(4, '0');
    for (int i = 3; i >= 0; --i, v = static_cast<std::uint16_t>(v >> 4)) s[i] = digits[v & 0xf];
    return s;
  }

  // Finds where the entry's bytes start. The local header repeats the name
  // and may carry a different extra field (torch pads it so data is 64-byte
  // aligned), so the data offset can only be known from the local header.
  void resolve_local_header(std::uint64_t directory_offset, ZipEntry* entry) const {
    const std::string named = "entry " + quote_name(entry->name);
    const std::uint64_t offset = entry->local_header_offset;
    if (!range_fits(offset, kLocalFixedSize, directory_offset)) {
      fail(named + ": local header offset " + std::to_string(offset) +
           " is not followed by a local header before the central directory at " +
           std::to_string(directory_offset));
    }
    const std::uint8_t* p = data_ + offset;
    if (le32(p) != kLocalSignature) {
      fail(named + ": no local header signature at offset " + std::to_string(offset));
    }
    const std::uint16_t flags = le16(p + 6);
    const std::uint16_t method = le16(p + 8);
    const std::uint32_t compressed_size = le32(p + 18);
    const std::uint32_t uncompressed_size = le32(p + 22);
    const std::uint64_t name_len = le16(p + 26);
    const std::uint64_t extra_len = le16(p + 28);
    if (!range_fits(offset + kLocalFixedSize, name_len + extra_len, directory_offset)) {
      fail(named + ": local header name and extra field run past the central directory");
    }
    const auto* local_name = reinterpret_cast<const char*>(p + kLocalFixedSize);
    if (name_len != entry->name.size() ||
        !std::equal(entry->name.begin(), entry->name.end(), local_name)) {
      fail(named + ": local header at offset " + std::to_string(offset) + " names " +
           quote_name(std::string(local_name, static_cast<std::size_t>(name_len))));
    }
    if (method != entry->method) {
      fail(named + ": local header method " + std::to_string(method) +
           " differs from the central directory's " + std::to_string(entry->method));
    }
    // With a data descriptor (bit 3) the local sizes are zero by design;
    // otherwise they must repeat the central ones (or defer to ZIP64).
    if (!(flags & kFlagDataDescriptor)) {
      if (compressed_size != kSentinel32 && compressed_size != entry->compressed_size) {
        fail(named + ": local header compressed size " + std::to_string(compressed_size) +
             " differs from the central directory's " + std::to_string(entry->compressed_size));
      }
      if (uncompressed_size != kSentinel32 && uncompressed_size != entry->uncompressed_size) {
        fail(named + ": local header size " + std::to_string(uncompressed_size) +
             " differs from the central directory's " + std::to_string(entry->uncompressed_size));
      }
    }
    entry->data_offset = offset + kLocalFixedSize + name_len + extra_len;
    if (!range_fits(entry->data_offset, entry->compressed_size, directory_offset)) {
      fail(named + ": data at offset " + std::to_string(entry->data_offset) + " of " +
           std::to_string(entry->compressed_size) +
           " bytes runs past the start of the central directory at " +
           std::to_string(directory_offset));
    }
  }

  void check_unique_names(const std::vector<ZipEntry>& entries) const {
    std::set<std::string_view> seen;
    for (const auto& e : entries) {
      if (!seen.insert(e.name).second) fail("duplicate entry name " + quote_name(e.name));
    }
  }

  // Entries must occupy disjoint byte ranges: an entry whose declared size
  // reaches into the next local header is lying about its size.
  void check_no_overlap(const std::vector<ZipEntry>& entries) const {
    std::vector<const ZipEntry*> by_offset;
    by_offset.reserve(entries.size());
    for (const auto& e : entries) by_offset.push_back(&e);
    std::sort(by_offset.begin(), by_offset.end(), [](const ZipEntry* a, const ZipEntry* b) {
      return a->local_header_offset < b->local_header_offset;
    });
    for (std::size_t i = 1; i < by_offset.size(); ++i) {
      const ZipEntry& prev = *by_offset[i - 1];
      const ZipEntry& cur = *by_offset[i];
      if (prev.data_offset + prev.compressed_size > cur.local_header_offset) {
        fail("entry " + quote_name(prev.name) + " (data at " + std::to_string(prev.data_offset) +
             ", " + std::to_string(prev.compressed_size) + " bytes) overlaps entry " +
             quote_name(cur.name) + " at " + std::to_string(cur.local_header_offset));
      }
    }
  }

  const std::string& path_;
  const std::uint8_t* data_;
  std::uint64_t size_;
};

}  // namespace

std::string zip_method_name(std::uint16_t method) {
  switch (method) {
    case 0: return "stored";
    case 1: return "shrink";
    case 6: return "implode";
    case 8: return "deflate";
    case 9: return "deflate64";
    case 12: return "bzip2";
    case 14: return "lzma";
    case 93: return "zstd";
    case 95: return "xz";
    case 98: return "ppmd";
    default: return "unknown";
  }
}

ZipArchive::ZipArchive(std::shared_ptr<const MappedFile> file) : file_(std::move(file)) {
  entries_ = DirectoryParser(*file_).parse();
  for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].name, i);
}

const ZipEntry* ZipArchive::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

ByteSpan ZipArchive::data(const ZipEntry& entry) const {
  if (entry.method != 0) {
    throw FormatError(describe(
        file_->path(), "zip: entry " + quote_name(entry.name) + " is compressed (method " +
                           std::to_string(entry.method) + ", " + zip_method_name(entry.method) +
                           "); only stored entries are supported (torch.save never compresses)"));
  }
  // Offsets were validated against the file size when the directory was read.
  return ByteSpan{file_->data() + entry.data_offset,
                  static_cast<std::size_t>(entry.compressed_size)};
}

ByteSpan ZipArchive::data(const std::string& name) const {
  const ZipEntry* entry = find(name);
  if (entry == nullptr) {
    throw FormatError(describe(file_->path(), "zip: no entry " + quote_name(name)));
  }
  return data(*entry);
}

}  // namespace animate::io
